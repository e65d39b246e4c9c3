// Shaping a solve's answer (status code and body), shared by the sync routes and the jobs API: a
// job's result is exactly what the sync endpoint answers. Sending it is routes/reply.ts's job.
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
 * A fresh answer is serialised as the cache stores it (JSON.stringify of the result), so a later
 * hit sends the same bytes but for `"cache":"hit"`.
 */
export function solvedAnswer(out: Solved<{ status: string; infeasibilities?: unknown[]; termination?: string }>): Answer {
  if (out.stored !== undefined) {
    return { statusCode: out.stored.status === 'INFEASIBLE' ? 422 : 200, body: hitBytes(out.requestHash, out.stored.bytes) };
  }
  const infeasible = out.result.status === 'INFEASIBLE';
  // An instance that cannot be satisfied is the caller's problem, but a well-formed one: 422.
  let result = infeasible && out.result.infeasibilities === undefined ? { ...out.result, infeasibilities: [] } : out.result;
  // Stopped early (cancel, shutdown): said so, unless the solver already says why it ended.
  if (out.stopped === true && (result as { termination?: string }).termination === undefined) result = { ...result, termination: 'INTERRUPTED' };
  return { statusCode: infeasible ? 422 : 200, body: withRequestFields(JSON.stringify(result), out.cache, out.requestHash) };
}

/** The object form of an Answer's body (jobs store results as JSON values). */
export function answerObject(answer: Answer): Record<string, unknown> {
  if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) return JSON.parse(answer.body.toString()) as Record<string, unknown>;
  return answer.body;
}

/** /allocate/pareto: feasibility does not depend on the weights, so when no point is feasible the instance is not (422). */
export function paretoAnswer(result: ParetoResult): Answer {
  if (result.points.length > 0 && result.points.every((p) => p.status === 'INFEASIBLE')) {
    const infeasibilities = result.points[0].infeasibilities ?? [];
    return { statusCode: 422, body: { status: 'INFEASIBLE', infeasibilities, ...result } };
  }
  return { statusCode: 200, body: { ...result } };
}

/** /allocate/what-if: always 200; an infeasible base or scenario is reported in its own status. */
export function whatIfAnswer(result: WhatIfResult): Answer {
  return { statusCode: 200, body: { ...result } };
}
