// Versions live apart from the solver so the main thread can read them without loading it.
/** Part of every cache key: bump it whenever answers may change, model changes included. */
export const SOLVER_VERSION = '0.9.0';
export const MODEL_VERSION = '1.2+3';
