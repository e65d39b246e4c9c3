// A caller that leaves (client disconnected) stops its solve, unless another caller shares it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { createSolveService } from '../src/compose.js';
import type { SolveService } from '../src/solve/types.js';

const big = (seed: number, timeLimitMs: number) => ({
  ...generateRequest(seed, { devices: 600, servers: 30 }),
  options: { baselines: false, timeLimitMs, relativeGap: 0 },
});

describe('leaving callers', () => {
  let service: SolveService;
  beforeAll(async () => {
    service = createSolveService({ redisUrl: undefined, solverThreads: 1, solverMaxQueue: 8, cacheTtlS: 60, cacheMaxEntries: 100 });
    // A solve stopped while the thread is still loading never starts: wait for the thread.
    const deadline = Date.now() + 10_000;
    while (!(await service.readiness()).ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(async () => {
    await service.close();
  });

  it('the only caller leaving stops the solve (the answer comes early, marked stopped)', async () => {
    const leave = new AbortController();
    const t0 = performance.now();
    setTimeout(() => leave.abort(), 600);
    const out = await service.solve('allocate', big(1, 20_000), { signal: leave.signal });
    const ms = performance.now() - t0;
    expect(out.stopped).toBe(true);
    expect(out.result.limit).toBe('TIME');
    expect(ms).toBeLessThan(5000); // not the 20 s limit
  }, 30_000);

  it('a shared solve goes on for the caller who stays', async () => {
    const leave = new AbortController();
    const body = big(2, 2500);
    const t0 = performance.now();
    const leaving = service.solve('allocate', body, { signal: leave.signal }).catch((e: Error) => e.name);
    const staying = service.solve('allocate', body);
    setTimeout(() => leave.abort(), 400);
    expect(await leaving).toBe('CallerGoneError');
    const out = await staying;
    expect(out.stopped).toBeUndefined();
    // It was still running when the other caller left, and ran on to its own end: its limit, or
    // (on a quiet machine, 600 × 30 converges in about 1.4 s) the search and bound ending by
    // themselves. A stop would have ended it INTERRUPTED at about 400 ms.
    expect(performance.now() - t0).toBeGreaterThan(600);
    expect(out.result.termination).not.toBe('INTERRUPTED');
  }, 30_000);
});

describe('HTTP: a client that disconnects frees its solver thread', () => {
  let app: App;
  let port: number;
  beforeAll(async () => {
    app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 1 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('with one thread, the next request does not wait for the abandoned 20 s solve', async () => {
    const payload = JSON.stringify(big(3, 20_000));
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/allocate', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(payload);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    req.destroy();
    const t0 = performance.now();
    const next = await fetch(`http://127.0.0.1:${port}/allocate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ALLOCATE_REQUEST_EXAMPLE),
    });
    expect(next.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(8000);
  }, 30_000);
});
