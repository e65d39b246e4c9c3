// The embedded backend: solves run in this process's piscina threads. Stop requests and progress
// cross the thread boundary through a shared buffer (control-buffer.ts), polled every 250 ms.
import { PROGRESS_INTERVAL_MS } from '../solver/control.js';
import type { Instance } from '../model/types.js';
import type { SolverPool } from '../pool/solver-pool.js';
import { packInstance } from '../worker/transfer.js';
import { createControlBuffer, drainWasRequested, readProgress, requestDrain, requestStop, startedAt } from '../worker/control-buffer.js';
import { NOT_STARTED, type SolveTask } from '../worker/solve-worker.js';
import { gapOf, type BackendTask, type RunControl, type RunOutcome, type SolverBackend } from './backend.js';

function isNotStarted(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as typeof NOT_STARTED).notStarted === true;
}

export function createInProcessBackend(pool: SolverPool): SolverBackend {
  /** Control buffers of the tasks handed to the pool and not answered yet (a drain reaches them all). */
  const inFlight = new Set<SharedArrayBuffer>();
  let draining = false;
  return {
    mode: 'in-process',
    cachesAnswers: false,

    async run(task: BackendTask, control: RunControl = {}): Promise<RunOutcome> {
      const { signal, onProgress } = control;
      if (signal?.aborted) return { result: null, stopped: true };
      const buffer = createControlBuffer();
      if (draining) requestDrain(buffer);
      inFlight.add(buffer);
      const options = task.timeLimitMs === undefined ? task.input.options : { ...task.input.options, timeLimitMs: task.timeLimitMs };
      // An instance crosses to the thread packed: structured-cloning 10,000 × 500 gains one by one took seconds.
      const input = 'instance' in task.input && task.kind === 'allocate' ? { packed: packInstance((task.input as { instance: Instance }).instance), options } : { ...task.input, options };
      const stop = () => requestStop(buffer);
      signal?.addEventListener('abort', stop, { once: true });
      let lastSequence = 0;
      const poll =
        onProgress
          ? setInterval(() => {
              const p = readProgress(buffer);
              if (p === null || p.sequence === lastSequence) return;
              lastSequence = p.sequence;
              // Elapsed since the thread took the task up (written by the thread: not when this poll noticed).
              const elapsedMs = Date.now() - (startedAt(buffer) ?? Date.now());
              onProgress({ phase: p.phase, elapsedMs, objective: p.objective, bound: p.bound, gap: gapOf(p.objective, p.bound) });
            }, PROGRESS_INTERVAL_MS)
          : undefined;
      try {
        const result = await pool.run({ kind: task.kind, input, receivedAt: task.receivedAt, deadlineAt: task.deadlineAt, control: buffer } as SolveTask);
        if (isNotStarted(result)) return { result: null, stopped: true };
        // A drain shortens only solves that had not ended on their own (those answer limit TIME).
        const drained = drainWasRequested(buffer) && (result as { limit?: string } | null)?.limit === 'TIME';
        return { result, stopped: signal?.aborted === true || drained };
      } finally {
        inFlight.delete(buffer);
        if (poll) clearInterval(poll);
        signal?.removeEventListener('abort', stop);
      }
    },

    async stats() {
      return { mode: 'in-process', ...pool.stats() };
    },
    workload() {
      const { threads, queued, busy } = pool.stats();
      return { threads, queued, busy };
    },
    drain() {
      draining = true;
      for (const buffer of inFlight) requestDrain(buffer);
    },
    isReady: () => pool.isReady(),
    close: () => pool.destroy(),
  };
}
