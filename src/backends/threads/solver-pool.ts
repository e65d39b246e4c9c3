// The worker-thread pool every solve runs in. Bounded queue: when it is full, callers get an
// OverloadedError carrying a Retry-After estimate instead of waiting behind an unbounded backlog.
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { OverloadedError } from '../../solve/errors.js';
import type { SolveTask } from './solve-worker.js';

export interface PoolStats {
  threads: number;
  queued: number;
  maxQueue: number;
  /** Tasks running on a thread now (accepted, not queued, not finished). */
  busy: number;
}

export interface TaskPool<Task, Result> {
  /** Rejects with OverloadedError when the queue is full; otherwise with the worker's error. `transferList`: ports the task carries. */
  run(task: Task, transferList?: readonly MessagePort[]): Promise<Result>;
  stats(): PoolStats;
  /** Threads are up and the worker module has answered (warm-up or any task) since start. */
  isReady(): boolean;
  destroy(): Promise<void>;
}

export type SolverPool = TaskPool<SolveTask, unknown>;

interface SolverPoolOptions<Task = SolveTask> {
  threads: number;
  /** Tasks that may wait for a thread; beyond it run() rejects with OverloadedError. */
  maxQueue: number;
  /** Worker module; defaults to the real solve worker. Tests pass fixtures. */
  workerFile?: URL | string;
  /**
   * Run once per thread at start. Piscina counts threads as ready before their module has loaded,
   * so without an answer from the worker a broken build would look healthy until the first request.
   */
  warmup?: Task;
  /** Worker failures outside any request (module load, warm-up); default console.error. */
  onWorkerError?: (err: Error) => void;
}

/**
 * The real worker's file. From sources (vitest, tsx) this module is a .ts file and piscina needs
 * the .mjs shim that loads TypeScript; compiled, it is dist/src/backends/threads/solver-pool.js and the worker
 * is compiled JavaScript next door (tsc does not copy the .mjs shim into dist).
 */
export function workerFileFor(moduleUrl: string): URL {
  return moduleUrl.endsWith('.js') ? new URL('./solve-worker.js', moduleUrl) : new URL('./worker-entry.mjs', moduleUrl);
}

/** Seconds until the queue has likely drained: queued × mean solve time / threads, at least 1. */
export function estimateRetryAfterS(queued: number, threads: number, meanSolveMs: number): number {
  const drainMs = (queued * meanSolveMs) / Math.max(1, threads);
  return Math.max(1, Math.ceil(drainMs / 1000));
}

// Piscina's run-time histogram is cumulative; resetting it every so many solves keeps the mean
// recent (the current window, or the previous full one while the current is empty).
const MEAN_WINDOW_SOLVES = 100;

/** The pool of the real solve worker, warmed with a ping that also loads GLPK in every thread. */
export function createSolverPool(options: SolverPoolOptions<SolveTask>): SolverPool;
export function createSolverPool<Task, Result>(options: SolverPoolOptions<Task> & { workerFile: URL | string }): TaskPool<Task, Result>;
export function createSolverPool<Task, Result>(options: SolverPoolOptions<Task>): TaskPool<Task, Result> {
  const workerFile = options.workerFile ?? workerFileFor(import.meta.url);
  const warmup = options.warmup ?? (options.workerFile === undefined ? ({ kind: 'ping', input: undefined } as Task) : undefined);
  const onWorkerError = options.onWorkerError ?? ((err: Error) => console.error('solver worker error', err));
  const piscina = new Piscina<Task, Result>({
    filename: workerFile instanceof URL ? workerFile.href : workerFile,
    // Warm: threads (and their solver modules, GLPK) are loaded before the first request.
    minThreads: options.threads,
    maxThreads: options.threads,
    maxQueue: options.maxQueue,
    // Solver threads are the expensive part of the service; keep them for its lifetime.
    idleTimeout: Number.POSITIVE_INFINITY,
  });

  let lastWorkerError: Error | undefined;
  /** Abort handles of accepted tasks, to release them if every thread dies. */
  const pending = new Set<AbortController>();
  const notRunning = (reason: string) => new Error(`solver workers are not running: ${reason}`);

  // Piscina emits 'error' for failures no task can receive; unheard, that event kills the process.
  piscina.on('error', (err: Error) => {
    lastWorkerError = err;
    onWorkerError(err);
    // A thread whose module fails to load is not replaced, and tasks queued for it would wait
    // forever: once none is left, fail them with the reason.
    if (piscina.threads.length === 0) for (const handle of pending) handle.abort(notRunning(err.message));
  });

  let destroyed = false;
  let workerAnswered = warmup === undefined;
  if (warmup !== undefined) {
    Promise.all(Array.from({ length: options.threads }, () => piscina.run(warmup))).then(
      () => {
        workerAnswered = true;
        piscina.histogram.resetRunTime(); // warm-up pings are not solves: keep them out of the mean
      },
      (err: Error) => {
        if (destroyed) return; // destroy() during warm-up rejects it: not a fault
        lastWorkerError = err;
        onWorkerError(err);
      },
    );
  }

  let completedInWindow = 0;
  let previousWindowMeanMs = Number.NaN;

  function recentMeanSolveMs(): number {
    const current = piscina.histogram.runTime.mean;
    if (Number.isFinite(current) && current > 0) return current;
    return Number.isFinite(previousWindowMeanMs) ? previousWindowMeanMs : 1000;
  }

  function noteCompletion(): void {
    completedInWindow += 1;
    if (completedInWindow < MEAN_WINDOW_SOLVES) return;
    previousWindowMeanMs = piscina.histogram.runTime.mean;
    piscina.histogram.resetRunTime();
    completedInWindow = 0;
  }

  function overloaded(): OverloadedError {
    return new OverloadedError(estimateRetryAfterS(piscina.queueSize, options.threads, recentMeanSolveMs()));
  }

  return {
    async run(task, transferList) {
      if (piscina.threads.length === 0) throw notRunning(destroyed ? 'pool destroyed' : (lastWorkerError?.message ?? 'unknown'));
      // Checked up front so the caller's error carries our estimate; piscina's own limit check
      // below stays as the backstop (it also counts threads still starting as capacity).
      if (options.maxQueue > 0 && piscina.queueSize >= options.maxQueue) throw overloaded();
      const handle = new AbortController();
      pending.add(handle);
      try {
        const result = await piscina.run(task, {
          signal: handle.signal,
          ...(transferList ? { transferList: [...transferList] as never } : {}),
        });
        workerAnswered = true;
        noteCompletion();
        return result;
      } catch (err) {
        if (handle.signal.aborted) throw handle.signal.reason;
        if (isQueueFull(err)) throw overloaded();
        noteCompletion();
        throw err;
      } finally {
        pending.delete(handle);
      }
    },
    stats() {
      return {
        threads: piscina.threads.length,
        queued: piscina.queueSize,
        maxQueue: options.maxQueue,
        busy: Math.max(0, pending.size - piscina.queueSize),
      };
    },
    isReady() {
      return workerAnswered && piscina.threads.length > 0;
    },
    async destroy() {
      destroyed = true;
      await piscina.destroy();
    },
  };
}

function isQueueFull(err: unknown): boolean {
  return err instanceof Error && /task queue is at limit|no task queue available/i.test(err.message);
}
