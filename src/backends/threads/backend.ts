// The embedded backend: solves run in this process's piscina threads. Stop requests and progress
// cross the thread boundary through a shared buffer (control-buffer.ts), polled every 250 ms.
import { MessageChannel } from 'node:worker_threads';
import { PROGRESS_INTERVAL_MS } from '../../solver/control.js';
import type { SolverPool } from './solver-pool.js';
import {
  createControlBuffer,
  drainWasRequested,
  readProgress,
  requestDrain,
  requestStop,
  startedAt,
  stopWasRequested,
} from './control-buffer.js';
import { PROBLEM_KINDS } from '../../solve/kinds/index.js';
import { NOT_STARTED, type SolveTask } from './solve-worker.js';
import { gapOf, type BackendTask, type RunControl, type RunOutcome, type SolverBackend } from '../../solve/backend.js';
import { OverloadedError } from '../../solve/errors.js';
import { admit, floorOf, limitOf, RunShare, startDelayMs, type FlightEstimate } from '../admission.js';
import type { BestSoFar } from '../../solve/types.js';

function isNotStarted(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as typeof NOT_STARTED).notStarted === true;
}

export function createInProcessBackend(pool: SolverPool): SolverBackend {
  /** Tasks handed to the pool and not answered yet, in the pool's FIFO order (a drain reaches them all). */
  const inFlight = new Map<SharedArrayBuffer, { expectedRunMs: number; handedAt: number }>();
  let draining = false;
  const runShare = new RunShare();
  /** Solves handed to the pool and not answered (Int32 [0]), read by solver threads: a large solve alone may use a second core. */
  const occupancy = new SharedArrayBuffer(4);
  const occupied = new Int32Array(occupancy);

  /**
   * The flights as the pool sees them: the last `queued` of those not yet on a thread wait; any
   * other (taken up, its start not yet written) counts as started when it was handed over.
   */
  function flights(queued: number): FlightEstimate[] {
    const all = [...inFlight];
    let unstarted = all.filter(([buffer]) => startedAt(buffer) === undefined).length;
    return all.map(([buffer, f]) => {
      const began = startedAt(buffer);
      // A solve asked to stop (its caller left) answers within milliseconds: nothing to wait for.
      const expectedRunMs = stopWasRequested(buffer) ? 0 : f.expectedRunMs;
      if (began === undefined && unstarted-- > queued) return { startedAt: f.handedAt, expectedRunMs };
      return { startedAt: began, expectedRunMs };
    });
  }
  return {
    name: 'threads',
    cachesAnswers: false,

    async run(task: BackendTask, control: RunControl = {}): Promise<RunOutcome> {
      const { signal, onProgress, onBest } = control;
      if (signal?.aborted) return { result: null, stopped: true };
      const limitMs = limitOf(task);
      // A Pareto point is due at the end of its slot, before its limit.
      const expectedRunMs = Math.min(
        limitMs * runShare.value,
        task.deadlineAt === undefined ? Infinity : Math.max(0, task.deadlineAt - Date.now()),
      );
      // Checked only for solves due at the end of their own limit (a Pareto point has a slot of its
      // own) and not while draining (then everything answers at once anyway).
      if (task.deadlineAt === undefined && task.receivedAt !== undefined && !draining) {
        const { threads, queued } = pool.stats();
        const waitMs = startDelayMs(flights(queued), threads);
        const verdict = admit(limitMs - (Date.now() - task.receivedAt), floorOf(task), waitMs);
        if (!verdict.accept) {
          throw new OverloadedError(
            Math.max(1, Math.ceil(waitMs / 1000)),
            `the solvers are busy: about ${Math.round(waitMs)} ms of work is ahead of this request, more than its time limit leaves`,
          );
        }
      }
      const buffer = createControlBuffer();
      if (draining) requestDrain(buffer);
      inFlight.set(buffer, { expectedRunMs, handedAt: Date.now() });
      const options = task.timeLimitMs === undefined ? task.input.options : { ...task.input.options, timeLimitMs: task.timeLimitMs };
      const input = (PROBLEM_KINDS[task.kind].toThread as (input: unknown, options: unknown) => unknown)(task.input, options);
      const stop = () => requestStop(buffer);
      signal?.addEventListener('abort', stop, { once: true });
      const drainThis = () => requestDrain(buffer);
      if (control.drain?.aborted) drainThis();
      control.drain?.addEventListener('abort', drainThis, { once: true });
      let lastSequence = 0;
      const poll = onProgress
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
      Atomics.add(occupied, 0, 1);
      try {
        const solveTask = {
          kind: task.kind,
          input,
          receivedAt: task.receivedAt,
          deadlineAt: task.deadlineAt,
          control: buffer,
          occupancy,
          ...(incumbents ? { incumbents: incumbents.port2 } : {}),
        };
        const result = await pool.run(solveTask as SolveTask, incumbents ? [incumbents.port2] : undefined);
        if (isNotStarted(result)) return { result: null, stopped: true };
        // Pools that do not write the start (test doubles) are timed from the hand-over.
        const began = startedAt(buffer) ?? inFlight.get(buffer)?.handedAt;
        if (began !== undefined && !signal?.aborted && !drainWasRequested(buffer))
          runShare.observe(Date.now() - began, limitMs - (began - (task.receivedAt ?? began)));
        // A drain shortens only solves that had not ended on their own (those answer limit TIME).
        const drained = drainWasRequested(buffer) && (result as { limit?: string } | null)?.limit === 'TIME';
        return { result, stopped: signal?.aborted === true || drained };
      } finally {
        inFlight.delete(buffer);
        Atomics.sub(occupied, 0, 1);
        if (poll) clearInterval(poll);
        incumbents?.port1.close();
        signal?.removeEventListener('abort', stop);
        control.drain?.removeEventListener('abort', drainThis);
      }
    },

    async stats() {
      return { backend: 'threads', ...pool.stats() };
    },
    workload() {
      const { threads, queued, busy } = pool.stats();
      return { threads, queued, busy };
    },
    drain() {
      draining = true;
      for (const buffer of inFlight.keys()) requestDrain(buffer);
    },
    isReady: () => pool.isReady(),
    close: () => pool.destroy(),
  };
}
