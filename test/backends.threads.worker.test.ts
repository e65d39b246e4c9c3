import { threadId as mainThreadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createSolverPool, workerFileFor } from '../src/backends/threads/solver-pool.js';

// The default pool runs the real worker: src/backends/threads/worker-entry.mjs loading solve-worker.ts via tsx.
const pool = createSolverPool({ threads: 1, maxQueue: 4 });

afterAll(async () => {
  await pool.destroy();
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('real solve worker', () => {
  it('becomes ready once its warm-up ping has loaded the worker module', async () => {
    await waitUntil(() => pool.isReady());
  });

  it('loads the TypeScript worker in a worker thread, with GLPK ready there', async () => {
    const where = (await pool.run({ kind: 'ping', input: undefined })) as { threadId: number; glpkReady: boolean };
    expect(where.threadId).not.toBe(mainThreadId);
    expect(where.glpkReady).toBe(true);
    expect(pool.stats()).toEqual({ threads: 1, queued: 0, maxQueue: 4, busy: 0 });
  });

  it('rejects an unknown problem kind by name', async () => {
    await expect(pool.run({ kind: 'nonsense', input: undefined } as never)).rejects.toThrow('unknown problem kind "nonsense"');
  });
});

describe('a worker that cannot load', () => {
  it('keeps the pool unready and fails requests with the load error instead of hanging', async () => {
    const errors: Error[] = [];
    const broken = createSolverPool<{ ms: number }, unknown>({
      threads: 1,
      maxQueue: 2,
      workerFile: new URL('./fixtures/broken-worker.mjs', import.meta.url),
      warmup: { ms: 0 },
      onWorkerError: (err) => errors.push(err),
    });
    try {
      // Whether a request arrives before the first failure, while piscina respawns, or after it
      // has given up, it fails with the reason (piscina alone would queue the last two forever).
      const outcome = () =>
        broken.run({ ms: 0 }).then(
          () => 'resolved',
          (err: Error) => err.message,
        );
      const early = outcome();
      await waitUntil(() => errors.length > 0);
      const duringRespawn = outcome();
      await waitUntil(() => broken.stats().threads === 0);
      const afterGivingUp = outcome();
      for (const message of await Promise.all([early, duringRespawn, afterGivingUp])) {
        expect(message).toContain('solver module failed to load');
      }
      expect(broken.isReady()).toBe(false);
    } finally {
      await broken.destroy();
    }
  });
});

describe('workerFileFor', () => {
  it('points at the .mjs shim from sources and at the compiled worker from dist', () => {
    expect(workerFileFor('file:///app/src/backends/threads/solver-pool.ts').href).toBe('file:///app/src/backends/threads/worker-entry.mjs');
    expect(workerFileFor('file:///app/dist/src/backends/threads/solver-pool.js').href).toBe(
      'file:///app/dist/src/backends/threads/solve-worker.js',
    );
  });
});
