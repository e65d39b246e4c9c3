// Versions live apart from the solver so the main thread can read them without loading it.
/** Bumped whenever answers may change: part of every cache key. */
export const SOLVER_VERSION = '0.2.0';
export const MODEL_VERSION = 'spec-1.2+3';
