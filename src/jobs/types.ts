// Async jobs: a solve submitted now and read later (status, progress, result), cancellable. Two
// stores behind one interface: in memory (embedded mode) and BullMQ jobs in Redis (queue mode).
import { JOB_PROBLEM_KINDS, type JobProblemKind } from '../solve/kinds/index.js';
import type { BestSoFar, ProgressUpdate } from '../solve/types.js';
export type { BestSoFar } from '../solve/types.js';

/** Sweeps of allocate solves that run as jobs too (they are not problem kinds). */
export const SWEEP_JOB_KINDS = ['pareto', 'what-if'] as const;
export type SweepJobKind = (typeof SWEEP_JOB_KINDS)[number];
/** What POST /jobs takes: the problem kinds that may run as jobs (solve/kinds/index.ts), then the sweeps. */
export type JobKind = JobProblemKind | SweepJobKind;
export const JOB_KINDS: readonly JobKind[] = [...JOB_PROBLEM_KINDS, ...SWEEP_JOB_KINDS];
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Jobs may run longer than sync requests (60 s): up to 10 minutes. */
export const MAX_JOB_TIME_LIMIT_MS = 600_000;

export interface JobSubmission {
  kind: JobKind;
  /** the body the sync endpoint of this kind takes */
  input: unknown;
  /** overrides input.options.timeLimitMs, up to MAX_JOB_TIME_LIMIT_MS */
  timeLimitMs?: number;
  idempotencyKey?: string;
}

export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  /** ISO 8601 timestamps */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** when a finished job is forgotten (GET answers 404 after it) */
  expiresAt?: string;
  timeLimitMs?: number;
  /** while running (and the last one after) */
  progress?: ProgressUpdate;
  /** completed, or cancelled with the best answer found: what the sync endpoint answers */
  result?: Record<string, unknown>;
  /** the sync endpoint's status code for `result` (200, or 422 when infeasible) */
  resultStatusCode?: number;
  /** failed: why */
  error?: { code: string; message: string };
  /** allocate jobs, when asked for (GET /jobs/{id}?include=best): the best allocation found so far */
  best?: BestSoFar;
}

export interface JobReadOptions {
  /** add `best` to a running allocate job */
  includeBest?: boolean;
}

export interface JobListQuery {
  status?: JobStatus;
  kind?: JobKind;
  /** jobs per page, 1..MAX_JOB_PAGE (jobs/list.ts) */
  limit: number;
  /** nextCursor of the previous page */
  cursor?: string;
}

export interface JobPage {
  /** newest first, without their results (GET /jobs/{id} has them) */
  jobs: JobView[];
  /** present when more jobs may follow */
  nextCursor?: string;
}

export interface JobService {
  /** Throws InputError (400), IdempotencyMismatchError (422), IdempotencyConflictError (409), OverloadedError (503). */
  submit(job: JobSubmission): Promise<{ job: JobView; created: boolean }>;
  get(id: string, options?: JobReadOptions): Promise<JobView | null>;
  /** Newest first; InputError (400) for a cursor it did not give. */
  list(query: JobListQuery): Promise<JobPage>;
  /** null: no such job. A finished job is returned as it is. */
  cancel(id: string): Promise<JobView | null>;
  /** Jobs by status, for the metrics; a store leaves out the statuses it cannot count cheaply. */
  counts?(): Promise<Partial<Record<JobStatus, number>>>;
  /**
   * Shutting down: jobs that cannot finish are cancelled, a running one with its best allocation
   * stored; resolves once they are recorded (at most waitMs). Queue mode keeps jobs in Redis for
   * the workers, so there is nothing to do there.
   */
  drain?(waitMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Idempotency-Key was used before with another body: 422, as the IETF Idempotency-Key draft
 * (draft-ietf-httpapi-idempotency-key-header) says; the key stays bound to its first job.
 */
export class IdempotencyMismatchError extends Error {
  readonly statusCode = 422;
  readonly code = 'IDEMPOTENCY_KEY_MISMATCH';
  constructor(readonly jobId: string) {
    super(`Idempotency-Key already used for job ${jobId} with a different body`);
    this.name = 'IdempotencyMismatchError';
  }
}

/**
 * Another request with this Idempotency-Key and a different body is still being processed (two
 * submissions raced): 409, as the draft says for a request still in progress. Retrying later gets
 * the 200 replay or the 422.
 */
export class IdempotencyConflictError extends Error {
  readonly statusCode = 409;
  readonly code = 'IDEMPOTENCY_CONFLICT';
  constructor(readonly jobId: string) {
    super(`a request with this Idempotency-Key (job ${jobId}) is still being processed`);
    this.name = 'IdempotencyConflictError';
  }
}
