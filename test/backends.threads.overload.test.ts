import { threadId as mainThreadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createSolverPool, estimateRetryAfterS, type TaskPool } from '../src/backends/threads/solver-pool.js';
import { OverloadedError } from '../src/solve/errors.js';

interface SleepTask {
  ms?: number;
  fail?: string;
}
interface WhereRan {
  threadId: number;
  pid: number;
}

const sleepWorker = new URL('./fixtures/sleep-worker.mjs', import.meta.url);
const pools: TaskPool<SleepTask, WhereRan>[] = [];

function sleepPool(threads: number, maxQueue: number): TaskPool<SleepTask, WhereRan> {
  const pool = createSolverPool<SleepTask, WhereRan>({ threads, maxQueue, workerFile: sleepWorker });
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
});

describe('solver pool with a full queue', () => {
  it('rejects the overflow request with OverloadedError and Retry-After from measured solve times', async () => {
    const pool = sleepPool(1, 2);
    // Warm the thread (so capacity is exactly 1 running + 2 queued) and teach the pool that a
    // solve takes about 0.6 s.
    await pool.run({ ms: 600 });

    const accepted = [pool.run({ ms: 600 }), pool.run({ ms: 600 }), pool.run({ ms: 600 })];
    expect(pool.stats()).toEqual({ threads: 1, queued: 2, maxQueue: 2, busy: 1 });

    const overflow = pool.run({ ms: 600 });
    await expect(overflow).rejects.toBeInstanceOf(OverloadedError);
    const err = (await overflow.catch((e: unknown) => e)) as OverloadedError;
    expect(err.retryAfterS).toBe(2); // 2 queued × ~0.6 s / 1 thread = 1.2 s → 2 s

    const done = await Promise.all(accepted);
    for (const where of done) expect(where.threadId).not.toBe(mainThreadId);
    expect(pool.stats().queued).toBe(0);
  });

  it('passes worker errors through unchanged (not as overload)', async () => {
    const pool = sleepPool(1, 2);
    await expect(pool.run({ fail: 'solver blew up' })).rejects.toThrow('solver blew up');
    // The thread survives a task error and keeps serving.
    await expect(pool.run({ ms: 0 })).resolves.toHaveProperty('threadId');
  });

  it('runs tasks in parallel on distinct worker threads', async () => {
    const pool = sleepPool(2, 4);
    const started = Date.now();
    const results = await Promise.all([pool.run({ ms: 400 }), pool.run({ ms: 400 })]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
    expect(results.every((r) => r.threadId !== mainThreadId && r.pid === process.pid)).toBe(true);
  });
});

describe('estimateRetryAfterS', () => {
  it('is queue length × mean solve time / threads, rounded up, at least 1 s', () => {
    expect(estimateRetryAfterS(0, 2, 5000)).toBe(1);
    expect(estimateRetryAfterS(2, 1, 100)).toBe(1);
    expect(estimateRetryAfterS(10, 2, 1500)).toBe(8); // 10 × 1.5 s / 2 = 7.5 s
    expect(estimateRetryAfterS(64, 2, 2000)).toBe(64);
  });
});
