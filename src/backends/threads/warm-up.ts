// Paper-scale solves on each solver thread before it takes work: a thread's first solves pay for
// compiling the solver's code paths (measured: 187 ms for the first paper-scale request of a fresh
// process against a 58 ms p50), so they are paid here, before /ready says ready, not by a caller.
// V8 goes on optimising (and deoptimising) the solver for about ten solves (--trace-opt: 10–60
// optimisations per solve up to the 20th), so one warm-up solve left the first request at 1.8–3.1×
// the p50; after 4 it was still 0.9–3.8× and after 12 0.3–1.0× (threads alone, 3–4 fresh ones each).
// So a dozen solves on distinct instances, through the very entry a request takes (packed input,
// control buffer, time limit), within a time budget so that a loaded machine still starts.
import { generateRequest } from '../../model/generator.js';
import { normalize } from '../../model/normalize.js';
import type { SolveOptions } from '../../model/types.js';
import { createControlBuffer } from './control-buffer.js';
import { packInstance, type PackedInstance } from '../../solve/transfer.js';

/** The paper's setting (50 devices, 10 servers, 32 layers), baselines and all: the paths a typical request takes. */
const WARM_UP_SEED = 20_240_601;
/** Solves per thread: enough for the hot paths to be optimised (bench/first-request.ts). */
export const WARM_UP_SOLVES = 12;
/** At least this many, then no more once the warm-up has taken WARM_UP_BUDGET_MS (a loaded machine). */
export const WARM_UP_MIN_SOLVES = 3;
const WARM_UP_BUDGET_MS = 4000;

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
}

/**
 * Runs up to WARM_UP_SOLVES solves through `solve` (the thread's own task entry), stopping after
 * WARM_UP_MIN_SOLVES once WARM_UP_BUDGET_MS have passed; returns the wall time of each, ms.
 */
export async function warmUpSolver(solve: (task: WarmUpTask) => unknown): Promise<number[]> {
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < WARM_UP_SOLVES && (i < WARM_UP_MIN_SOLVES || performance.now() - t0 < WARM_UP_BUDGET_MS); i++) {
    const { instance, options } = normalize(generateRequest(WARM_UP_SEED + i));
    const started = performance.now();
    const task: WarmUpTask = {
      kind: 'allocate',
      input: { packed: packInstance(instance), options: { ...options, timeLimitMs: 2000 } },
      receivedAt: Date.now(),
      control: createControlBuffer(),
    };
    await solve(task);
    times.push(performance.now() - started);
  }
  return times;
}
