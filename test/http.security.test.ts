// Request ids, API keys, rate limits, CORS, security headers, compression and load shedding, on
// the real service (in-memory cache) with a counting stand-in for the solver pool.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createSolveService } from '../src/compose.js';
import { smallRequest } from './fixtures/allocate-requests.js';
import { CountingPool } from './fixtures/counting-pool.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from './fixtures/redis.js';

const KEY = 'test-key-0123456789abcdef';
const OTHER_KEY = 'other-key-0123456789abcdef';
const apps: App[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function start(env: Record<string, string>, options: { logs?: string[]; rateLimitKeyPrefix?: string } = {}) {
  const config = { ...loadConfig(env), logLevel: options.logs ? ('info' as const) : ('silent' as const) };
  const pool = new CountingPool(5);
  // With REDIS_URL, the cache shares the run's prefix: canned answers must not land under real keys.
  const service = createSolveService(config, { pool, keyPrefix: options.rateLimitKeyPrefix });
  const app = buildApp(config, {
    service,
    rateLimitKeyPrefix: options.rateLimitKeyPrefix,
    ...(options.logs ? { logStream: { write: (line: string) => void options.logs!.push(line) } } : {}),
  });
  apps.push(app);
  await app.ready();
  return { app, pool };
}

const allocate = (app: App, headers: Record<string, string> = {}, body: object = smallRequest()) =>
  app.inject({ method: 'POST', url: '/allocate', payload: body, headers });

/** A body no earlier request sent: a cold solve. */
function freshBody(i: number) {
  const body = smallRequest();
  body.devices[0].samples = 1000 + i;
  return body;
}

describe('request ids', () => {
  it('keeps an acceptable incoming x-request-id, echoes it and puts it in error bodies', async () => {
    const { app } = await start({});
    const res = await app.inject({ method: 'POST', url: '/allocate', payload: {}, headers: { 'x-request-id': 'trace-42.a:b_c' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-request-id']).toBe('trace-42.a:b_c');
    expect(res.json().requestId).toBe('trace-42.a:b_c');
  });

  it('replaces an overlong or odd id with a fresh UUID, different per request', async () => {
    const { app } = await start({});
    for (const bad of ['x'.repeat(129), 'has space', 'line\u00e9', '']) {
      const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    const a = await app.inject({ method: 'GET', url: '/nope' });
    const b = await app.inject({ method: 'GET', url: '/nope' });
    expect(a.json().requestId).toBe(a.headers['x-request-id']);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('API keys', () => {
  it('are off without API_KEYS: the quick start needs no key', async () => {
    const { app } = await start({});
    expect((await allocate(app)).statusCode).toBe(200);
  });

  it('401 in the error envelope without a key or with a wrong one; Bearer and x-api-key both work', async () => {
    const { app, pool } = await start({ API_KEYS: `${KEY}, ${OTHER_KEY}` });
    const none = await allocate(app);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({
      status: 401,
      type: 'https://edge-allocator.dev/problems/unauthorized',
      code: 'UNAUTHORIZED',
      requestId: none.headers['x-request-id'],
    });
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await allocate(app, { authorization: 'Bearer wrong-key-0123456789abcdef' })).statusCode).toBe(401);
    expect((await allocate(app, { authorization: `Basic ${KEY}` })).statusCode).toBe(401);
    expect((await allocate(app, { 'x-api-key': `${KEY}x` })).statusCode).toBe(401);
    expect(pool.runs).toBe(0); // refused before any work
    expect((await allocate(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    expect((await allocate(app, { 'x-api-key': OTHER_KEY })).statusCode).toBe(200);
    // Unknown routes do not reveal themselves to callers without a key.
    expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(401);
  });

  it('leave probes, docs and (by default) metrics open; METRICS_PUBLIC=false closes /metrics', async () => {
    const { app } = await start({ API_KEYS: KEY });
    for (const url of ['/health', '/ready', '/docs', '/docs/json', '/metrics']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(400);
    }
    expect((await app.inject({ method: 'GET', url: '/docsX' })).statusCode).toBe(401);
    const closed = await start({ API_KEYS: KEY, METRICS_PUBLIC: 'false' });
    expect((await closed.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await closed.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': KEY } })).statusCode).toBe(200);
  });

  it('accepts API_KEYS_FILE digests, and never writes a key to the logs', async () => {
    const digest = createHash('sha256').update(KEY).digest('hex');
    const config = loadConfig({ API_KEYS_FILE: '/keys' }, (path) => (path === '/keys' ? `# ops team\nsha256:${digest}\n` : ''));
    expect(config.apiKeyDigests.map((d) => d.toString('hex'))).toEqual([digest]);
    const logs: string[] = [];
    const { app } = await start({ API_KEYS: KEY }, { logs });
    expect((await allocate(app, { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    expect((await allocate(app, { 'x-api-key': `${KEY}-wrong` })).statusCode).toBe(401);
    expect(logs.length).toBeGreaterThan(3);
    expect(logs.join('\n')).not.toContain(KEY);
  });
});

describe('rate limits', () => {
  it('429 with Retry-After and RateLimit headers past RATE_LIMIT_MAX per window; probes are never limited', async () => {
    const { app } = await start({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_COLD_SOLVE_COST: '1' });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await allocate(app)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const res = await allocate(app);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.headers['ratelimit-limit']).toBe('3');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    // The draft's structured fields, with the same numbers: quota 3 per 60 s, none left, t = Retry-After.
    expect(res.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
    expect(res.headers.ratelimit).toBe(`"default";r=0;t=${res.headers['ratelimit-reset']}`);
    expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterS: Number(res.headers['retry-after']) });
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    // Probes are not limited: no rate-limit headers at all.
    const probe = await app.inject({ method: 'GET', url: '/health' });
    expect(probe.headers['ratelimit-policy'] ?? probe.headers.ratelimit ?? probe.headers['ratelimit-limit']).toBeUndefined();
  });

  it('counts per API key, not per address', async () => {
    const { app } = await start({ API_KEYS: `${KEY},${OTHER_KEY}`, RATE_LIMIT_MAX: '2', RATE_LIMIT_COLD_SOLVE_COST: '1' });
    const a = { authorization: `Bearer ${KEY}` };
    expect([(await allocate(app, a)).statusCode, (await allocate(app, a)).statusCode, (await allocate(app, a)).statusCode]).toEqual([
      200, 200, 429,
    ]);
    expect((await allocate(app, { 'x-api-key': OTHER_KEY })).statusCode).toBe(200);
  });

  it('counts per client address behind a trusted proxy (TRUST_PROXY), per proxy otherwise', async () => {
    const env = { RATE_LIMIT_MAX: '1', RATE_LIMIT_COLD_SOLVE_COST: '1' };
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const trusting = await start({ ...env, TRUST_PROXY: '127.0.0.1' });
    expect((await allocate(trusting.app, from('203.0.113.1'))).statusCode).toBe(200);
    expect((await allocate(trusting.app, from('203.0.113.2'))).statusCode).toBe(200);
    expect((await allocate(trusting.app, from('203.0.113.1'))).statusCode).toBe(429);
    const plain = await start(env);
    expect((await allocate(plain.app, from('203.0.113.1'))).statusCode).toBe(200);
    expect((await allocate(plain.app, from('203.0.113.2'))).statusCode).toBe(429);
  });

  it('counts failed key attempts against the address, so guessing keys is limited too', async () => {
    const { app } = await start({ API_KEYS: KEY, RATE_LIMIT_MAX: '3', RATE_LIMIT_COLD_SOLVE_COST: '1' });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await allocate(app, { 'x-api-key': `guess-${i}-0123456789abcdef` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    // The holder of a valid key has its own budget.
    expect((await allocate(app, { 'x-api-key': KEY })).statusCode).toBe(200);
    // Unknown routes count too.
    expect((await app.inject({ method: 'GET', url: '/nope', headers: { 'x-api-key': KEY } })).statusCode).toBe(404);
  });

  it('charges cold solves more than cache hits: a repeating client outlasts one sending fresh instances', async () => {
    const env = { RATE_LIMIT_MAX: '12', RATE_LIMIT_COLD_SOLVE_COST: '4' };
    const repeating = await start(env);
    const fresh = await start(env);
    const served = async (app: App, body: (i: number) => object) => {
      let ok = 0;
      for (let i = 0; i < 20; i++) if ((await allocate(app, {}, body(i))).statusCode === 200) ok += 1;
      return ok;
    };
    // The cold answer's RateLimit-Remaining counts its own surcharge (12 − 4), a hit's 1 more.
    const first = await allocate(repeating.app, {}, smallRequest());
    expect(first.headers['ratelimit-remaining']).toBe('8');
    expect(first.headers.ratelimit).toMatch(/^"default";r=8;t=\d+$/);
    expect(first.headers['ratelimit-policy']).toBe('"default";q=12;w=60');
    const hit = await allocate(repeating.app, {}, smallRequest());
    expect(hit.headers['ratelimit-remaining']).toBe('7');
    expect(hit.headers.ratelimit).toMatch(/^"default";r=7;t=\d+$/);
    // Repeating: one cold solve (4) then hits (1 each): 1 + 8 = 9 answers within 12 (2 of them above).
    expect(2 + (await served(repeating.app, () => smallRequest()))).toBe(9);
    // Fresh: every answer is a cold solve (4): admitted at 1, 5, 9; the fourth finds 12 spent.
    expect(await served(fresh.app, freshBody)).toBe(3);
    expect(fresh.pool.runs).toBe(3);
  });

  it('shares the budget through Redis when REDIS_URL is set', async () => {
    const prefix = uniquePrefix('ratelimit');
    cleanups.push(() => deleteKeys(prefix));
    const env = { REDIS_URL: SHARED_REDIS_URL, RATE_LIMIT_MAX: '3', RATE_LIMIT_COLD_SOLVE_COST: '1' };
    const one = await start(env, { rateLimitKeyPrefix: prefix });
    const two = await start(env, { rateLimitKeyPrefix: prefix });
    const codes = [];
    for (const app of [one.app, two.app, one.app, two.app]) codes.push((await allocate(app)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
  });
});

describe('CORS, security headers, compression, load shedding', () => {
  it('no CORS headers by default; listed origins get preflights answered without a key', async () => {
    const closed = await start({});
    const denied = await closed.app.inject({
      method: 'POST',
      url: '/allocate',
      payload: smallRequest(),
      headers: { origin: 'https://evil.example' },
    });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const unlisted = await closed.app.inject({
      method: 'OPTIONS',
      url: '/allocate',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(unlisted.statusCode).toBe(204);
    expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();

    const { app } = await start({ CORS_ORIGINS: 'https://console.example', API_KEYS: KEY });
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/allocate',
      headers: {
        origin: 'https://console.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    // A job submitted from the browser with an Idempotency-Key, and the headers its answers carry.
    const jobPreflight = await app.inject({
      method: 'OPTIONS',
      url: '/jobs',
      headers: {
        origin: 'https://console.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'idempotency-key,content-type',
      },
    });
    expect(String(jobPreflight.headers['access-control-allow-headers'])).toContain('idempotency-key');
    const health = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://console.example' } });
    const exposed = String(health.headers['access-control-expose-headers']).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['location', 'ratelimit-policy', 'ratelimit', 'retry-after']));
    const other = await app.inject({
      method: 'OPTIONS',
      url: '/allocate',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sets security headers and compresses large JSON for clients that accept gzip', async () => {
    const { app } = await start({});
    const res = await app.inject({ method: 'GET', url: '/docs/json', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(res.rawPayload).toString('utf8')).openapi).toBe('3.1.0');
    const plain = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4);
  });

  it('sheds load with 503 + Retry-After past MAX_HEAP_USED_BYTES, probes still answering', async () => {
    const { app, pool } = await start({ MAX_HEAP_USED_BYTES: '1' });
    // under-pressure samples once a second.
    const deadline = Date.now() + 5000;
    let res = await allocate(app);
    while (res.statusCode !== 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      res = await allocate(app, {}, freshBody(pool.runs));
    }
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 'UNDER_PRESSURE', retryAfterS: 5 });
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('errors before a route runs', () => {
  it('415 in the envelope for a body that is not JSON', async () => {
    const { app } = await start({});
    const res = await app.inject({
      method: 'POST',
      url: '/allocate',
      payload: '<allocate/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', requestId: res.headers['x-request-id'] });
    // It says what the service reads instead of repeating the status.
    expect(res.json().detail).toContain('Content-Type: application/json');
  });

  it('431 in the envelope for oversized headers (answered by the HTTP parser, over a real socket)', async () => {
    const { app } = await start({});
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: string; requestId: unknown }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/health', headers: { 'x-padding': 'a'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, requestId: res.headers['x-request-id'] }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(431);
    // Like every other answer it carries a request id, in the header and the body.
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(answer.body)).toEqual({
      type: 'https://edge-allocator.dev/problems/headers-too-large',
      title: 'Request headers too large',
      status: 431,
      detail: 'request headers are too large',
      code: 'HEADERS_TOO_LARGE',
      requestId: answer.requestId,
    });
  });
});
