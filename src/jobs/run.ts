// Running one job's solve through a SolveService: the same call the sync route makes, shaped the
// same way, so a job's result is exactly what the sync endpoint answers. Shared by the in-memory
// job store and the queue worker.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/key.js';
import { answerObject, paretoAnswer, solvedAnswer, type Answer } from '../http/answer.js';
import type { BlocksRequest } from '../blocks/request.js';
import { normalizeBlocksRequest } from '../blocks/normalize.js';
import type { AllocateRequest } from '../model/request.js';
import { InputError, normalize } from '../model/normalize.js';
import { paretoWeights, pointRequest } from '../services/pareto.js';
import type { CallOptions, ParetoRequest, SolveService } from '../services/types.js';
import type { JobKind, JobSubmission } from './types.js';

export interface JobAnswer {
  result: Record<string, unknown>;
  resultStatusCode: number;
  /** the solve was stopped (cancel) and this is its best answer so far */
  stopped: boolean;
}

export async function runJob(service: SolveService, kind: JobKind, input: unknown, call: CallOptions): Promise<JobAnswer> {
  call = { ...call, limitFromStart: true };
  let answer: Answer;
  let stopped = false;
  if (kind === 'pareto') {
    const result = await service.allocatePareto(input as ParetoRequest, call);
    answer = paretoAnswer(result);
    stopped = call.signal?.aborted === true;
  } else {
    const out = kind === 'allocate' ? await service.allocate(input as AllocateRequest, call) : await service.allocateBlocks(input as BlocksRequest, call);
    answer = solvedAnswer(out);
    stopped = out.stopped === true;
  }
  return { result: answerObject(answer), resultStatusCode: answer.statusCode, stopped };
}

/** Normalises the input as its solve will, so a bad job is a 400 at submission, not a failed job. */
export function checkJobInput(kind: JobKind, input: unknown): void {
  if (kind === 'allocate') normalize(input as AllocateRequest);
  else if (kind === 'blocks') normalizeBlocksRequest(input as BlocksRequest);
  else {
    const body = input as ParetoRequest;
    if ((body.objective as { weights?: unknown } | undefined)?.weights !== undefined) {
      throw new InputError('input.objective.weights', 'not allowed here: the weights come from pareto');
    }
    const weights = paretoWeights(body.pareto);
    normalize(pointRequest(body, weights[0]));
  }
}

/** What an Idempotency-Key is bound to: the job's kind, input and time limit, canonically. */
export function submissionDigest(job: Pick<JobSubmission, 'kind' | 'input' | 'timeLimitMs'>): string {
  return createHash('sha256')
    .update(canonicalJson({ kind: job.kind, input: job.input, timeLimitMs: job.timeLimitMs ?? null }))
    .digest('hex');
}
