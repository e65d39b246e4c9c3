// The service's side of the time limit for sweeps (Pareto points, what-if scenarios): an answer
// stops waiting for a solve at a fixed time, whatever the solve does. The solver keeps its own
// deadlines; this holds the request's limit even where a phase of it overran (a loaded machine:
// the process off the CPU for a few hundred milliseconds) or the solve waited for a thread.
import { FALLBACK_GRACE_MS, outOfTimeInfeasibility } from '../model/time-floor.js';
import type { AllocateResult } from '../model/types.js';
import { MODEL_VERSION, SOLVER_VERSION } from '../solver/version.js';

/**
 * When the service stops waiting for a sweep's solve due at `deadlineAt` (epoch ms). Never before
 * the solver's own grace and one solve's answer (`solveReserveMs`: copied back, checked, stored) past
 * the deadline: a solve that used its slot in full answers then, and giving it up sooner turned real
 * plans into NO_SOLUTION_FOUND on an idle machine. Where the contract's tolerance (timeLimitMs × 0.1
 * + 50 ms, docs/time-limits.md) leaves more, up to that tolerance less twice the whole answer's
 * reserve (`reserveMs`): a scenario due at the end of the limit (the limit less one reserve) is
 * then given up at the contract's bound less three reserves, what is left of the answer after it on
 * an event loop that shares two cores with the solver threads, and the timer's own lateness there
 * (1,000 × 50, two scenarios, load 4.7, one reserve less: 69 ms from the give-up to the end of the
 * response, of 90). Never past the contract's bound less two reserves, whatever the grace asks.
 */
export function giveUpAt(
  deadlineAt: number,
  t: { receivedAt: number; limitMs: number; reserveMs: number; solveReserveMs: number },
): number {
  const contractEnd = t.receivedAt + t.limitMs * 1.1 + 50;
  const tolerance = Math.max(0, t.limitMs * 0.1 + 50 - 2 * t.reserveMs);
  const wait = Math.max(tolerance, FALLBACK_GRACE_MS + t.solveReserveMs);
  return Math.min(deadlineAt + wait, contractEnd - 2 * t.reserveMs);
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
        // (late() may throw: normalising a body again for its hash. A rejection, never an uncaught throw in a timer.)
        try {
          resolve(late());
        } catch (err) {
          reject(err);
        }
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
    infeasibilities: [outOfTimeInfeasibility()],
    solver: {
      algorithm,
      version: `${SOLVER_VERSION} (model ${MODEL_VERSION})`,
      solveTimeMs,
      statistics: { termination: 'TIME', phasesMs: {}, searchSteps: 0, boundEvaluations: 0, trace: [] },
    },
  };
}
