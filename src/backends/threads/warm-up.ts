// Paper-scale solves on each solver thread before it takes work: a thread's first solves pay for
// compiling the solver's code paths (measured: 187 ms for the first paper-scale request of a fresh
// process against a 58 ms p50), so they are paid here, before /ready says ready, not by a caller.
// V8 goes on optimising (and deoptimising) the solver for about ten solves (--trace-opt: 10–60
// optimisations per solve up to the 20th), so one warm-up solve left the first request at 1.8–3.1×
// the p50; after 4 it was still 0.9–3.8× and after 12 0.3–1.0× (threads alone, 3–4 fresh ones each).
// So a dozen solves on distinct instances, through the very entry a request takes (packed input,
// control buffer, time limit), within a time budget so that a loaded machine still starts.
//
// Paper-scale solves never reach the paths of larger instances: from auto.ts's SMALL_PAIRS (2,000
// reachable pairs) the association search, the bundle ascent and the anytime bound's passes run
// as they do at 1,000 × 50, and with the paper-scale warm-up alone the first 1,000 × 50 request of
// a thread took 1.2–1.4 s of CPU against 0.7–0.9 s for the next ones (--trace-opt: 198 optimisations
// during it against 50–100). One mid-size solve (MID_SIZE) after the first few paper-scale ones
// compiles them; the paper-scale solves after it settle the paper-scale paths again.
//
// A re-solve with `previous` (docs/incremental.md) takes paths no cold solve does: the warm plan, the
// bound's pass at an earlier answer's prices, the focused search. One warm re-solve of the mid-size
// instance (MID_SIZE_WARM: 5% of its devices moved, the mid-size answer as `previous`, allocations and
// prices) right after the mid-size solve compiles them: at 1,000 × 50 the first warm re-solve after a
// cold warm-up took 280–380 ms of CPU against 180–190 ms after one warm re-solve (scratch bench, load 4).
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { generateRequest } from '../../model/generator.js';
import { normalize } from '../../model/normalize.js';
import { mulberry32 } from '../../model/random.js';
import type { AllocateRequest } from '../../model/request.js';
import type { SolveOptions } from '../../model/types.js';
import { createControlBuffer } from './control-buffer.js';
import { packInstance, type PackedInstance } from '../../solve/transfer.js';

/** The paper's setting (50 devices, 10 servers, 32 layers), baselines and all: the paths a typical request takes. */
const WARM_UP_SEED = 20_240_601;
/** Solves per thread: enough for the hot paths to be optimised (bench/first-request.ts). */
export const WARM_UP_SOLVES = 12;
/** At least this many, then no more once the warm-up has taken WARM_UP_BUDGET_MS (a loaded machine). */
export const WARM_UP_MIN_SOLVES = 3;
export const WARM_UP_BUDGET_MS = 4000;

/** SOLVER_WARMUP=false skips it (benches measuring the cold penalty); config.ts validates the value. */
export function warmUpEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(0|false|no|off)$/i.test(env.SOLVER_WARMUP?.trim() ?? '');
}

/** A warm-up task as a request's reaches its thread (solve-worker.ts's SolveTask for allocate). */
interface WarmUpTask {
  kind: 'allocate';
  input: { packed: PackedInstance; options: SolveOptions };
  receivedAt: number;
  control: SharedArrayBuffer;
  /**
   * As the threads backend sends them: with an incumbents port the solver's control object has
   * onIncumbent (another shape), and each incumbent is evaluated, turned into allocations and posted
   * on this thread, at the warm-up's sizes too
   */
  incumbents: MessagePort;
  occupancy: SharedArrayBuffer;
}

/**
 * The mid-size instance: 500 devices × 30 servers (15,000 pairs: past SMALL_PAIRS, under the anytime
 * bound's largeForPricing, so the paths of 1,000 × 50), solved to its gap (0.3–0.6 s). Baselines off:
 * at this size they took 0.24 s of the solve's 0.9 s, and the paper-scale solves compile their code.
 */
export const MID_SIZE = { devices: 500, servers: 30 } as const;
/** The mid-size solve's limit, or the budget left if less; under MID_SIZE_MIN_MS left it is skipped (too short to reach the bound). */
const MID_SIZE_LIMIT_MS = 2000;
export const MID_SIZE_MIN_MS = 300;
/**
 * The warm re-solve after the mid-size solve: this share of its devices moved to random places in the
 * generator's square, the mid-size answer as `previous`. Its limit is the mid-size one's rule (capped at
 * what is left of the budget); under MID_SIZE_WARM_MIN_MS left, or without a mid-size answer with prices,
 * it is skipped.
 */
export const MID_SIZE_WARM = { movedShare: 0.05, areaM: 500 } as const;
export const MID_SIZE_WARM_MIN_MS = 100;

/** One warm-up solve: its size, the time limit it had, its wall time (ms), how it ended and what it ran. */
export interface WarmUpSolve {
  devices: number;
  servers: number;
  limitMs: number;
  wallMs: number;
  termination?: string;
  /** the association search's steps and the bound's evaluations (solver.statistics) */
  searchSteps?: number;
  boundEvaluations?: number;
  /** a re-solve with `previous` (the mid-size answer) */
  warm?: boolean;
}

/** The part of a solve's answer the warm-up records (and the warm re-solve sends back as `previous`). */
interface WarmUpAnswer {
  termination?: string;
  solver?: { statistics?: { searchSteps?: number; boundEvaluations?: number } };
  allocations?: NonNullable<AllocateRequest['previous']>['allocations'];
  prices?: NonNullable<AllocateRequest['previous']>['prices'];
}

/** How much the warm-up may take (tests pass 0 or Infinity: the rule either way, no clock involved). */
export interface WarmUpOptions {
  budgetMs?: number;
  /** the mid-size solve's limit when the budget leaves more (tests give it room to end on its own) */
  midLimitMs?: number;
}

/**
 * Runs up to WARM_UP_SOLVES paper-scale solves through `solve` (the thread's own task entry), with
 * the MID_SIZE solve and its warm re-solve (MID_SIZE_WARM) after the first WARM_UP_MIN_SOLVES of them; once `budgetMs` (default
 * WARM_UP_BUDGET_MS) have passed only the minimum is run, and the mid-size solve's limit is capped
 * at what is left of the budget. Returns each solve, in order.
 */
export async function warmUpSolver(
  solve: (task: WarmUpTask) => unknown,
  { budgetMs = WARM_UP_BUDGET_MS, midLimitMs = MID_SIZE_LIMIT_MS }: WarmUpOptions = {},
): Promise<WarmUpSolve[]> {
  const solves: WarmUpSolve[] = [];
  const t0 = performance.now();
  const leftMs = () => budgetMs - (performance.now() - t0);
  for (let i = 0; i < WARM_UP_SOLVES && (i < WARM_UP_MIN_SOLVES || leftMs() > 0); i++) {
    if (i === WARM_UP_MIN_SOLVES && leftMs() >= MID_SIZE_MIN_MS) {
      const midLimit = () => Math.max(0, Math.min(midLimitMs, Math.floor(leftMs())));
      const request = generateRequest(WARM_UP_SEED, { ...MID_SIZE, options: { baselines: false } });
      const mid = await warmUpSolve(solve, request, midLimit);
      solves.push(mid.solve);
      const { allocations, prices } = mid.answer ?? {};
      if (allocations && prices && leftMs() >= MID_SIZE_WARM_MIN_MS) {
        const moved = movedRequest(request, WARM_UP_SEED);
        solves.push((await warmUpSolve(solve, { ...moved, previous: { allocations, prices } }, midLimit)).solve);
      }
      if (leftMs() <= 0) break;
    }
    const request = generateRequest(WARM_UP_SEED + i, { devices: 50, servers: 10, options: { baselines: true } });
    solves.push((await warmUpSolve(solve, request, () => 2000)).solve);
  }
  return solves;
}

/** `request` with MID_SIZE_WARM.movedShare of its devices (drawn with `seed`) moved to random places. */
function movedRequest(request: AllocateRequest, seed: number): AllocateRequest {
  const moved = structuredClone(request);
  const rand = mulberry32(seed);
  const count = Math.round(moved.devices.length * MID_SIZE_WARM.movedShare);
  const order = moved.devices.map((_, n) => n);
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(rand() * (order.length - k));
    [order[k], order[j]] = [order[j], order[k]];
    moved.devices[order[k]].position = { xM: rand() * MID_SIZE_WARM.areaM, yM: rand() * MID_SIZE_WARM.areaM };
  }
  return moved;
}

/**
 * One warm-up solve of `request`, sent through `solve` as a request's task reaches a thread; its record
 * and its answer. The limit is read (`limit()`) once the instance is built: building a mid-size one
 * takes part of the budget.
 */
async function warmUpSolve(
  solve: (task: WarmUpTask) => unknown,
  request: AllocateRequest,
  limit: () => number,
): Promise<{ solve: WarmUpSolve; answer: WarmUpAnswer | undefined }> {
  const { instance, options } = normalize(request);
  const size = { devices: instance.devices.length, servers: instance.servers.length };
  const limitMs = limit();
  const started = performance.now();
  // Incumbents are posted (and so serialised) as a request's are, then dropped.
  const incumbents = new MessageChannel();
  incumbents.port1.on('message', () => {});
  const occupancy = new SharedArrayBuffer(4);
  new Int32Array(occupancy)[0] = 1; // this solve alone, as a request's count would say
  const task: WarmUpTask = {
    kind: 'allocate',
    // Cloned, as a request's input reaches a thread (postMessage): a clone's objects need not have the
    // shapes (nor its arrays the element kinds) of those built here, and without it the first large
    // request through the service gained nothing from the mid-size solve (its code deoptimised on them).
    input: structuredClone({ packed: packInstance(instance), options: { ...options, timeLimitMs: limitMs } }),
    receivedAt: Date.now(),
    control: createControlBuffer(),
    incumbents: incumbents.port2,
    occupancy,
  };
  let answer: WarmUpAnswer | undefined;
  try {
    answer = (await solve(task)) as WarmUpAnswer | undefined;
  } finally {
    incumbents.port1.close(); // closes both ends
  }
  const statistics = answer?.solver?.statistics;
  return {
    solve: {
      ...size,
      limitMs,
      wallMs: performance.now() - started,
      termination: answer?.termination,
      searchSteps: statistics?.searchSteps,
      boundEvaluations: statistics?.boundEvaluations,
      ...(instance.previous ? { warm: true } : {}),
    },
    answer,
  };
}
