// The service's side of the time limit for sweeps (Pareto points, what-if scenarios): an answer
// stops waiting for a solve at a fixed time, whatever the solve does. The solver keeps its own
// deadlines; this holds the request's limit even where a phase of it overran (a loaded machine:
// the process off the CPU for a few hundred milliseconds) or the solve waited for a thread.
import type { AllocateResult } from '../model/types.js';
import { MODEL_VERSION, SOLVER_VERSION } from '../solver/version.js';

/**
 * How long past a solve's deadline its answer is still waited for: the contract's own tolerance
 * (timeLimitMs × 0.1 + 50 ms, docs/time-limits.md) less twice the time the answer needs once every
 * solve is in (`reserveMs`), never below 0. A scenario due at the end of the limit (its deadline
 * is the limit less one reserve) is thus given up at the contract's bound less three reserves:
 * what is left of the answer after it, on an event loop that shares two cores with the solver
 * threads and other work, and the timer's own lateness there. (Measured with one reserve less:
 * 1,000 × 50, two scenarios, load 4.7: 69 ms from the give-up to the end of the response, of 90.)
 */
export function waitPastDeadlineMs(limitMs: number, reserveMs: number): number {
  return Math.max(0, limitMs * 0.1 + 50 - 2 * reserveMs);
}

/**
 * Runs `work` with a signal of its own and waits for it until `giveUpAt` (epoch ms) at the latest.
 * Then the signal is aborted (the solve stops at its next clock check: its thread is free sooner)
 * and `late()` is the answer; the solve's own answer, should it still come, is dropped.
 */
export function answerBy<T>(giveUpAt: number, work: (signal: AbortSignal) => Promise<T>, late: () => T, caller?: AbortSignal): Promise<T> {
  const own = new AbortController();
  const signal = caller ? AbortSignal.any([caller, own.signal]) : own.signal;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        own.abort();
        resolve(late());
      },
      Math.max(0, giveUpAt - Date.now()),
    );
    work(signal).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * The answer of a solve given up by the service (answerBy): NO_SOLUTION_FOUND with `limit: TIME`
 * and an infeasibility naming timeLimitMs, as the solver answers a solve that found no plan in its
 * time (auto.ts outOfTime), with a `solver` block (no phases: none ended).
 */
export function gaveUpResult(algorithm: string, relativeGap: number, startedAt: number): AllocateResult {
  const solveTimeMs = Date.now() - startedAt;
  return {
    status: 'NO_SOLUTION_FOUND',
    termination: 'TIME',
    relativeGap,
    limit: 'TIME',
    allocations: [],
    reference: { delayS: 0, energyJ: 0, stability: 0 },
    baselines: [],
    infeasibilities: [{ constraint: 'timeLimitMs', deviceIds: [], detail: 'no allocation was complete within the time limit' }],
    solver: {
      algorithm,
      version: `${SOLVER_VERSION} (model ${MODEL_VERSION})`,
      solveTimeMs,
      statistics: { termination: 'TIME', phasesMs: {}, searchSteps: 0, boundEvaluations: 0, trace: [] },
    },
  };
}
