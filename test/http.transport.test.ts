// What happens before a body reaches the schema: bytes that are not UTF-8 (400 naming the field),
// a wrong Content-Type (415) and oversized headers (431, raised by Node's HTTP parser, so tested on
// a real socket). Each answer is a documented Problem (RFC 9457, application/problem+json).
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { firstInvalidUtf8 } from '../src/plugins/json-body.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { responseChecker, type ResponseCheck } from './fixtures/http-fuzz.js';

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 1 };
let app: App;
let check: ResponseCheck;
beforeAll(async () => {
  app = buildApp(config);
  await app.ready();
  check = await responseChecker(app);
});
afterAll(async () => {
  await app?.close();
});

/** The example body as bytes, with `bad` spliced in place of the placeholder string. */
function bytesWith(placeholder: string, bad: number[]): Buffer {
  const text = JSON.stringify(ALLOCATE_REQUEST_EXAMPLE);
  const at = text.indexOf(placeholder);
  if (at < 0) throw new Error(`placeholder ${placeholder} not in the example`);
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at + placeholder.length))]);
}

const postBytes = (payload: Buffer, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/allocate', headers: { 'content-type': contentType }, payload });

describe('invalid UTF-8 is a 400 naming the field that holds it', () => {
  it.each([
    ['a lone continuation byte in a device id', 'ue-1', [0x75, 0x65, 0x80], 'devices[0].id'],
    ['an overlong "/" (C0 AF) in a server id', '"id":"es-2"', [...Buffer.from('"id":"es'), 0xc0, 0xaf, 0x22], 'servers[1].id'],
    [
      'an encoded surrogate (ED A0 80) in a channel-gain key',
      '"es-1":1.2e-9',
      [...Buffer.from('"es-'), 0xed, 0xa0, 0x80, ...Buffer.from('":1.2e-9')],
      'devices[0].channelGains.es-\uFFFD\uFFFD\uFFFD',
    ],
    ['a byte 0xFF outside any string', '"devices"', [0xff, ...Buffer.from('"devices"')], 'body'],
    ['a truncated 3-byte sequence', 'ue-3', [0x75, 0x65, 0xe2, 0x82], 'devices[2].id'],
  ])('%s', async (_what, placeholder, bad, field) => {
    const res = await postBytes(bytesWith(placeholder, bad));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_UTF8', field });
    expect(res.json().reason).toMatch(/^invalid UTF-8 \(byte 0x[0-9a-f]{2} at offset \d+\)$/);
    expect(check('/allocate', 400, res.json())).toBeNull();
  });

  it('well-formed UTF-8 is accepted, U+FFFD itself included, and comes back unchanged', async () => {
    const body = structuredClone(ALLOCATE_REQUEST_EXAMPLE);
    body.devices[0].id = 'Gerät-📱-\uFFFD';
    const res = await postBytes(Buffer.from(JSON.stringify(body)));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().allocations[0].deviceId).toBe('Gerät-📱-\uFFFD');
  });

  it('firstInvalidUtf8 agrees with Node: -1 exactly for valid UTF-8, and everything before the offset is valid', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s))),
      fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 4 }))
        .map(([s, b]) => new Uint8Array([...Buffer.from(s), ...b])),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const at = firstInvalidUtf8(b);
        expect(at === -1).toBe(isUtf8(b));
        if (at >= 0) expect(isUtf8(b.subarray(0, at))).toBe(true);
      }),
      { seed: 10, numRuns: 3000 },
    );
  });
});

describe('415 and 431: documented, and answered as problems', () => {
  it('every POST endpoint documents 415 and 431 with the Problem schema as application/problem+json', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const url of ['/allocate', '/allocate/blocks', '/allocate/pareto']) {
      for (const status of ['415', '431']) {
        expect(doc.paths[url].post.responses[status].content['application/problem+json'].schema.$ref, `${url} ${status}`).toBe(
          '#/components/schemas/Problem',
        );
      }
    }
  });

  it('a body that is not application/json is a 415', async () => {
    const res = await postBytes(Buffer.from(JSON.stringify(ALLOCATE_REQUEST_EXAMPLE)), 'text/plain');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      type: 'https://edge-allocator.dev/problems/unsupported-media-type',
      instance: '/allocate',
    });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(check('/allocate', 415, res.json())).toBeNull();
  });

  it('headers above 16 KiB are a 431 problem (a real socket: Node raises it before Fastify)', async () => {
    // The same app, now also on a socket (closed with it in afterAll).
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      socket.setTimeout(5000, () => reject(new Error('no answer within 5 s')));
      socket.on('data', (chunk) => (data += chunk.toString('utf8')));
      socket.on('error', (err) => (data ? resolve(data) : reject(err)));
      socket.on('close', () => resolve(data));
      socket.write(
        `POST /allocate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      );
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large/);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    const json = JSON.parse(body);
    expect(json).toMatchObject({ status: 431, title: 'Request headers too large', code: 'HEADERS_TOO_LARGE' });
    expect(check('/allocate', 431, json)).toBeNull();
  });
});
