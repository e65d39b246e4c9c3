// One walk through the whole stack: HTTP → real SolveService (normalise, memory cache, worker pool,
// solver) → reply. Skipped only while src/solve/service.ts does not exist yet.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';

const serviceExists = existsSync(fileURLToPath(new URL('../src/solve/service.ts', import.meta.url)));

describe.skipIf(!serviceExists)('POST /allocate end to end (real service, in-memory cache)', () => {
  let app: App;
  beforeAll(async () => {
    const { buildApp } = await import('../src/app.js');
    // No REDIS_URL: in-memory cache, so this test needs no Redis; one thread keeps it light.
    app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 1 });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/allocate', payload: payload as object });

  it('solves the documented example, then answers it from the cache', async () => {
    const first = await post(ALLOCATE_REQUEST_EXAMPLE);
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json();
    expect(['OPTIMAL', 'FEASIBLE']).toContain(body.status);
    expect(body.cache).toBe('miss');
    expect(body.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.allocations.map((a: { deviceId: string }) => a.deviceId)).toEqual(['ue-1', 'ue-2', 'ue-3']);
    expect(typeof body.objective).toBe('number');

    const second = await post(ALLOCATE_REQUEST_EXAMPLE);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ ...body, cache: 'hit' });
  });

  it("maps the normaliser's InputError to a 400 naming the field", async () => {
    const body = structuredClone(ALLOCATE_REQUEST_EXAMPLE) as { devices: { channelGains: Record<string, number> }[] };
    body.devices[0].channelGains['es-9'] = 1e-9;
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'devices[0].channelGains.es-9', reason: 'unknown server id' });
  });

  it('serialises every field the solver returns (the response schema drops nothing)', async () => {
    const { buildApp } = await import('../src/app.js');
    const { createSolveService } = await import('../src/compose.js');
    const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 1 };
    const service = createSolveService(config);
    const probe = buildApp(config, { service });
    try {
      await probe.ready();
      const direct = await service.solve('allocate', structuredClone(ALLOCATE_REQUEST_EXAMPLE));
      const res = await probe.inject({ method: 'POST', url: '/allocate', payload: ALLOCATE_REQUEST_EXAMPLE });
      // JSON round trip: what the result would look like if serialised without any schema.
      const unfiltered = JSON.parse(JSON.stringify({ ...direct.result, cache: 'hit', requestHash: direct.requestHash }));
      expect(res.json()).toEqual(unfiltered);
    } finally {
      await probe.close();
    }
  });

  it('reports ready with workers up and Redis disabled', async () => {
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', redis: 'disabled', workers: { threads: 1 } });
  });
});
