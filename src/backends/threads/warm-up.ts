// Paper-scale solves on each solver thread before it takes work: a thread's first solves pay for
// compiling the solver's code paths (measured: 187 ms for the first paper-scale request of a fresh
// process against a 58 ms p50), so they are paid here, before /ready says ready, not by a caller.
// One solve left the code half optimised (V8 optimises a function after it has run hot for a
// while): the first request still took about 1.5× the p50. So several solves, on distinct
// instances, through the very entry a request takes (packed input, control buffer, time limit).
import { generateRequest } from '../../model/generator.js';
import { normalize } from '../../model/normalize.js';
import type { SolveOptions } from '../../model/types.js';
import { createControlBuffer } from './control-buffer.js';
import { packInstance, type PackedInstance } from './transfer.js';

/** The paper's setting (50 devices, 10 servers, 32 layers), baselines and all: the paths a typical request takes. */
const WARM_UP_SEED = 20_240_601;
/** Solves per thread: enough for the hot paths to be optimised (bench/first-request.ts). */
export const WARM_UP_SOLVES = 4;

/** SOLVER_WARMUP=false skips it (benches measuring the cold penalty); config.ts validates the value. */
export function warmUpEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(0|false|no|off)$/i.test(env.SOLVER_WARMUP?.trim() ?? '');
}

/** A warm-up task as a request's reaches its thread (solve-worker.ts's SolveTask for allocate). */
export interface WarmUpTask {
  kind: 'allocate';
  input: { packed: PackedInstance; options: SolveOptions };
  receivedAt: number;
  control: SharedArrayBuffer;
}

/**
 * Runs WARM_UP_SOLVES solves through `solve` (the thread's own task entry); returns the wall time
 * of each, ms.
 */
export async function warmUpSolver(solve: (task: WarmUpTask) => unknown, solves = WARM_UP_SOLVES): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < solves; i++) {
    const { instance, options } = normalize(generateRequest(WARM_UP_SEED + i));
    const t0 = performance.now();
    const task: WarmUpTask = {
      kind: 'allocate',
      input: { packed: packInstance(instance), options: { ...options, timeLimitMs: 2000 } },
      receivedAt: Date.now(),
      control: createControlBuffer(),
    };
    await solve(task);
    times.push(performance.now() - t0);
  }
  return times;
}
