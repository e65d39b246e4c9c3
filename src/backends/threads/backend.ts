// The embedded backend: solves run in this process's piscina threads. Stop requests and progress
// cross the thread boundary through a shared buffer (control-buffer.ts), polled every 250 ms.
import { MessageChannel } from 'node:worker_threads';
import { PROGRESS_INTERVAL_MS } from '../../solver/control.js';
import type { SolverPool } from './solver-pool.js';
import { packInstance } from './transfer.js';
import { createControlBuffer, readProgress, requestStop, startedAt } from './control-buffer.js';
import type { InputOf, ProblemKind } from '../../solve/kinds.js';
import { NOT_STARTED, type SolveTask, type SolverInput } from './solve-worker.js';
import { gapOf, type BackendTask, type RunControl, type RunOutcome, type SolverBackend } from '../../solve/backend.js';
import type { BestSoFar } from '../../solve/types.js';

/** How each kind's normalised input crosses to its thread (with the options the task runs under). */
const TO_THREAD: { [K in ProblemKind]: (input: InputOf<K>, options: InputOf<K>['options']) => SolverInput<K> } = {
  // An instance crosses packed: structured-cloning 10,000 × 500 gains one by one took seconds.
  allocate: (input, options) => ({ packed: packInstance(input.instance), options }),
  blocks: (input, options) => ({ ...input, options }),
  evaluate: (input, options) => ({ packed: packInstance(input.instance), options, given: input.given }),
};

function isNotStarted(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as typeof NOT_STARTED).notStarted === true;
}

export function createInProcessBackend(pool: SolverPool): SolverBackend {
  return {
    name: 'threads',
    cachesAnswers: false,

    async run(task: BackendTask, control: RunControl = {}): Promise<RunOutcome> {
      const { signal, onProgress, onBest } = control;
      if (signal?.aborted) return { result: null, stopped: true };
      const buffer = signal !== undefined || onProgress !== undefined ? createControlBuffer() : undefined;
      const options = task.timeLimitMs === undefined ? task.input.options : { ...task.input.options, timeLimitMs: task.timeLimitMs };
      const input = (TO_THREAD[task.kind] as (input: unknown, options: unknown) => unknown)(task.input, options);
      const stop = () => buffer && requestStop(buffer);
      signal?.addEventListener('abort', stop, { once: true });
      let lastSequence = 0;
      const poll =
        buffer && onProgress
          ? setInterval(() => {
              const p = readProgress(buffer);
              if (p === null || p.sequence === lastSequence) return;
              lastSequence = p.sequence;
              // Elapsed since the thread took the task up (written by the thread: not when this poll noticed).
              const elapsedMs = Date.now() - (startedAt(buffer) ?? Date.now());
              onProgress({ phase: p.phase, elapsedMs, objective: p.objective, bound: p.bound, gap: gapOf(p.objective, p.bound) });
            }, PROGRESS_INTERVAL_MS)
          : undefined;
      // The incumbent allocation is too large for the shared buffer: it comes on a port of its own.
      const incumbents = onBest !== undefined && task.kind === 'allocate' ? new MessageChannel() : undefined;
      incumbents?.port1.on('message', (best: BestSoFar) => onBest!(best));
      try {
        const solveTask = { kind: task.kind, input, receivedAt: task.receivedAt, deadlineAt: task.deadlineAt, control: buffer, ...(incumbents ? { incumbents: incumbents.port2 } : {}) };
        const result = await pool.run(solveTask as SolveTask, incumbents ? [incumbents.port2] : undefined);
        if (isNotStarted(result)) return { result: null, stopped: true };
        return { result, stopped: signal?.aborted === true };
      } finally {
        if (poll) clearInterval(poll);
        incumbents?.port1.close();
        signal?.removeEventListener('abort', stop);
      }
    },

    async stats() {
      return { backend: 'threads', ...pool.stats() };
    },
    workload() {
      const { threads, queued, busy } = pool.stats();
      return { threads, queued, busy };
    },
    isReady: () => pool.isReady(),
    close: () => pool.destroy(),
  };
}
