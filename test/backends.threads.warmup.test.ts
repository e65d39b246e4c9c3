// No first-request penalty: every solver thread runs several paper-scale solves, through the entry
// a request's task takes, while it loads, before the pool reports ready (bench/first-request.ts
// measures what that saves the first caller).
import { afterAll, describe, expect, it } from 'vitest';
import { createSolverPool, type SolverPool } from '../src/backends/threads/solver-pool.js';
import { WARM_UP_MIN_SOLVES, WARM_UP_SOLVES } from '../src/backends/threads/warm-up.js';

const pools: SolverPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
});

/** A pool made with SOLVER_WARMUP as given (threads copy the environment when they start). */
function poolWith(warmup: string): SolverPool {
  const before = process.env.SOLVER_WARMUP;
  process.env.SOLVER_WARMUP = warmup;
  try {
    const pool = createSolverPool({ threads: 2, maxQueue: 4 });
    pools.push(pool);
    return pool;
  } finally {
    process.env.SOLVER_WARMUP = before;
  }
}

async function whenReady(pool: SolverPool): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pool.isReady()) {
    if (Date.now() > deadline) throw new Error('pool never ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Ping = { threadId: number; warmUpMs?: number[] };

describe('solver thread warm-up', () => {
  it('each thread has solved several paper-scale instances before the pool is ready', async () => {
    const pool = poolWith('true');
    await whenReady(pool);
    const pings = (await Promise.all([
      pool.run({ kind: 'ping', input: undefined }),
      pool.run({ kind: 'ping', input: undefined }),
    ])) as Ping[];
    expect(WARM_UP_MIN_SOLVES).toBeGreaterThan(1);
    for (const p of pings) {
      // All of them, or at least the minimum when the time budget ran out (a loaded machine).
      expect(p.warmUpMs!.length).toBeGreaterThanOrEqual(WARM_UP_MIN_SOLVES);
      expect(p.warmUpMs!.length).toBeLessThanOrEqual(WARM_UP_SOLVES);
      for (const ms of p.warmUpMs!) expect(ms).toBeGreaterThan(0);
    }
    console.log(`warm-up solves per thread: ${pings.map((p) => p.warmUpMs!.map((ms) => `${ms.toFixed(0)} ms`).join(' ')).join('; ')}`);
  }, 60_000);

  it('SOLVER_WARMUP=false skips it', async () => {
    const pool = poolWith('false');
    await whenReady(pool);
    const ping = (await pool.run({ kind: 'ping', input: undefined })) as Ping;
    expect(ping.warmUpMs).toBeUndefined();
  }, 60_000);
});
