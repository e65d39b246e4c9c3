// The seam between HTTP and solving: routes call a SolveService; it normalises, hashes, consults
// the cache, coalesces identical in-flight requests and runs the pure solver in a worker pool.
import type { BlocksRequest } from '../blocks/request.js';
import type { BlocksResult } from '../blocks/types.js';
import type { AllocateRequest } from '../model/request.js';
import type { AllocateResult } from '../model/types.js';

export type CacheOutcome = 'hit' | 'miss';

export interface Solved<R> {
  result: R;
  cache: CacheOutcome;
  requestHash: string;
}

export interface Readiness {
  ready: boolean;
  workers: { threads: number; queued: number; maxQueue: number };
  redis: 'up' | 'down' | 'disabled';
}

export interface SolveService {
  /** Throws InputError (→ 400) or OverloadedError (→ 503); infeasibility is a result status. */
  allocate(body: AllocateRequest): Promise<Solved<AllocateResult>>;
  /** Cooperative block allocation (SPEC §2); same errors and caching as allocate. */
  allocateBlocks(body: BlocksRequest): Promise<Solved<BlocksResult>>;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

/** The worker queue is full: answer 503 with Retry-After. */
export class OverloadedError extends Error {
  constructor(readonly retryAfterS: number) {
    super('solver queue is full');
    this.name = 'OverloadedError';
  }
}
