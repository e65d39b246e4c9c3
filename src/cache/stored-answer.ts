// How an answer is stored in the cache: one header line (whether it is final, its gap, its status)
// and then the answer's JSON exactly as it will be sent. A hit decides from the header whether the
// answer is good enough and serves the bytes as they are: no parse, no re-serialisation.

export interface AnswerMeta {
  /**
   * false when the solver stopped its search early (at its time limit, on a proven gap, or because
   * it was stopped): a later solve may do better. Only a final answer serves every request.
   */
  final: boolean;
  /** relative gap to the proven bound, when there is one */
  gap?: number;
  /**
   * The options.relativeGap an OPTIMAL answer was proven at. Its own gap may lie a hair above it (a
   * solver resolves gaps only so finely: relativeGap 0 stops at its finest), so a repeat of the same
   * request is served by this, not by the gap.
   */
  provenWithin?: number;
  status: string;
}

export interface StoredAnswer {
  meta: AnswerMeta;
  /** the answer's JSON */
  bytes: string;
}

interface Scorable {
  status: string;
  /** why the solve ended (allocate answers): a GAP answer serves only the tolerances its gap meets */
  termination?: string;
  limit?: string;
  gap?: number;
  /** the tolerance the solve stopped at (options.relativeGap) */
  relativeGap?: number;
}

export function answerMeta(result: Scorable): AnswerMeta {
  return {
    // Final: the search ended on its own (a bound cut short by time does not change the allocation).
    final: result.limit !== 'TIME' && result.termination !== 'GAP',
    ...(typeof result.gap === 'number' && Number.isFinite(result.gap) ? { gap: result.gap } : {}),
    ...(result.status === 'OPTIMAL' && typeof result.relativeGap === 'number' ? { provenWithin: result.relativeGap } : {}),
    status: result.status,
  };
}

/** Whether an answer may be cached at all: faults are not, nor time-limited answers without a gap. */
export function storable(meta: AnswerMeta): boolean {
  return meta.status !== 'ERROR' && (meta.final || meta.gap !== undefined);
}

// A fresh answer's JSON, written once: the cache stores it and the reply sends it (solve/answer.ts),
// each used to serialise the result anew (a 1,000 × 50 answer is 0.6 MB of JSON). Results are
// read-only once solved (callers sharing a flight share the object), so the text stays theirs.
const answerTexts = new WeakMap<object, string>();

/** JSON.stringify(result), computed once per result object. */
export function answerJson(result: object): string {
  let text = answerTexts.get(result);
  if (text === undefined) {
    text = JSON.stringify(result);
    answerTexts.set(result, text);
  }
  return text;
}

export function encodeAnswer(result: Scorable): string {
  return `${JSON.stringify(answerMeta(result))}\n${answerJson(result)}`;
}

/** null for anything that is not an encoded answer (a corrupt entry is a miss). */
export function decodeAnswer(raw: string): StoredAnswer | null {
  const cut = raw.indexOf('\n');
  if (cut < 0) return null;
  try {
    const meta = JSON.parse(raw.slice(0, cut)) as AnswerMeta;
    if (typeof meta.final !== 'boolean' || typeof meta.status !== 'string') return null;
    return { meta, bytes: raw.slice(cut + 1) };
  } catch {
    return null;
  }
}

/**
 * A cached answer serves a request when it is final, its gap is within the request's tolerance, or
 * it was proven OPTIMAL at a tolerance no looser than the request's.
 */
export function servesRequest(meta: AnswerMeta, gapTolerance: number): boolean {
  return (
    meta.final ||
    (meta.gap !== undefined && meta.gap <= gapTolerance) ||
    (meta.provenWithin !== undefined && meta.provenWithin <= gapTolerance)
  );
}

/** Whether `candidate` should replace `current` in the cache: final beats time-limited, then the smaller gap. */
export function betterAnswer(candidate: AnswerMeta, current: AnswerMeta | null): boolean {
  if (current === null) return true;
  if (candidate.final !== current.final) return candidate.final;
  if (candidate.final) return true; // both final: the newer one (same answer, fresher TTL)
  return (candidate.gap ?? Infinity) < (current.gap ?? Infinity);
}
