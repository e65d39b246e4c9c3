// Entry point of the pure solver: Instance + options → AllocateResult. No HTTP, no I/O.
// GLPK is loaded once per thread (it is WebAssembly); call this from a worker thread.
import type { AllocateResult, Instance, SolveOptions } from '../model/types.js';
import { solveAuto } from './auto.js';
import { initGlpk } from './glpk.js';

/** Bumped whenever answers may change: part of every cache key. */
export const SOLVER_VERSION = '0.2.0';
export const MODEL_VERSION = 'spec-1.2+3';

export async function solveAllocate(instance: Instance, options: SolveOptions): Promise<AllocateResult> {
  await initGlpk();
  return solveAuto(instance, options, { algorithm: options.algorithm, version: `${SOLVER_VERSION} (model ${MODEL_VERSION})` });
}
