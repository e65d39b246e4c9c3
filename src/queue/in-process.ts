// The embedded backend: solves run in this process's piscina threads. Stop requests and progress
// cross the thread boundary through a shared buffer (control-buffer.ts), polled every 250 ms.
import { PROGRESS_INTERVAL_MS } from '../solver/control.js';
import type { SolverPool } from '../pool/solver-pool.js';
import { createControlBuffer, hasStarted, readProgress, requestStop } from '../worker/control-buffer.js';
import { NOT_STARTED, type SolveTask } from '../worker/solve-worker.js';
import { gapOf, type BackendTask, type RunControl, type RunOutcome, type SolverBackend } from './backend.js';

function isNotStarted(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as typeof NOT_STARTED).notStarted === true;
}

export function createInProcessBackend(pool: SolverPool): SolverBackend {
  return {
    mode: 'in-process',
    cachesAnswers: false,

    async run(task: BackendTask, control: RunControl = {}): Promise<RunOutcome> {
      const { signal, onProgress } = control;
      if (signal?.aborted) return { result: null, stopped: true };
      const buffer = signal !== undefined || onProgress !== undefined ? createControlBuffer() : undefined;
      const input =
        task.timeLimitMs === undefined
          ? task.input
          : { ...(task.input as { options: object }), options: { ...(task.input as { options: object }).options, timeLimitMs: task.timeLimitMs } };
      const stop = () => buffer && requestStop(buffer);
      signal?.addEventListener('abort', stop, { once: true });
      let startedAt: number | undefined;
      let lastSequence = 0;
      const poll =
        buffer && onProgress
          ? setInterval(() => {
              if (startedAt === undefined && hasStarted(buffer)) startedAt = Date.now();
              const p = readProgress(buffer);
              if (p === null || p.sequence === lastSequence) return;
              lastSequence = p.sequence;
              onProgress({ phase: p.phase, elapsedMs: Date.now() - (startedAt ?? Date.now()), objective: p.objective, bound: p.bound, gap: gapOf(p.objective, p.bound) });
            }, PROGRESS_INTERVAL_MS)
          : undefined;
      try {
        const result = await pool.run({ kind: task.kind, input, receivedAt: task.receivedAt, control: buffer } as SolveTask);
        if (isNotStarted(result)) return { result: null, stopped: true };
        return { result, stopped: signal?.aborted === true };
      } finally {
        if (poll) clearInterval(poll);
        signal?.removeEventListener('abort', stop);
      }
    },

    async stats() {
      return { mode: 'in-process', ...pool.stats() };
    },
    isReady: () => pool.isReady(),
    close: () => pool.destroy(),
  };
}
