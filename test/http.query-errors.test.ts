// Schema violations outside the body have codes of their own: INVALID_QUERY for a query parameter,
// INVALID_PARAMS for a path parameter, INVALID_HEADERS for a header (INVALID_BODY is the body breaking its schema,
// docs/input-validation.md); each names the parameter in `field` and is a documented 400 problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';

let app: App;
beforeAll(async () => {
  app = buildApp({ ...loadConfig({ SOLVER_THREADS: '1', SOLVER_WARMUP: 'false' }), logLevel: 'silent' });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

describe('query and path parameter errors', () => {
  it.each([
    ['/jobs?status=bogus', 'INVALID_QUERY', 'status'],
    ['/jobs?kind=nope', 'INVALID_QUERY', 'kind'],
    ['/jobs?limit=0', 'INVALID_QUERY', 'limit'],
    ['/jobs/abc?include=bogus', 'INVALID_QUERY', 'include'],
    ['/jobs/bad!id', 'INVALID_PARAMS', 'id'],
  ])('GET %s: 400 %s naming %s', async (url, code, field) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({
      status: 400,
      code,
      field,
      type: `https://edge-allocator.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    });
    expect(body.title).toMatch(code === 'INVALID_QUERY' ? /query parameter/ : /path parameter/);
  });

  it('POST /jobs with an Idempotency-Key over 200 characters: 400 INVALID_HEADERS naming the header', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/jobs',
      headers: { 'idempotency-key': 'k'.repeat(201) },
      payload: { kind: 'allocate', input: {} },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'INVALID_HEADERS',
      field: 'idempotency-key',
      title: 'A request header breaks its schema',
      type: 'https://edge-allocator.dev/problems/invalid-headers',
    });
  });

  it('a body breaking its schema is still INVALID_BODY', async () => {
    const res = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'allocate', input: {}, colour: 'red' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_BODY');
  });
});

describe('POST /jobs kinds (README, docs/scaling.md: every kind but evaluate)', () => {
  it('kind evaluate is refused with a 400 naming kind; what-if is a job kind', async () => {
    const res = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'evaluate', input: {} } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_BODY', field: 'kind' });
    const whatIf = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'what-if', input: {} } });
    expect(whatIf.statusCode).toBe(400);
    expect(whatIf.json().field).not.toBe('kind'); // refused for its input, not its kind
  });
});
