// One small solve per solver thread before it takes work: a thread's first solve pays for
// compiling the solver's code paths (measured: 187 ms for the first paper-scale request of a fresh
// process against a 58 ms p50), so it is paid here, before /ready says ready, not by a caller.
import { generateRequest } from '../../model/generator.js';
import { normalize } from '../../model/normalize.js';
import { solveAllocate } from '../../solver/index.js';

/** The paper's setting (50 devices, 10 servers, 32 layers), baselines and all: the paths a typical request takes. */
const WARM_UP_SEED = 20_240_601;

/** SOLVER_WARMUP=false skips it (benches measuring the cold penalty); config.ts validates the value. */
export function warmUpEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(0|false|no|off)$/i.test(env.SOLVER_WARMUP?.trim() ?? '');
}

/** Runs the warm-up solve; returns its wall time, ms. */
export async function warmUpSolver(): Promise<number> {
  const t0 = performance.now();
  const { instance, options } = normalize(generateRequest(WARM_UP_SEED));
  await solveAllocate(instance, { ...options, timeLimitMs: 2000 });
  return performance.now() - t0;
}
