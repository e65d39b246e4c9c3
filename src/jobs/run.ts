// Running one job's solve through a SolveService: the same call the sync route makes, shaped the
// same way, so a job's result is exactly what the sync endpoint answers. Shared by the in-memory
// job store and the queue worker. One entry per job kind: each problem kind that may run as a job
// (solve/kinds/index.ts, derived), plus pareto and what-if (sweeps of allocate solves).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/key.js';
import { answerObject, paretoAnswer, solvedAnswer, whatIfAnswer, type Answer } from '../solve/answer.js';
import { InputError, normalize } from '../model/normalize.js';
import { JOB_PROBLEM_KINDS, PROBLEM_KINDS, type BodyOf, type JobProblemKind, type ProblemKind } from '../solve/kinds/index.js';
import { paretoWeights, pointRequest } from '../solve/pareto.js';
import type { CallOptions, ParetoRequest, SolveService } from '../solve/types.js';
import { baseRequest, checkScenarios, type WhatIfRequest } from '../solve/what-if.js';
import type { JobKind, JobSubmission, SweepJobKind } from './types.js';

interface JobAnswer {
  result: Record<string, unknown>;
  resultStatusCode: number;
  /** the solve was stopped (cancel) and this is its best answer so far */
  stopped: boolean;
}

interface JobKindSpec {
  /** Normalises the input as its solve will, so a bad job is a 400 at submission, not a failed job. */
  check(input: unknown): void;
  run(service: SolveService, input: unknown, call: CallOptions): Promise<{ answer: Answer; stopped: boolean }>;
}

/** A problem kind as a job: its normaliser checks, the service solves it. */
function problemJob<K extends ProblemKind>(kind: K): JobKindSpec {
  return {
    check: (input) => (PROBLEM_KINDS[kind].normalize as (body: BodyOf<K>) => unknown)(input as BodyOf<K>),
    run: async (service, input, call) => {
      const out = await service.solve(kind, input as BodyOf<K>, call);
      return { answer: solvedAnswer(out), stopped: out.stopped === true };
    },
  };
}

const SWEEP_JOBS: Record<SweepJobKind, JobKindSpec> = {
  pareto: {
    check(input) {
      const body = input as ParetoRequest;
      if ((body.objective as { weights?: unknown } | undefined)?.weights !== undefined) {
        throw new InputError('input.objective.weights', 'not allowed here: the weights come from pareto');
      }
      const weights = paretoWeights(body.pareto);
      normalize(pointRequest(body, weights[0]));
    },
    run: async (service, input, call) => ({
      answer: paretoAnswer(await service.allocatePareto(input as ParetoRequest, call)),
      stopped: call.signal?.aborted === true,
    }),
  },
  'what-if': {
    check(input) {
      const body = input as WhatIfRequest;
      normalize(baseRequest(body));
      checkScenarios(body);
    },
    run: async (service, input, call) => ({
      answer: whatIfAnswer(await service.allocateWhatIf(input as WhatIfRequest, call)),
      stopped: call.signal?.aborted === true,
    }),
  },
};

const JOBS = {
  ...(Object.fromEntries(JOB_PROBLEM_KINDS.map((kind) => [kind, problemJob(kind)])) as Record<JobProblemKind, JobKindSpec>),
  ...SWEEP_JOBS,
} satisfies Record<JobKind, JobKindSpec>;

export async function runJob(service: SolveService, kind: JobKind, input: unknown, call: CallOptions): Promise<JobAnswer> {
  // A job's limit counts from its thread: it waits its turn without a deadline penalty.
  const { answer, stopped } = await JOBS[kind].run(service, input, { ...call, limitFromStart: true });
  // A sweep's answer is its object here (no onPoint/onBase text is written for a job): nothing to parse back.
  return { result: answerObject(answer), resultStatusCode: answer.statusCode, stopped };
}

/** Normalises the input as its solve will, so a bad job is a 400 at submission, not a failed job. */
export function checkJobInput(kind: JobKind, input: unknown): void {
  JOBS[kind].check(input);
}

/** What an Idempotency-Key is bound to: the job's kind, input and time limit, canonically. */
export function submissionDigest(job: Pick<JobSubmission, 'kind' | 'input' | 'timeLimitMs'>): string {
  return createHash('sha256')
    .update(canonicalJson({ kind: job.kind, input: job.input, timeLimitMs: job.timeLimitMs ?? null }))
    .digest('hex');
}
