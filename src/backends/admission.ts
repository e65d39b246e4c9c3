// Admission that keeps its promises (both backends): a solve is accepted only when, after the work
// already ahead of it, enough of its time limit is left to answer with a plan. The wait is estimated from the
// solves in flight (running ones: what is left of their expected run; queued ones: their expected
// run) list-scheduled on the threads; a solve's expected run is its time limit times the share of
// their limits recent solves actually used (most large solves use all of it; small ones converge
// early). Pure: the backend feeds it what it knows (its threads, or the queue and its workers).
import type { BackendTask } from '../solve/backend.js';
import { PROBLEM_KINDS } from '../solve/kinds/index.js';

/** The task's time limit, ms. */
export function limitOf(task: Pick<BackendTask, 'timeLimitMs' | 'input'>): number {
  return task.timeLimitMs ?? task.input.options.timeLimitMs;
}

/** The least time a plan for this task needs (its size's floor, docs/time-limits.md). */
export function floorOf(task: Pick<BackendTask, 'kind' | 'input'>): number {
  return (PROBLEM_KINDS[task.kind].floorMs as (input: unknown) => number)(task.input);
}

export interface FlightEstimate {
  /** epoch ms the task reached its thread; undefined while queued */
  startedAt: number | undefined;
  /** what the solve is expected to run, ms */
  expectedRunMs: number;
}

/** When a new task would reach a thread, ms from now: list scheduling of the flights in FIFO order. */
export function startDelayMs(flights: readonly FlightEstimate[], threads: number, now = Date.now()): number {
  const freeAt: number[] = [];
  const queued: number[] = [];
  for (const f of flights) {
    if (f.startedAt === undefined) queued.push(f.expectedRunMs);
    else freeAt.push(Math.max(0, f.startedAt + f.expectedRunMs - now));
  }
  while (freeAt.length < threads) freeAt.push(0);
  // More running than threads cannot happen; if it did, the earliest to finish free a thread first.
  freeAt.sort((a, b) => a - b);
  const free = freeAt.slice(0, Math.max(1, threads));
  for (const run of queued) {
    const at = free.shift()!;
    insertSorted(free, at + run);
  }
  return free[0];
}

function insertSorted(xs: number[], x: number): void {
  let i = xs.length;
  while (i > 0 && xs[i - 1] > x) i--;
  xs.splice(i, 0, x);
}

/** Exponentially weighted share of their limits that recent solves ran (1 until measured). */
export class RunShare {
  private share = 1;
  private samples = 0;

  constructor(private readonly weight = 0.2) {}

  get value(): number {
    return this.share;
  }

  /** A solve that ran runMs of the budgetMs it had when it reached its thread. */
  observe(runMs: number, budgetMs: number): void {
    if (!(budgetMs > 0) || !Number.isFinite(runMs)) return;
    const s = Math.min(1.2, Math.max(0.02, runMs / budgetMs));
    this.share = this.samples === 0 ? s : this.share + this.weight * (s - this.share);
    this.samples += 1;
  }
}

interface AdmissionVerdict {
  accept: boolean;
  /** estimated wait for a thread, ms */
  waitMs: number;
}

/** The wait is an estimate: it is counted a quarter longer (a request at its floor on an idle machine still gets in). */
const WAIT_MARGIN = 1.25;

/**
 * Accept when nothing is ahead, or when the time left once a thread is free still covers the least a plan needs (the size's
 * floor, docs/time-limits.md); leftMs is what remains of the limit now.
 */
export function admit(leftMs: number, needMs: number, waitMs: number): AdmissionVerdict {
  // With nothing ahead a retry would fare no better: the solve runs now and answers within its limit
  // as any solve does (a 1 ms limit already spent on parsing is not an overload).
  if (waitMs <= 0) return { accept: true, waitMs };
  return { accept: leftMs - waitMs * WAIT_MARGIN >= needMs, waitMs };
}
