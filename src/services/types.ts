// The seam between HTTP and solving: routes call a SolveService; it normalises, hashes, consults
// the cache, coalesces identical in-flight requests and runs the pure solver in a worker pool.
import type { BlocksRequest } from '../blocks/request.js';
import type { BlocksResult } from '../blocks/types.js';
import type { AllocateRequest, ObjectiveSpec } from '../model/request.js';
import type { AllocateResult, AllocationOut, InfeasibilityOut, SolveStatus, Totals, Weights } from '../model/types.js';

export type CacheOutcome = 'hit' | 'miss';

export interface Solved<R> {
  result: R;
  cache: CacheOutcome;
  requestHash: string;
}

/** Weight vectors of a Pareto request: an explicit list, or every vector of the simplex grid with denominator k. */
export type ParetoSpec = { weights: Weights[] } | { grid: { steps: number } };

/**
 * POST /allocate/pareto body: an /allocate body whose objective has no weights (they come from
 * `pareto`, one /allocate solve per weight vector).
 */
export interface ParetoRequest extends Omit<AllocateRequest, 'objective'> {
  objective?: Omit<ObjectiveSpec, 'weights'>;
  pareto: ParetoSpec;
}

/** One weight vector's answer: the /allocate result for it, minus reference and baselines. */
export interface ParetoPoint {
  weights: Weights;
  status: SolveStatus;
  limit?: 'TIME';
  objective?: number;
  bound?: number;
  gap?: number;
  totals?: Totals;
  allocations: AllocationOut[];
  infeasibilities?: InfeasibilityOut[];
  solver: AllocateResult['solver'];
  cache: CacheOutcome;
  requestHash: string;
  /** Another point's totals are ≤ in all three sums and < in one (false when this point has no totals). */
  dominated: boolean;
}

export interface ParetoResult {
  /** One per weight vector, in request (or grid) order. */
  points: ParetoPoint[];
  /** Indices into points of the non-dominated points that have totals, ascending. */
  front: number[];
  /** Wall-clock time of the whole request, milliseconds. */
  solveTimeMs: number;
}

export interface Readiness {
  ready: boolean;
  workers: { threads: number; queued: number; maxQueue: number };
  redis: 'up' | 'down' | 'disabled';
}

/** How a call is timed: its time limit counts from `receivedAt` (epoch ms; default: the call). */
export interface CallTiming {
  receivedAt?: number;
}

export interface SolveService {
  /** Throws InputError (→ 400) or OverloadedError (→ 503); infeasibility is a result status. */
  allocate(body: AllocateRequest, timing?: CallTiming): Promise<Solved<AllocateResult>>;
  /** Cooperative block allocation (SPEC §2); same errors and caching as allocate. */
  allocateBlocks(body: BlocksRequest, timing?: CallTiming): Promise<Solved<BlocksResult>>;
  /**
   * One allocate() per weight vector, run concurrently (cache, single flight, worker pool), and the
   * Pareto front of their totals. Throws InputError (→ 400) or the first OverloadedError (→ 503).
   */
  allocatePareto(body: ParetoRequest, timing?: CallTiming): Promise<ParetoResult>;
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
