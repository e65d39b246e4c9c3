// The errors a solve may end in, whichever backend ran it; the HTTP layer maps each to a status.

/** The codes of a 503 OverloadedError (docs/input-validation.md); errors.ts answers with the one thrown. */
export const OVERLOADED_CODES = ['OVERLOADED', 'QUEUE_UNAVAILABLE', 'SOLVE_FAILED', 'NO_PLAN_IN_TIME'] as const;
export type OverloadedCode = (typeof OVERLOADED_CODES)[number];

/**
 * Answer 503 with Retry-After: the worker queue is full or the work ahead leaves too little of the
 * limit (OVERLOADED), the queue is unreachable (QUEUE_UNAVAILABLE), a queue worker failed the solve
 * (SOLVE_FAILED), or a sync solve ran and found no plan within its limit (NO_PLAN_IN_TIME: the machine
 * gave it too little CPU, not a full queue).
 */
export class OverloadedError extends Error {
  constructor(
    readonly retryAfterS: number,
    message = 'solver queue is full',
    readonly code: OverloadedCode = 'OVERLOADED',
  ) {
    super(message);
    this.name = 'OverloadedError';
  }
}

/**
 * The solver's answer holds a number that is not finite: the instance's values, each within its
 * range, combine beyond what double precision can represent. Answered as a 400 (NUMERIC_RANGE) naming
 * the number; the ranges and normalisation checks exist so that this never happens.
 */
export class NonFiniteResultError extends Error {
  constructor(
    readonly kind: string,
    readonly path: string,
    readonly value: number,
  ) {
    super(`the ${kind} answer's ${path} is ${value}: the instance's values combine beyond double precision`);
    this.name = 'NonFiniteResultError';
  }
}

/** A solve stopped before it started: its caller cancelled it (jobs report `cancelled`). */
export class StoppedBeforeStartError extends Error {
  constructor() {
    super('the solve was stopped before it started');
    this.name = 'StoppedBeforeStartError';
  }
}
