// Where solves run, behind one interface: in this process's worker threads (piscina), or on
// worker processes through a BullMQ queue in Redis. The solve service picks one from config and
// never knows which it has.
import type { InputOf, ProblemKind } from './kinds/index.js';
import type { BestSoFar, ProgressUpdate, Workload } from './types.js';

export interface RunControl {
  /** Aborting asks the solve to stop and answer with its best so far (or never to start). */
  signal?: AbortSignal;
  onProgress?(progress: ProgressUpdate): void;
  /** Aborting makes the solve answer as in a drain: its best so far once it has a plan (see drain()). */
  drain?: AbortSignal;
  /** allocate: the incumbent, at most once a second and only when it improved */
  onBest?(best: BestSoFar): void;
}

/** A normalised input, as the service hashes it (the threads backend packs allocate's for the thread). */
export type NormalizedInput = InputOf<ProblemKind>;

/** One solve to run. `input` is normalised; `body` is the request as received (queue workers re-normalise it). */
export interface BackendTask {
  kind: ProblemKind;
  requestHash: string;
  input: NormalizedInput;
  body: unknown;
  /** the solve's time limit when it overrides the body's (jobs) */
  timeLimitMs?: number;
  /** when the time limit counts from (epoch ms); undefined: from when the solve reaches a thread (jobs) */
  receivedAt?: number;
  /** Epoch ms the answer is due when before the end of the limit (a Pareto point's slot). */
  deadlineAt?: number;
}

export interface RunOutcome {
  /** null when the solve was stopped before it started */
  result: unknown;
  /** true when a stop request ended (or prevented) the solve */
  stopped: boolean;
  /** the answer came from another solve (a queue worker's cache or a shared job) */
  shared?: boolean;
}

/** Where solves run, by the name SOLVER_QUEUE gives it: this process's threads, or BullMQ workers. */
export type BackendName = 'threads' | 'bullmq';

export interface BackendStats {
  backend: BackendName;
  threads: number;
  queued: number;
  maxQueue: number;
}

export interface SolverBackend {
  readonly name: BackendName;
  /** The backend stores answers in the shared cache itself (queue workers do). */
  readonly cachesAnswers: boolean;
  /** Throws OverloadedError (queue full, or the queue's Redis is down: 503 + Retry-After). */
  run(task: BackendTask, control?: RunControl): Promise<RunOutcome>;
  stats(): Promise<BackendStats>;
  /** Solver capacity right now, for the metrics gauges (undefined where only stats() can tell). */
  workload?(): Workload | undefined;
  isReady(): boolean;
  /**
   * Shutting down: every solve in flight answers now (a running one its best so far, one not yet
   * started a quick feasible plan) and so does every later one; outcomes say `stopped`.
   */
  drain?(answerWithinMs?: number): void;
  close(): Promise<void>;
}

export function gapOf(objective: number | undefined, bound: number | undefined): number | undefined {
  if (objective === undefined || bound === undefined) return undefined;
  if (!(objective > 0)) return 0;
  return Math.max(0, (objective - bound) / objective);
}
