// GET /health, GET /ready and unknown routes, with a fake SolveService whose readiness we control.
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Readiness, SolveService } from '../src/solve/types.js';

function fakeService(readiness: Readiness): SolveService {
  return {
    solve: async () => {
      throw new Error('not used');
    },
    allocatePareto: async () => {
      throw new Error('not used');
    },
    allocateWhatIf: async () => {
      throw new Error('not used');
    },
    readiness: async () => readiness,
    close: async () => {},
  };
}

const workers = { threads: 2, queued: 3, maxQueue: 64 };

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(readiness: Readiness) {
  app = buildApp({ ...loadConfig({}), logLevel: 'silent' }, { service: fakeService(readiness) });
  await app.ready();
  return app;
}

describe('probes', () => {
  it('GET /health is 200 ok even when the service is not ready (liveness only)', async () => {
    const a = await start({ ready: false, workers, redis: 'down' });
    const res = await a.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 with workers and redis state when ready', async () => {
    const a = await start({ ready: true, workers, redis: 'up' });
    const res = await a.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', workers, redis: 'up' });
  });

  it('GET /ready stays 200 when Redis is down: the service degrades to no cache', async () => {
    const a = await start({ ready: true, workers, redis: 'down' });
    const res = await a.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', redis: 'down' });
  });

  it('GET /ready is 503 when the workers are not up', async () => {
    const a = await start({ ready: false, workers: { ...workers, threads: 0 }, redis: 'disabled' });
    const res = await a.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready', workers: { ...workers, threads: 0 }, redis: 'disabled' });
  });

  it('an unknown route is a 404 in the error envelope', async () => {
    const a = await start({ ready: true, workers, redis: 'disabled' });
    const res = await a.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, title: 'No such route', code: 'NOT_FOUND' });
  });

  it('serves Swagger UI at /docs', async () => {
    const a = await start({ ready: true, workers, redis: 'disabled' });
    const res = await a.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
