// Shaping a solve's answer (status code and body), shared by the sync routes and the jobs API: a
// job's result is exactly what the sync endpoint answers. Sending it is routes/reply.ts's job.
import { answerJson } from '../cache/stored-answer.js';
import { NonFiniteResultError } from './errors.js';
import { firstNonFinite } from './finite.js';
import { infeasibleProblem } from './problems.js';
import type { ParetoResult, Solved, SolvedParetoPoint } from './types.js';
import type { Solved as WhatIfSolved, WhatIfResult } from './what-if.js';

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
export function withRequestFields(resultJson: string, cache: string, requestHash: string): string {
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

// The text of a sweep's answer, written while the sweep runs (routes/pareto.ts, routes/what-if.ts
// pass `point` / `base` to the service as CallOptions.onPoint / onBase): each Pareto point, and the
// what-if base, is JSON as soon as it is solved, while later solves still run, and the answer is
// sent as that text. After the last deadline only the last points are left to write, and no
// response-schema serialiser runs (its first run in a fresh process took 45–210 ms for 3 × 1,000
// devices, past the time limit). Jobs take the object form (they store results as JSON values).
// Every solve's answer in it passed the service's finite-number check (NonFiniteResultError); what the
// sweep adds (a scenario's delta) is checked here: JSON.stringify never meets a NaN to turn into null.

/** A Pareto answer's text, point by point. */
export interface ParetoText {
  /** CallOptions.onPoint: writes the point's JSON (all of it but `dominated`). */
  point(index: number, point: SolvedParetoPoint): void;
  /** The answer's text for `result`, undefined unless every point of it was written. */
  text(result: ParetoResult): string | undefined;
}

export function paretoText(): ParetoText {
  const written: string[] = [];
  return {
    point(index, point) {
      // a point always has keys: its text ends in '}'
      written[index] = JSON.stringify(point).slice(0, -1);
    },
    text(result) {
      const parts = result.points.map((p, i) => (written[i] === undefined ? undefined : `${written[i]},"dominated":${p.dominated}}`));
      if (parts.some((p) => p === undefined)) return undefined;
      return `{"points":[${parts.join(',')}],"front":${JSON.stringify(result.front)},"solveTimeMs":${JSON.stringify(result.solveTimeMs)}}`;
    },
  };
}

/** A what-if answer's text, its base written while the scenarios solve. */
export interface WhatIfText {
  /** CallOptions.onBase: writes the base as POST /allocate sends it (the cached bytes on a hit). */
  base(base: WhatIfSolved): void;
  /** The answer's text for `result`, undefined unless its base was written. */
  text(result: WhatIfResult): string | undefined;
}

export function whatIfText(): WhatIfText {
  let base: { requestHash: string; json: string } | undefined;
  return {
    base(solved) {
      const json = solved.stored?.bytes ?? answerJson(solved.result);
      base = { requestHash: solved.requestHash, json: withRequestFields(json, solved.cache, solved.requestHash) };
    },
    text(result) {
      if (base === undefined || base.requestHash !== result.base.requestHash) return undefined;
      return `{"base":${base.json},"scenarios":${JSON.stringify(result.scenarios)},"solveTimeMs":${JSON.stringify(result.solveTimeMs)}}`;
    },
  };
}

/**
 * /allocate/pareto: feasibility does not depend on the weights, so when no point is feasible the
 * instance is not (422). With `text` (written while the sweep ran) a 200 is sent as that text.
 */
export function paretoAnswer(result: ParetoResult, instance?: string, text?: ParetoText): Answer {
  if (result.points.length > 0 && result.points.every((p) => p.status === 'INFEASIBLE')) {
    const infeasibilities = result.points[0].infeasibilities ?? [];
    return { statusCode: 422, body: { ...infeasibleProblem(INFEASIBLE_DETAIL, instance), infeasibilities, ...result } };
  }
  const json = text?.text(result);
  return { statusCode: 200, body: json ?? { ...result } };
}

/**
 * /allocate/what-if: always 200; an infeasible base or scenario is reported in its own status. A
 * scenario figure that is not finite (a delta beyond double precision) is refused as the service
 * refuses such an answer (NonFiniteResultError → 400 NUMERIC_RANGE), text or object.
 */
export function whatIfAnswer(result: WhatIfResult, text?: WhatIfText): Answer {
  const bad = firstNonFinite(result.scenarios);
  if (bad !== null) throw new NonFiniteResultError('what-if', `scenarios${bad.path.startsWith('[') ? '' : '.'}${bad.path}`, bad.value);
  const json = text?.text(result);
  return { statusCode: 200, body: json ?? { ...result } };
}
