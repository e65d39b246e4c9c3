// The registry of problem kinds: one entry per kind (its spec in kinds/<kind>.ts). The service,
// the job runner (JOB_KINDS), admission and the queue worker read it; the thread side's table of
// solve functions and the HTTP side's list of endpoints (routes/solve-endpoints.ts) are typed from
// it, so the compiler asks for their entries when a kind is added here.
import { allocateKind } from './allocate.js';
import { blocksKind } from './blocks.js';
import { evaluateKind } from './evaluate.js';
import type { ProblemKindSpec } from './spec.js';

export const PROBLEM_KINDS = {
  allocate: allocateKind,
  blocks: blocksKind,
  evaluate: evaluateKind,
};

/** A kind the service solves with one solver call (Pareto and what-if are sweeps of allocate solves, not kinds). */
export type ProblemKind = keyof typeof PROBLEM_KINDS;
type SpecOf<K extends ProblemKind> = (typeof PROBLEM_KINDS)[K];
export type BodyOf<K extends ProblemKind> = Parameters<SpecOf<K>['normalize']>[0];
export type InputOf<K extends ProblemKind> = ReturnType<SpecOf<K>['normalize']>;
export type ThreadInputOf<K extends ProblemKind> = ReturnType<SpecOf<K>['toThread']>;
export type ResultOf<K extends ProblemKind> = SpecOf<K> extends ProblemKindSpec<any, any, any, infer R> ? R : never;

/** Kinds POST /jobs does not take (an evaluation answers within a sync request's time). */
const SYNC_ONLY = ['evaluate'] as const satisfies readonly ProblemKind[];
/** The problem kinds that may also run as jobs: every kind not in SYNC_ONLY, in registry order. */
export type JobProblemKind = Exclude<ProblemKind, (typeof SYNC_ONLY)[number]>;
export const JOB_PROBLEM_KINDS = (Object.keys(PROBLEM_KINDS) as ProblemKind[]).filter(
  (kind): kind is JobProblemKind => !(SYNC_ONLY as readonly ProblemKind[]).includes(kind),
);
