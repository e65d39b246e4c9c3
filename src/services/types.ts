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

/**
 * Weight vectors of a Pareto request: an explicit list, or every vector of the simplex grid with
 * denominator k. includeAllocations false leaves each point's allocations out (totals only), so a
 * large sweep stays small; one point's allocation is then POST /allocate with its weights (a cache hit).
 */
export type ParetoSpec =
  | { weights: Weights[]; includeAllocations?: boolean }
  | { grid: { steps: number }; includeAllocations?: boolean };

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

/** Solver capacity right now: read by the metrics gauges when scraped. */
export interface Workload {
  threads: number;
  /** Solves accepted and waiting for a worker. */
  queued: number;
  /** Workers solving right now. */
  busy: number;
}

/**
 * What a service reports as it works (metrics). `kind` is the problem kind (allocate, blocks);
 * `status` a SolveStatus, or OVERLOADED / FAILED when no answer came back.
 */
export interface SolveObserver {
  /** A solve that ran (seconds includes the queue wait) or was refused (seconds undefined). */
  solved(kind: string, status: string, limit: 'TIME' | undefined, seconds: number | undefined, gap: number | undefined): void;
  /** One answer per request: served from the cache (or a peer's flight) or computed. */
  cache(kind: string, outcome: CacheOutcome): void;
  /** A request joined an identical solve in flight in this process. */
  joined(kind: string): void;
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
  /** Capacity for the metrics gauges; optional so test doubles need not provide it. */
  workload?(): Workload;
  close(): Promise<void>;
}

/** The worker queue is full: answer 503 with Retry-After. */
export class OverloadedError extends Error {
  constructor(readonly retryAfterS: number) {
    super('solver queue is full');
    this.name = 'OverloadedError';
  }
}

/**
 * The solver's answer holds a number that is not finite: the instance's values, each within its
 * range, combine beyond what double precision can represent. Answered as a 400 (NUMERIC_RANGE) naming
 * the number; the ranges and normalisation checks exist so that this never happens.
 */
export class NonFiniteResultError extends Error {
  constructor(
    readonly kind: string,
    readonly path: string,
    readonly value: number,
  ) {
    super(`the ${kind} answer's ${path} is ${value}: the instance's values combine beyond double precision`);
    this.name = 'NonFiniteResultError';
  }
}
