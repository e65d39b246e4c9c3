// The one channel between a running solve and whoever started it: progress out (best objective,
// bound, phase) and a stop request in. A stop is "the deadline is now": every time check in the
// solver reads solverNow(), which jumps past any deadline once a stop is requested, so the solver
// winds down through the same paths as a time limit and answers with its best allocation so far.
// Pure: knows nothing of threads, queues or HTTP (the worker adapts it to a shared buffer).
import type { DeviceDecision } from '../model/types.js';

export type SolvePhase = 'start' | 'search' | 'deadlines' | 'bound' | 'done';

export interface SolveProgress {
  phase: SolvePhase;
  /** best objective found so far (same scale as the answer's objective) */
  objective?: number;
  /** best proven lower bound so far */
  bound?: number;
}

/** What a solver offers with its progress: the decisions behind `objective`, built only when wanted. */
interface ProgressReport extends SolveProgress {
  incumbent?: () => DeviceDecision[];
}

export interface SolveControl {
  /** True once the caller wants the best answer now (cancel, client gone). Must be cheap. */
  shouldStop(): boolean;
  /** Called at most every PROGRESS_INTERVAL_MS, and once at the end of a solve. */
  onProgress?(progress: SolveProgress): void;
  /** The incumbent's decisions: at most every INCUMBENT_INTERVAL_MS, only when its objective improved. */
  onIncumbent?(decisions: DeviceDecision[]): void;
}

export const PROGRESS_INTERVAL_MS = 250;
/** Building and sending a whole allocation costs O(devices): once a second at most. */
const INCUMBENT_INTERVAL_MS = 1000;

/** What solverNow() answers once a stop is requested: later than any deadline (the largest Date). */
const STOPPED_NOW = 8.64e15;

// One solve runs at a time per thread and solvers are synchronous, so the active control can be
// module state instead of a parameter threaded through every search function.
let active: SolveControl | undefined;
let lastReportAt = 0;
let best: { objective: number; bound: number } = { objective: Infinity, bound: -Infinity };
/** When the last incumbent was sent, and its objective. */
let incumbentSent: { at: number; objective: number } = { at: 0, objective: Infinity };

/** The clock every solver deadline check uses: Date.now(), or past every deadline when stopped. */
export function solverNow(): number {
  return active !== undefined && active.shouldStop() ? STOPPED_NOW : Date.now();
}

export function stopRequested(): boolean {
  return active !== undefined && active.shouldStop();
}

/** Runs a synchronous solve with `control` active; progress bookkeeping starts afresh. */
export function runWithControl<T>(control: SolveControl | undefined, solve: () => T): T {
  const previous = { active, lastReportAt, best, incumbentSent };
  active = control;
  lastReportAt = 0;
  best = { objective: Infinity, bound: -Infinity };
  incumbentSent = { at: 0, objective: Infinity };
  try {
    return solve();
  } finally {
    ({ active, lastReportAt, best, incumbentSent } = previous);
  }
}

/**
 * Reports progress when PROGRESS_INTERVAL_MS have passed since the last report (or `force`).
 * Keeps the best objective (lowest) and bound (highest) seen, so a worse intermediate value
 * never overwrites a better one.
 */
export function reportProgress(progress: ProgressReport, force = false): void {
  if (progress.incumbent !== undefined) offerIncumbent(progress.objective, progress.incumbent);
  if (active?.onProgress === undefined) return;
  if (progress.objective !== undefined && Number.isFinite(progress.objective))
    best.objective = Math.min(best.objective, progress.objective);
  if (progress.bound !== undefined && Number.isFinite(progress.bound)) best.bound = Math.max(best.bound, progress.bound);
  const now = Date.now();
  if (!force && now - lastReportAt < PROGRESS_INTERVAL_MS) return;
  lastReportAt = now;
  active.onProgress({
    phase: progress.phase,
    ...(Number.isFinite(best.objective) ? { objective: best.objective } : {}),
    ...(Number.isFinite(best.bound) ? { bound: Math.min(best.bound, best.objective) } : {}),
  });
}

/**
 * Sends the incumbent when the control wants incumbents, one is due, and it improves on the last
 * sent. Exported for solvers that have an incumbent before they report progress (auto.ts's start plan).
 */
export function offerIncumbent(objective: number | undefined, incumbent: () => DeviceDecision[]): void {
  if (active?.onIncumbent === undefined || objective === undefined || !(objective < incumbentSent.objective)) return;
  const now = Date.now();
  if (now - incumbentSent.at < INCUMBENT_INTERVAL_MS) return;
  incumbentSent = { at: now, objective };
  active.onIncumbent(incumbent());
}

/** solverNow() for solvers that time themselves with performance.now() (block allocation). */
export function solverPerformanceNow(): number {
  return stopRequested() ? STOPPED_NOW : performance.now();
}
