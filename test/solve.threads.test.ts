import { afterAll, describe, expect, it } from 'vitest';
import { createSolveService, type ServiceConfig } from '../src/compose.js';
import { SOLVER_VERSION } from '../src/solver/index.js';
import { generateRequest } from '../src/model/generator.js';
import { smallRequest } from './fixtures/allocate-requests.js';

// End to end through the real pieces: normalise → hash → memory cache → piscina → solve-worker.ts
// (loaded by worker-entry.mjs via tsx) → solveAllocate.
const config: ServiceConfig = { redisUrl: undefined, solverThreads: 1, solverMaxQueue: 4, cacheTtlS: 60, cacheMaxEntries: 100 };
const service = createSolveService(config);

afterAll(async () => {
  await service.close();
});

describe('solve service with the real worker pool', () => {
  it('solves a small instance in a worker and caches the answer', async () => {
    const deadline = Date.now() + 10_000;
    while (!(await service.readiness()).ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await service.readiness()).toEqual({
      ready: true,
      workers: { threads: 1, queued: 0, maxQueue: 4 },
      redis: 'disabled',
      queue: 'in-process',
    });
    const first = await service.solve('allocate', smallRequest());
    expect(first.cache).toBe('miss');
    expect(first.result.status).toBe('OPTIMAL');
    expect(first.result.allocations.map((a) => a.deviceId).sort()).toEqual(['ue-1', 'ue-2']);
    expect(Number.isFinite(first.result.objective)).toBe(true);
    expect(first.result.solver.version).toContain(SOLVER_VERSION);

    const second = await service.solve('allocate', smallRequest());
    expect(second.cache).toBe('hit');
    expect(second.result).toEqual(first.result);
  });
});

describe('an uncertified solve (what-if scenarios) on the real worker pool', () => {
  it('reaches the thread (no bound in its answer) and has a cache entry of its own', async () => {
    const body = { ...generateRequest(4, { devices: 120, servers: 8 }), options: { baselines: false, timeLimitMs: 4000 } };
    const searchOnly = await service.solve('allocate', body, { certify: false });
    expect(searchOnly.cache).toBe('miss');
    expect(searchOnly.result.objective).toBeDefined();
    expect(searchOnly.result.bound).toBeUndefined();
    expect(searchOnly.result.status).toBe('FEASIBLE');
    // POST /allocate of the same body is not served the unproven answer, nor does it serve one.
    const certified = await service.solve('allocate', body);
    expect(certified.cache).toBe('miss');
    expect(certified.requestHash).not.toBe(searchOnly.requestHash);
    expect(certified.result.bound).toBeDefined();
    const again = await service.solve('allocate', body, { certify: false });
    expect(again.requestHash).toBe(searchOnly.requestHash);
    expect(again.result.bound).toBeUndefined();
    // Its search stopped where it gained less than the tolerance, and it has no gap to check a
    // stricter request against: a looser tolerance's answer is not served to a stricter one.
    const loose = { ...body, options: { ...body.options, relativeGap: 0.05 } };
    const looseOut = await service.solve('allocate', loose, { certify: false });
    expect(looseOut.cache).toBe('miss');
    expect(looseOut.requestHash).not.toBe(searchOnly.requestHash);
    // /allocate's certified answers still share an entry across tolerances (served by their gap).
    const certifiedLoose = await service.solve('allocate', loose);
    expect(certifiedLoose.requestHash).toBe(certified.requestHash);
  }, 30_000);
});
