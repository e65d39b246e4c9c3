// An accepted job is not lost when the solver queue is full at the moment it starts: it waits its
// turn again (after the Retry-After the solvers asked for) instead of ending `failed`.
import { describe, expect, it } from 'vitest';
import { createMemoryJobs } from '../src/jobs/memory-jobs.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { createSolveService } from '../src/compose.js';
import { OverloadedError } from '../src/solve/errors.js';
import { type SolveService } from '../src/solve/types.js';
import { CountingPool, cannedResult } from './fixtures/counting-pool.js';

const config = { redisUrl: undefined, solverThreads: 1, solverMaxQueue: 4, cacheTtlS: 60, cacheMaxEntries: 100 };

async function settled(get: () => Promise<{ status: string } | null>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await get();
    if (job === null || ['completed', 'failed', 'cancelled'].includes(job.status) || Date.now() > deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('in-memory jobs and a full solver queue', () => {
  it('a job refused by a full queue is queued again and completes', async () => {
    const service = createSolveService(config, { pool: new CountingPool(1, () => cannedResult()) });
    let calls = 0;
    const busyOnce: SolveService = {
      ...service,
      solve: async (kind, body, call) => {
        calls += 1;
        if (calls === 1) throw new OverloadedError(1);
        return service.solve(kind, body, call);
      },
    };
    const jobs = createMemoryJobs(busyOnce, { ttlS: 60, maxRunning: 1 });
    try {
      const { job } = await jobs.submit({ kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE });
      const during = await new Promise<{ status: string } | null>((resolve) => setTimeout(() => void jobs.get(job.id).then(resolve), 200));
      expect(during?.status).toBe('queued'); // waiting out the Retry-After, not failed
      const done = await settled(() => jobs.get(job.id));
      expect(done?.status).toBe('completed');
      expect(calls).toBe(2);
    } finally {
      await jobs.close();
      await service.close();
    }
  });

  it('a job cancelled while it waits to retry never runs', async () => {
    let calls = 0;
    const alwaysBusy = { solve: async () => ((calls += 1), Promise.reject(new OverloadedError(1))) } as unknown as SolveService;
    const jobs = createMemoryJobs(alwaysBusy, { ttlS: 60, maxRunning: 1 });
    try {
      const { job } = await jobs.submit({ kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await jobs.cancel(job.id))?.status).toBe('cancelled');
      await new Promise((resolve) => setTimeout(resolve, 1300)); // past the Retry-After
      expect(calls).toBe(1);
      expect((await jobs.get(job.id))?.status).toBe('cancelled');
    } finally {
      await jobs.close();
    }
  });
});
