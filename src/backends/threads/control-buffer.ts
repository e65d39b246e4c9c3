// The solve control channel across a thread boundary. A solver thread is busy in synchronous code,
// so it cannot receive messages while it works: stop requests and progress travel through one
// small SharedArrayBuffer instead (the solver polls the stop flag at its deadline checks; the
// owner polls progress). Both sides of the layout live here.
import type { SolvePhase, SolveProgress } from '../../solver/control.js';

// Int32 view: [0] flags, [1] progress sequence (odd while a write is under way).
// Float64 view from byte 8: [0] objective, [1] bound, [2] phase code, [3] epoch ms of the update,
// [4] epoch ms the task reached its thread.
const FLAGS = 0;
const SEQ = 1;
const STOP = 1;
const STARTED = 2;
/** The service is shutting down: a running solve answers its best now, one not started a quick plan. */
const DRAIN = 4;
const PHASES: SolvePhase[] = ['start', 'search', 'deadlines', 'bound', 'done'];

export function createControlBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + 5 * 8);
}

const ints = (b: SharedArrayBuffer) => new Int32Array(b, 0, 2);
const floats = (b: SharedArrayBuffer) => new Float64Array(b, 8, 5);

/** Owner side: ask the solve to stop and answer with its best so far (or not to start at all). */
export function requestStop(buffer: SharedArrayBuffer): void {
  Atomics.or(ints(buffer), FLAGS, STOP);
}

export function stopWasRequested(buffer: SharedArrayBuffer): boolean {
  return (Atomics.load(ints(buffer), FLAGS) & STOP) !== 0;
}

/**
 * Owner side: the process is draining (SIGTERM). Unlike a stop (nobody wants the answer), the
 * caller still waits: a solve under way answers with its best so far at its next time check, and
 * one that has not started yet still runs, briefly, to give a quick feasible plan.
 */
export function requestDrain(buffer: SharedArrayBuffer): void {
  Atomics.or(ints(buffer), FLAGS, DRAIN);
}

export function drainWasRequested(buffer: SharedArrayBuffer): boolean {
  return (Atomics.load(ints(buffer), FLAGS) & DRAIN) !== 0;
}

/** Solver side: the task reached a thread (its time is written before the flag is raised). */
export function markStarted(buffer: SharedArrayBuffer, now = Date.now()): void {
  floats(buffer)[4] = now;
  Atomics.or(ints(buffer), FLAGS, STARTED);
}

export function hasStarted(buffer: SharedArrayBuffer): boolean {
  return (Atomics.load(ints(buffer), FLAGS) & STARTED) !== 0;
}

/** Epoch ms the task reached its thread, or undefined while it waits. */
export function startedAt(buffer: SharedArrayBuffer): number | undefined {
  return hasStarted(buffer) ? floats(buffer)[4] : undefined;
}

/** Solver side: publish a progress snapshot (a sequence lock keeps readers from torn values). */
export function writeProgress(buffer: SharedArrayBuffer, progress: SolveProgress, now = Date.now()): void {
  const i = ints(buffer);
  const f = floats(buffer);
  Atomics.add(i, SEQ, 1);
  f[0] = progress.objective ?? Number.NaN;
  f[1] = progress.bound ?? Number.NaN;
  f[2] = PHASES.indexOf(progress.phase);
  f[3] = now;
  Atomics.add(i, SEQ, 1);
}

interface ProgressSnapshot extends SolveProgress {
  /** epoch ms of this snapshot */
  at: number;
  /** grows with every snapshot; 0 = none yet */
  sequence: number;
}

/** Owner side: the latest snapshot, or null when none was written yet. */
export function readProgress(buffer: SharedArrayBuffer): ProgressSnapshot | null {
  const i = ints(buffer);
  const f = floats(buffer);
  for (let attempt = 0; attempt < 100; attempt++) {
    const before = Atomics.load(i, SEQ);
    if (before === 0) return null;
    if (before % 2 === 1) continue;
    const [objective, bound, phase, at] = [f[0], f[1], f[2], f[3]];
    if (Atomics.load(i, SEQ) !== before) continue;
    return {
      phase: PHASES[phase] ?? 'search',
      ...(Number.isFinite(objective) ? { objective } : {}),
      ...(Number.isFinite(bound) ? { bound } : {}),
      at,
      sequence: before / 2,
    };
  }
  return null;
}

/**
 * Whether an allocate solve holding `buffer` should stop now: asked to, or draining once it has a
 * plan to answer with (solve-worker.ts's rule for allocate; its pass helper follows the same).
 */
export function allocateShouldStop(buffer: SharedArrayBuffer): boolean {
  return stopWasRequested(buffer) || (drainWasRequested(buffer) && readProgress(buffer)?.objective !== undefined);
}
