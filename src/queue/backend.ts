// Where solves run, behind one interface: in this process's worker threads (piscina), or on
// worker processes through a BullMQ queue in Redis. The solve service picks one from config and
// never knows which it has.
import type { BlocksInput } from '../blocks/types.js';
import type { AllocationOut, Instance, SolveOptions, Totals } from '../model/types.js';
import type { SolvePhase } from '../solver/control.js';
import type { Workload } from '../services/types.js';
import type { ProblemKind } from '../worker/solve-worker.js';

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

/** The incumbent of a running allocate solve: its allocations as the answer would give them. */
export interface BestSoFar {
  objective: number;
  totals: Totals;
  allocations: AllocationOut[];
  /** since the solve started, when this allocation was reported */
  elapsedMs: number;
}

export interface RunControl {
  /** Aborting asks the solve to stop and answer with its best so far (or never to start). */
  signal?: AbortSignal;
  onProgress?(progress: ProgressUpdate): void;
  /** allocate: the incumbent, at most once a second and only when it improved */
  onBest?(best: BestSoFar): void;
}

/** A normalised input, as the service hashes it (the in-process backend packs allocate's for the thread). */
export type NormalizedInput = { instance: Instance; options: SolveOptions } | BlocksInput;

/** One solve to run. `input` is normalised; `body` is the request as received (queue workers re-normalise it). */
export interface BackendTask {
  kind: Exclude<ProblemKind, 'ping'>;
  requestHash: string;
  input: NormalizedInput;
  body: unknown;
  /** the solve's time limit when it overrides the body's (jobs) */
  timeLimitMs?: number;
  receivedAt: number;
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

export interface BackendStats {
  mode: 'in-process' | 'bullmq';
  threads: number;
  queued: number;
  maxQueue: number;
}

export interface SolverBackend {
  readonly mode: 'in-process' | 'bullmq';
  /** The backend stores answers in the shared cache itself (queue workers do). */
  readonly cachesAnswers: boolean;
  /** Throws OverloadedError (queue full, or the queue's Redis is down: 503 + Retry-After). */
  run(task: BackendTask, control?: RunControl): Promise<RunOutcome>;
  stats(): Promise<BackendStats>;
  /** Solver capacity right now, for the metrics gauges (undefined where only stats() can tell). */
  workload?(): Workload | undefined;
  isReady(): boolean;
  close(): Promise<void>;
}

export function gapOf(objective: number | undefined, bound: number | undefined): number | undefined {
  if (objective === undefined || bound === undefined) return undefined;
  if (!(objective > 0)) return 0;
  return Math.max(0, (objective - bound) / objective);
}
