// The problem kinds the service solves, one entry each: what a kind's solver version is (hashed, so a
// new solver never serves an old answer), how its body is normalised (InputError → 400) and how the
// normalised input is hashed. The service, the job runner and the queue worker read this table
// instead of switching on the kind; the thread side has its own table of solve functions
// (backends/threads/solve-worker.ts), which the compiler keeps in step with this one.
import { allocateRequestHash, requestHash, withoutRelativeGap } from '../cache/key.js';
import { normalizeBlocksRequest } from '../blocks/normalize.js';
import type { BlocksRequest } from '../blocks/request.js';
import type { BlocksInput, BlocksResult } from '../blocks/types.js';
import { BLOCKS_SOLVER_VERSION } from '../blocks/version.js';
import { normalize } from '../model/normalize.js';
import type { AllocateRequest } from '../model/request.js';
import type { AllocateResult, EvaluateResult, GivenAllocation, Instance, SolveOptions } from '../model/types.js';
import { normalizeEvaluateRequest, type EvaluateRequest } from '../model/evaluate-request.js';
import { SOLVER_VERSION } from '../solver/version.js';
import type { CallOptions, SolveService, Solved } from './types.js';

/** POST /allocate/evaluate's normalised input: the snapshot and the allocation to score. */
export interface EvaluateInput {
  instance: Instance;
  options: SolveOptions;
  given: GivenAllocation[];
}

export interface ProblemKindSpec<Body, Input extends { options: { timeLimitMs: number } }, Result> {
  /** Part of every request hash of this kind. */
  solverVersion: string;
  /** Defaults applied and ranges checked; throws InputError (→ 400) naming the field. */
  normalize(body: Body): Input;
  /** The request hash of a normalised input (the cache key and the shared-solve id). */
  hash(input: Input): string;
  /** The service method that solves it (what the sync route, a job and a queue worker call). */
  serve(service: SolveService, body: Body, call?: CallOptions): Promise<Solved<Result>>;
}

export const PROBLEM_KINDS = {
  allocate: {
    solverVersion: SOLVER_VERSION,
    normalize,
    // allocate hashes its long numeric arrays as bytes (fast at 10,000 devices).
    hash: (input) => allocateRequestHash(SOLVER_VERSION, input),
    serve: (service, body, call) => service.allocate(body, call),
  } satisfies ProblemKindSpec<AllocateRequest, { instance: Instance; options: SolveOptions }, AllocateResult>,
  blocks: {
    solverVersion: BLOCKS_SOLVER_VERSION,
    normalize: normalizeBlocksRequest,
    hash: (input) =>
      requestHash({
        kind: 'blocks',
        solverVersion: BLOCKS_SOLVER_VERSION,
        input: { ...input, options: withoutRelativeGap(input.options) },
      }),
    serve: (service, body, call) => service.allocateBlocks(body, call),
  } satisfies ProblemKindSpec<BlocksRequest, BlocksInput, BlocksResult>,
  evaluate: {
    // The bound comes from the allocate solver's pricing: its version.
    solverVersion: SOLVER_VERSION,
    normalize: normalizeEvaluateRequest,
    hash: (input) => requestHash({ kind: 'evaluate', solverVersion: SOLVER_VERSION, input }),
    serve: (service, body, call) => service.evaluate(body, call),
  } satisfies ProblemKindSpec<EvaluateRequest, EvaluateInput, EvaluateResult>,
};

/** A kind the service solves with one solver call (Pareto is a sweep of allocate solves, not a kind). */
export type ProblemKind = keyof typeof PROBLEM_KINDS;
export type BodyOf<K extends ProblemKind> = Parameters<(typeof PROBLEM_KINDS)[K]['normalize']>[0];
export type InputOf<K extends ProblemKind> = ReturnType<(typeof PROBLEM_KINDS)[K]['normalize']>;

/** What each kind answers with. */
export interface ResultOf {
  allocate: AllocateResult;
  blocks: BlocksResult;
  evaluate: EvaluateResult;
}

export const isProblemKind = (kind: string): kind is ProblemKind => Object.hasOwn(PROBLEM_KINDS, kind);
