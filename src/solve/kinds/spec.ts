// What a problem kind is to the service: one object per kind (kinds/<kind>.ts), listed in
// kinds/index.ts. The service, the job runner, admission and the queue worker read it instead of
// switching on the kind; the thread side keeps its own table of solve functions
// (backends/threads/solve-worker.ts), typed from this one so the compiler keeps the two in step.

/** A normalised input: every kind has options with a time limit. */
export interface TimedInput {
  options: { timeLimitMs: number };
}

/** Every answer has a status (a SolveStatus): the cache, the metrics and the HTTP status read it. */
export interface StatusResult {
  status: string;
}

export interface ProblemKindSpec<Body, Input extends TimedInput, ThreadInput, Result extends StatusResult> {
  /** Part of every request hash of this kind: a new solver never serves an old answer. */
  solverVersion: string;
  /** Defaults applied and ranges checked; throws InputError (→ 400) naming the field. */
  normalize(body: Body): Input;
  /** The request hash of a normalised input (the cache key and the shared-solve id). */
  hash(input: Input): string;
  /** The least time a plan for this input needs, ms (its size's floor, docs/time-limits.md): admission refuses below it. */
  floorMs(input: Input): number;
  /** How the input crosses to a solver thread, with the options the task runs under. */
  toThread(input: Input, options: Input['options']): ThreadInput;
  /** Type only, never set: what the kind answers with (the thread's solve function must return it). */
  readonly result?: Result;
}

/**
 * A kind's spec, its four types named once: the request body, the normalised input, what crosses
 * to the thread and the answer.
 */
export const defineKind = <Body, Input extends TimedInput, ThreadInput, Result extends StatusResult>(
  spec: Omit<ProblemKindSpec<Body, Input, ThreadInput, Result>, 'result'>,
): ProblemKindSpec<Body, Input, ThreadInput, Result> => spec;
