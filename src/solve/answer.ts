// Shaping a solve's answer (status code and body), shared by the sync routes and the jobs API: a
// job's result is exactly what the sync endpoint answers. Sending it is routes/reply.ts's job.
import { answerJson } from '../cache/stored-answer.js';
import { infeasibleProblem } from './problems.js';
import type { ParetoResult, Solved } from './types.js';
import type { WhatIfResult } from './what-if.js';

export interface Answer {
  statusCode: 200 | 422;
  /** the response body: an object to serialise, or stored JSON to send as it is (text or UTF-8 bytes) */
  body: Record<string, unknown> | string | Buffer;
}

// The UTF-8 bytes of recent cache hits, keyed by request hash and checked against the stored text:
// a hot answer is encoded once, not on every hit. Bounded by entries (answers are tens of KB).
const HOT_ANSWERS = 256;
const hotAnswers = new Map<string, { stored: string; bytes: Buffer }>();

/** A result's JSON with the two per-request fields appended: no re-serialising of the result. */
function withRequestFields(resultJson: string, cache: string, requestHash: string): string {
  const tail = `"cache":${JSON.stringify(cache)},"requestHash":${JSON.stringify(requestHash)}}`;
  return resultJson === '{}' ? `{${tail}` : `${resultJson.slice(0, -1)},${tail}`;
}

function hitBytes(requestHash: string, stored: string): Buffer {
  const hot = hotAnswers.get(requestHash);
  if (hot !== undefined && hot.stored === stored) return hot.bytes;
  const bytes = Buffer.from(withRequestFields(stored, 'hit', requestHash), 'utf8');
  hotAnswers.delete(requestHash);
  hotAnswers.set(requestHash, { stored, bytes });
  if (hotAnswers.size > HOT_ANSWERS) hotAnswers.delete(hotAnswers.keys().next().value!);
  return bytes;
}

/**
 * /allocate and /allocate/blocks: the result with `cache` and `requestHash`; 422 when INFEASIBLE.
 * A fresh answer is serialised as the cache stores it (the very text: answerJson writes it once), so
 * a later hit sends the same bytes but for `"cache":"hit"`.
 */
export function solvedAnswer(
  out: Solved<{ status: string; infeasibilities?: unknown[]; termination?: string }>,
  instance?: string,
): Answer {
  if (out.stored !== undefined) {
    if (out.stored.status !== 'INFEASIBLE') return { statusCode: 200, body: hitBytes(out.requestHash, out.stored.bytes) };
    // Rare and small: parsed and shaped as the fresh answer was (the same bytes but for `cache`).
    const result = JSON.parse(out.stored.bytes) as { status: string; infeasibilities?: unknown[] };
    return { statusCode: 422, body: infeasibleBody(result, out.cache, out.requestHash, instance) };
  }
  // An instance that cannot be satisfied is the caller's problem, but a well-formed one: 422.
  let result = out.result;
  // Stopped early (cancel, shutdown): said so, unless the solver already says why it ended.
  if (out.stopped === true && result.termination === undefined) result = { ...result, termination: 'INTERRUPTED' };
  if (result.status === 'INFEASIBLE') return { statusCode: 422, body: infeasibleBody(result, out.cache, out.requestHash, instance) };
  return { statusCode: 200, body: withRequestFields(answerJson(result), out.cache, out.requestHash) };
}

const INFEASIBLE_DETAIL = 'no allocation meets every constraint: `infeasibilities` names the devices and constraints at fault';

/**
 * A 422 is a problem (RFC 9457) whose extension members are the solve's answer: its `status`
 * (INFEASIBLE) becomes the problem's `code`, everything else follows as it is.
 */
function infeasibleBody(
  result: { status: string; infeasibilities?: unknown[] },
  cache: string,
  requestHash: string,
  instance?: string,
): Record<string, unknown> {
  const { status: _solveStatus, ...fields } = result;
  return {
    ...infeasibleProblem(INFEASIBLE_DETAIL, instance),
    ...fields,
    infeasibilities: result.infeasibilities ?? [],
    cache,
    requestHash,
  };
}

/** The object form of an Answer's body (jobs store results as JSON values). */
export function answerObject(answer: Answer): Record<string, unknown> {
  if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) return JSON.parse(answer.body.toString()) as Record<string, unknown>;
  return answer.body;
}

/** /allocate/pareto: feasibility does not depend on the weights, so when no point is feasible the instance is not (422). */
export function paretoAnswer(result: ParetoResult, instance?: string): Answer {
  if (result.points.length > 0 && result.points.every((p) => p.status === 'INFEASIBLE')) {
    const infeasibilities = result.points[0].infeasibilities ?? [];
    const { json: _json, ...fields } = result;
    return { statusCode: 422, body: { ...infeasibleProblem(INFEASIBLE_DETAIL, instance), infeasibilities, ...fields } };
  }
  if (result.json !== undefined) return { statusCode: 200, body: result.json };
  const { json: _json, ...body } = result;
  return { statusCode: 200, body };
}

/** /allocate/what-if: always 200; an infeasible base or scenario is reported in its own status. */
export function whatIfAnswer(result: WhatIfResult): Answer {
  if (result.json !== undefined) return { statusCode: 200, body: result.json };
  const { json: _json, ...body } = result;
  return { statusCode: 200, body };
}
