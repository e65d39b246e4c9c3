// The seam between HTTP and solving: routes call a SolveService; it normalises, hashes, consults
// the cache, coalesces identical in-flight requests and runs the pure solver in a worker pool.
import type { AllocateRequest, ObjectiveSpec } from '../model/request.js';
import type { AllocateResult, AllocationOut, InfeasibilityOut, SolveStatus, Termination, Totals, Weights } from '../model/types.js';
import type { SolvePhase } from '../solver/control.js';
import type { BodyOf, ProblemKind, ResultOf } from './kinds/index.js';
import type { WhatIfRequest, WhatIfResult } from './what-if.js';

export type CacheOutcome = 'hit' | 'miss';

/** The incumbent of a running allocate solve: its allocations as the answer would give them. */
export interface BestSoFar {
  objective: number;
  totals: Totals;
  allocations: AllocationOut[];
  /** since the solve started, when this allocation was reported */
  elapsedMs: number;
}

/** A solve's progress as jobs report it. */
export interface ProgressUpdate {
  phase: SolvePhase;
  /** since the solve started on a worker */
  elapsedMs: number;
  objective?: number;
  bound?: number;
  /** (objective − bound) / objective */
  gap?: number;
  /** Pareto sweeps: points solved so far, of `points` */
  pointsDone?: number;
  points?: number;
}

export interface Solved<R> {
  /** Read-only: shared between callers of one flight (parsed on first use when served from the cache). */
  result: R;
  cache: CacheOutcome;
  requestHash: string;
  /** On a hit: the result's JSON as stored in the cache (the route sends these bytes as they are) and its status. */
  stored?: { bytes: string; status: string };
  /** The solve was stopped early (cancelled, or every caller left): an answer with limit TIME. */
  stopped?: boolean;
}

/** Per-call options of the solve methods; all optional. */
export interface CallOptions {
  /** Aborted when the caller no longer wants the answer (client gone, job cancelled). */
  signal?: AbortSignal;
  /** Progress of the solve, at most every 250 ms (the first caller of a shared solve gets it). */
  onProgress?(progress: ProgressUpdate): void;
  /** allocate: the incumbent allocation, at most once a second and only when it improved (jobs ask for it) */
  onBest?(best: BestSoFar): void;
  /** Overrides options.timeLimitMs (jobs may ask for up to MAX_JOB_TIME_LIMIT_MS). */
  timeLimitMs?: number;
  /** Epoch ms the request arrived; the time limit counts from here. Default: now. */
  receivedAt?: number;
  /** Epoch ms the answer is due when that is before the end of the limit (a Pareto point's slot); not hashed. */
  deadlineAt?: number;
  /** A digest of the body's bytes as received: recognises a repeated body without re-serialising it. */
  bodyDigest?: string;
  /**
   * A caller on the line (sync requests): a solve that found no plan for lack of time is a 503 to
   * retry, never a NO_SOLUTION_FOUND answer. Jobs keep the answer (they were not refused up front).
   */
  waiting?: boolean;
  /**
   * Jobs: the time limit counts from when the solve reaches a thread, not from receivedAt, and the
   * solve is never refused for the work ahead of it (a job waits its turn without a deadline penalty).
   */
  limitFromStart?: boolean;
  /**
   * Aborted when the process serving the caller shuts down (queue mode: the API instance): the solve
   * answers as in a drain (its best so far once it has a plan) instead of stopping outright.
   */
  drain?: AbortSignal;
  /**
   * allocate: false solves search-only, without the bound (SolveOptions.certify; what-if scenarios).
   * Never from a request body. Part of the request hash when false: such an answer has no gap, and
   * must not serve POST /allocate for the same snapshot (nor be served a certified one in its place).
   */
  certify?: false;
  /**
   * The service's own request (the start-up warm-up, plugins/warm-up.ts): served as any other, but
   * not told to the observer (no solve, cache or single-flight metrics): start-up work, not traffic.
   */
  internal?: boolean;
  /**
   * allocate: told the request hash as soon as it is known (before the solve runs), so an answer
   * given up by the service (give-up.ts) still names its solve.
   */
  onRequestHash?(hash: string): void;
  /**
   * allocatePareto: each point as soon as it is solved (index in request order), handed over once
   * its lane has taken the next point; every point is handed over before the result returns.
   */
  onPoint?(index: number, point: SolvedParetoPoint): void;
  /** allocateWhatIf: the base answer, once the scenarios have started; before the result returns. */
  onBase?(base: Solved<AllocateResult>): void;
}

/**
 * Weight vectors of a Pareto request: an explicit list, or every vector of the simplex grid with
 * denominator k. includeAllocations false leaves each point's allocations out (totals only), so a
 * large sweep stays small; one point's allocation is then POST /allocate with its weights (a cache hit).
 */
export type ParetoSpec = { weights: Weights[]; includeAllocations?: boolean } | { grid: { steps: number }; includeAllocations?: boolean };

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
  termination: Termination;
  relativeGap: number;
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

/** A Pareto point as soon as it is solved: all of it but `dominated` (which needs every point). */
export type SolvedParetoPoint = Omit<ParetoPoint, 'dominated'>;

export interface Readiness {
  ready: boolean;
  workers: { threads: number; queued: number; maxQueue: number };
  redis: 'up' | 'down' | 'disabled';
  /**
   * Where solves run (SOLVER_QUEUE): 'in-process' is the published /ready value for the threads
   * backend, 'bullmq' for worker processes behind a BullMQ queue.
   */
  queue?: 'in-process' | 'bullmq';
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

export interface SolveService {
  /**
   * One solve of a problem kind (kinds/index.ts): normalise, hash, cache, backend. Throws InputError
   * (→ 400) or OverloadedError (→ 503); infeasibility is a result status.
   */
  solve<K extends ProblemKind>(kind: K, body: BodyOf<K>, call?: CallOptions): Promise<Solved<ResultOf<K>>>;
  /**
   * One allocate solve per weight vector, run concurrently (cache, single flight, worker pool), and the
   * Pareto front of their totals. Throws InputError (→ 400) or the first OverloadedError (→ 503).
   */
  allocatePareto(body: ParetoRequest, call?: CallOptions): Promise<ParetoResult>;
  /**
   * The base snapshot, then each scenario as an allocate solve warm from the base answer, within one
   * time limit (docs/what-if.md). Throws InputError (→ 400) naming scenario and change, or OverloadedError.
   */
  allocateWhatIf(body: WhatIfRequest, call?: CallOptions): Promise<WhatIfResult>;
  readiness(): Promise<Readiness>;
  /** Shutting down: every solve in flight, and every later one, answers now (see SolverBackend.drain). */
  drain?(answerWithinMs?: number): void;
  /** Capacity for the metrics gauges; optional so test doubles need not provide it. */
  workload?(): Workload | undefined;
  close(): Promise<void>;
}
