// No first-request penalty: every solver thread runs several paper-scale solves and one mid-size
// one (the paths of large instances), through the entry a request's task takes, while it loads,
// before the pool reports ready (bench/first-request.ts and FIRST=1 bench/large-through-pool.ts
// measure what that saves the first caller).
import { afterAll, describe, expect, it } from 'vitest';
import { createSolverPool, type SolverPool } from '../src/backends/threads/solver-pool.js';
import {
  MID_SIZE,
  MID_SIZE_MIN_MS,
  MID_SIZE_WARM_MIN_MS,
  WARM_UP_BUDGET_MS,
  WARM_UP_MIN_SOLVES,
  WARM_UP_SOLVES,
  warmUpSolver,
  type WarmUpSolve,
} from '../src/backends/threads/warm-up.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { solveAllocate } from '../src/solver/index.js';
import { unpackInstance } from '../src/solve/transfer.js';

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

type Ping = { threadId: number; warmUp?: WarmUpSolve[] };

const isMidSized = (s: WarmUpSolve) => s.devices === MID_SIZE.devices && s.servers === MID_SIZE.servers;
/** the mid-size solve (cold) */
const isMidSize = (s: WarmUpSolve) => isMidSized(s) && !s.warm;
/** its warm re-solve (`previous`: the mid-size answer, 5% of the devices moved) */
const isMidWarm = (s: WarmUpSolve) => isMidSized(s) && s.warm === true;
const isPaperScale = (s: WarmUpSolve) => s.devices === 50 && s.servers === 10;

/** The real solver behind a task as the warm-up sends it (unpacked as a solver thread does). */
async function solveTask(task: Parameters<Parameters<typeof warmUpSolver>[0]>[0]) {
  return solveAllocate(unpackInstance(task.input.packed), task.input.options);
}

describe('solver thread warm-up', () => {
  it('each thread has solved paper-scale instances and a mid-size one before the pool is ready', async () => {
    const pool = poolWith('true');
    await whenReady(pool);
    const pings = (await Promise.all([
      pool.run({ kind: 'ping', input: undefined }),
      pool.run({ kind: 'ping', input: undefined }),
    ])) as Ping[];
    expect(WARM_UP_MIN_SOLVES).toBeGreaterThan(1);
    for (const p of pings) {
      const solves = p.warmUp!;
      const paper = solves.filter(isPaperScale);
      // All of them, or at least the minimum when the time budget ran out (a loaded machine).
      expect(paper.length).toBeGreaterThanOrEqual(WARM_UP_MIN_SOLVES);
      expect(paper.length).toBeLessThanOrEqual(WARM_UP_SOLVES);
      expect(solves.filter((s) => !isPaperScale(s) && !isMidSize(s) && !isMidWarm(s))).toEqual([]);
      for (const s of solves) expect(s.wallMs).toBeGreaterThan(0);
      // The mid-size solve comes right after the minimum (skipped only if they alone used the budget).
      const mid = solves.filter(isMidSize);
      expect(mid.length).toBeLessThanOrEqual(1);
      if (mid.length === 1) expect(solves.indexOf(mid[0])).toBe(WARM_UP_MIN_SOLVES);
      // Its warm re-solve, if any, right after it (none without it).
      const warm = solves.filter(isMidWarm);
      expect(warm.length).toBeLessThanOrEqual(mid.length);
      if (warm.length === 1) expect(solves.indexOf(warm[0])).toBe(WARM_UP_MIN_SOLVES + 1);
    }
    // Where the first paper-scale solves left the mid-size one its minimum (with a second of slack
    // for building it: a loaded CI may leave less), it ran; where it ended on its gap, its search and
    // bound both did (the large-instance paths it is there for). Its own limit is the test below's.
    for (const p of pings) {
      const minimumMs = p.warmUp!.slice(0, WARM_UP_MIN_SOLVES).reduce((sum, s) => sum + s.wallMs, 0);
      const mid = p.warmUp!.find(isMidSize);
      if (minimumMs < WARM_UP_BUDGET_MS - MID_SIZE_MIN_MS - 1000) expect(mid).toBeDefined();
      if (mid?.termination === 'GAP') {
        expect(mid.searchSteps).toBeGreaterThan(0);
        expect(mid.boundEvaluations).toBeGreaterThan(0);
      }
    }
    console.log(
      `warm-up solves per thread: ${pings.map((p) => p.warmUp!.map((s) => `${s.devices}×${s.servers} ${s.wallMs.toFixed(0)} ms`).join(' ')).join('; ')}`,
    );
  }, 60_000);

  it('with no budget left it runs only the minimum paper-scale solves', async () => {
    await initGlpk();
    const solves = await warmUpSolver(solveTask, { budgetMs: 0 });
    expect(solves.length).toBe(WARM_UP_MIN_SOLVES);
    expect(solves.every(isPaperScale)).toBe(true);
  }, 60_000);

  it('with budget to spare it runs every paper-scale solve, the mid-size one, which searches and proves its gap, and its warm re-solve', async () => {
    await initGlpk();
    // (A limit no loaded machine reaches: the solve ends on its own, so what it ran is certain.)
    const solves = await warmUpSolver(solveTask, { budgetMs: Infinity, midLimitMs: 60_000 });
    expect(solves.filter(isPaperScale).length).toBe(WARM_UP_SOLVES);
    expect(solves.length).toBe(WARM_UP_SOLVES + 2);
    // The warm re-solve (the warm plan, the pass at the mid-size answer's prices, the focused search):
    // right after the mid-size solve, at its size, proven within the tolerance too.
    const warm = solves[WARM_UP_MIN_SOLVES + 1];
    expect(isMidWarm(warm)).toBe(true);
    expect(warm.termination).toBe('GAP');
    expect(warm.boundEvaluations).toBeGreaterThan(0);
    expect(warm.limitMs).toBe(60_000);
    expect(MID_SIZE_WARM_MIN_MS).toBeLessThan(MID_SIZE_MIN_MS);
    const mid = solves[WARM_UP_MIN_SOLVES];
    expect(isMidSize(mid)).toBe(true);
    // 500 × 30 is past auto.ts's SMALL_PAIRS (2,000): the association search and the bound both run.
    expect(MID_SIZE.devices * MID_SIZE.servers).toBeGreaterThan(2_000);
    expect(mid.searchSteps).toBeGreaterThan(0);
    expect(mid.boundEvaluations).toBeGreaterThan(0);
    expect(mid.termination).toBe('GAP');
    expect(mid.limitMs).toBe(60_000);
  }, 180_000);

  it('SOLVER_WARMUP=false skips it', async () => {
    const pool = poolWith('false');
    await whenReady(pool);
    const ping = (await pool.run({ kind: 'ping', input: undefined })) as Ping;
    expect(ping.warmUp).toBeUndefined();
  }, 60_000);
});
