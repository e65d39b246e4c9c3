// What every solver answer says about its run (solver.statistics): why it stopped, time per phase,
// and a few points of the objective and bound over time. Each kind extends RunStatistics with the
// work it counts (allocate: search steps and bound evaluations; blocks: bisection steps; evaluate:
// bound passes). Pure bookkeeping, no imports: the model's types and every solver share it.

/**
 * Why a run ended. GAP: the answer is proven within the tolerance asked for; CONVERGED: the run
 * ended on its own; TIME: the time limit; INTERRUPTED: a cancel, a disconnect or a shutdown asked
 * for the best answer at hand.
 */
export type Termination = 'GAP' | 'CONVERGED' | 'TIME' | 'INTERRUPTED';

/** The best objective and bound known at one moment of a run. */
export interface TracePoint {
  /** milliseconds since the run started */
  atMs: number;
  objective?: number;
  bound?: number;
}

/** What every kind's solver.statistics holds. */
export interface RunStatistics {
  termination: Termination;
  /** wall milliseconds per phase, in the order they ran (phases that did not run are absent) */
  phasesMs: Record<string, number>;
  /** a few points of the best objective and bound so far (at most TRACE_POINTS) */
  trace: TracePoint[];
}

/** Points kept in a trace: the first ones, then thinned evenly (the last is always kept). */
export const TRACE_POINTS = 12;

/** Appends `point`, first thinning a full trace: the first point stays, every second of the rest goes. */
export function addTracePoint(trace: TracePoint[], point: TracePoint): void {
  if (trace.length >= TRACE_POINTS) {
    const kept = trace.filter((_, i) => i === 0 || i % 2 === 1);
    trace.splice(0, trace.length, ...kept);
  }
  trace.push(point);
}

/** Runs `run` and adds its wall time (milliseconds, fractional) to phasesMs[name]. */
export function timePhase<T>(phasesMs: Record<string, number>, name: string, run: () => T): T {
  const startedAt = performance.now();
  try {
    return run();
  } finally {
    phasesMs[name] = (phasesMs[name] ?? 0) + (performance.now() - startedAt);
  }
}
