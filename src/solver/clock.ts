// The solver's only source of time. Every deadline check of a solve goes through these few
// functions, so a cancellation (a deadline that becomes "now") has exactly one place to hook in.
// Deadlines are absolute epoch milliseconds (Date.now()), so they cross worker threads as numbers.
import { solverNow } from './control.js';

/** Date.now(), or past every deadline once the caller asked the solve to stop (control.ts). */
export function now(): number {
  return solverNow();
}

/** The deadline has passed: stop starting work and answer with what is at hand. */
export function expired(deadlineAt: number): boolean {
  return now() >= deadlineAt;
}

/** Milliseconds left before the deadline (negative once it has passed). */
export function remainingMs(deadlineAt: number): number {
  return deadlineAt - now();
}

/**
 * One solve's time: it starts at `startedAt` and must have its answer ready by `startedAt +
 * limitMs`. Phases get their own deadlines as shares of the limit (`at(0.55)`), so every phase
 * stops at a known point and later phases keep their share.
 */
export class SolveClock {
  readonly startedAt: number;
  readonly limitMs: number;

  // Real time, not the stoppable clock: a stop before the clock exists must not push every deadline past it.
  constructor(limitMs: number, startedAt = Date.now()) {
    this.startedAt = startedAt;
    this.limitMs = Math.max(0, limitMs);
  }

  /** The absolute deadline at `share` of the limit (1 = the end). */
  at(share: number): number {
    return this.startedAt + this.limitMs * share;
  }

  get endAt(): number {
    return this.at(1);
  }

  /** Wall time since the start (not the stopped clock: a cancelled solve still reports its real time). */
  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  expired(share = 1): boolean {
    return expired(this.at(share));
  }

  remainingMs(share = 1): number {
    return remainingMs(this.at(share));
  }
}
