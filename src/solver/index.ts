// Entry point of the pure solver: Instance + options → AllocateResult. No HTTP, no I/O.
import type { AllocateResult, Instance, SolveOptions } from '../model/types.js';

/** Bumped whenever answers may change: part of every cache key. */
export const SOLVER_VERSION = '0.1.0';
export const MODEL_VERSION = 'spec-1.2+3';

export function solveAllocate(instance: Instance, options: SolveOptions): AllocateResult {
  void instance;
  void options;
  throw new Error('solveAllocate: not implemented yet');
}
