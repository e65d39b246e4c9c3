// Draining in embedded mode (what SIGTERM does before the app closes), on the job store and solve
// service themselves with real solver threads: a running in-memory job stops with its best
// allocation stored and ends cancelled; a job still waiting never starts.
import { afterAll, describe, expect, it } from 'vitest';
import { createSolveService } from '../src/compose.js';
import { createMemoryJobs } from '../src/jobs/memory-jobs.js';
import { generateRequest } from '../src/model/generator.js';

const service = createSolveService({ redisUrl: undefined, solverThreads: 2, solverMaxQueue: 8, cacheTtlS: 60, cacheMaxEntries: 100 });
const jobs = createMemoryJobs(service, { ttlS: 60, maxRunning: 1 });
afterAll(async () => {
  await jobs.close();
  await service.close();
});

describe('drain with in-memory jobs', () => {
  it('a running job is cancelled with its best allocation stored; a waiting one is cancelled without running', async () => {
    // relativeGap 0: the running job is still solving when the drain comes (at the default tolerance it is proven in under a second).
    const input = (seed: number) => ({
      ...generateRequest(seed, { devices: 1000, servers: 50 }),
      options: { baselines: false, relativeGap: 0 },
    });
    const running = (await jobs.submit({ kind: 'allocate', input: input(1), timeLimitMs: 120_000 })).job;
    const waiting = (await jobs.submit({ kind: 'allocate', input: input(2), timeLimitMs: 120_000 })).job;
    const deadline = Date.now() + 30_000;
    let job = await jobs.get(running.id);
    while (!(job?.status === 'running' && job.progress?.objective !== undefined)) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(job).slice(0, 300));
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await jobs.get(running.id);
    }
    expect((await jobs.get(waiting.id))?.status).toBe('queued');
    const t0 = performance.now();
    service.drain?.();
    await jobs.drain?.(10_000);
    const drainMs = performance.now() - t0;
    expect(drainMs).toBeLessThan(5000); // not the 120 s limit
    const stopped = await jobs.get(running.id);
    expect(stopped?.status).toBe('cancelled');
    const result = stopped?.result as { status: string; termination?: string; allocations: unknown[] };
    expect(result.status).toBe('FEASIBLE');
    expect(result.termination).toBe('INTERRUPTED');
    expect(result.allocations).toHaveLength(1000);
    const never = await jobs.get(waiting.id);
    expect(never?.status).toBe('cancelled');
    expect(never?.startedAt).toBeUndefined();
    expect(never?.result).toBeUndefined();
    console.log(`drain: a running 1000x50 job (120 s limit) stored its best allocation and ended cancelled in ${drainMs.toFixed(0)} ms`);
  }, 60_000);
});
