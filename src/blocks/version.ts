// Versions live apart from the block solver so the main thread (the solve service's cache key) can
// read them without loading the solver and GLPK.
/** Part of every /allocate/blocks cache key: bump it whenever answers may change. */
export const BLOCKS_SOLVER_VERSION = '0.4.0';
export const BLOCKS_ALGORITHM = 'nested-bisection';
