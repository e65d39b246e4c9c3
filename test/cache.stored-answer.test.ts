// Cached answers carry their gap: served when final or within the request's tolerance, replaced
// only by a better one; a hit sends the stored bytes as they are.
import { describe, expect, it, vi } from 'vitest';
import { answerMeta, betterAnswer, decodeAnswer, encodeAnswer, servesRequest, storable } from '../src/cache/stored-answer.js';
import { createSolveService } from '../src/compose.js';
import { solvedAnswer } from '../src/solve/answer.js';
import { smallRequest } from './fixtures/allocate-requests.js';
import { CountingPool, cannedResult } from './fixtures/counting-pool.js';

describe('stored answers', () => {
  it('round-trips the answer bytes and its meta', () => {
    const result = cannedResult({ status: 'FEASIBLE', limit: 'TIME', gap: 0.004 });
    const stored = decodeAnswer(encodeAnswer(result))!;
    expect(stored.meta).toEqual({ final: false, gap: 0.004, status: 'FEASIBLE' });
    expect(stored.bytes).toBe(JSON.stringify(result));
    expect(decodeAnswer('{"status":"OPTIMAL"}')).toBeNull(); // an entry of the old format is a miss
  });

  it('an answer is final only when its search ended on its own: a GAP answer serves the tolerances its gap meets', () => {
    expect(answerMeta({ status: 'OPTIMAL', termination: 'CONVERGED', gap: 0 }).final).toBe(true);
    expect(answerMeta({ status: 'FEASIBLE', termination: 'TIME', gap: 0.3 }).final).toBe(true); // search ended, only the bound was cut
    expect(answerMeta({ status: 'OPTIMAL', termination: 'GAP', limit: 'TIME', gap: 5e-5 }).final).toBe(false);
    const gapStopped = answerMeta({ status: 'OPTIMAL', termination: 'GAP', gap: 8e-5 });
    expect(gapStopped).toEqual({ final: false, gap: 8e-5, status: 'OPTIMAL' });
    expect(storable(gapStopped)).toBe(true);
    expect(servesRequest(gapStopped, 1e-4)).toBe(true);
    expect(servesRequest(gapStopped, 0)).toBe(false); // relativeGap 0 asks for more than a gap stop
    // proven OPTIMAL at relativeGap 0 (the solver's finest, a hair above 0): the same request again is served
    const finest = answerMeta({ status: 'OPTIMAL', termination: 'GAP', relativeGap: 0, gap: 2.4e-7 });
    expect(servesRequest(finest, 0)).toBe(true);
    expect(servesRequest(answerMeta({ status: 'FEASIBLE', termination: 'TIME', limit: 'TIME', relativeGap: 0, gap: 2e-3 }), 0)).toBe(false);
    expect(servesRequest(answerMeta({ status: 'OPTIMAL', termination: 'GAP', relativeGap: 1e-3, gap: 8e-4 }), 1e-4)).toBe(false);
    expect(answerMeta({ status: 'FEASIBLE', termination: 'INTERRUPTED', limit: 'TIME', gap: 0.01 }).final).toBe(false);
    expect(answerMeta({ status: 'OPTIMAL' }).final).toBe(true); // answers without a termination (blocks): by their limit
  });

  it('serves final answers always, time-limited ones within the tolerance', () => {
    expect(servesRequest({ final: true, status: 'OPTIMAL' }, 0)).toBe(true);
    expect(servesRequest({ final: false, gap: 0.004, status: 'FEASIBLE' }, 0.001)).toBe(false);
    expect(servesRequest({ final: false, gap: 0.004, status: 'FEASIBLE' }, 0.01)).toBe(true);
    expect(servesRequest({ final: false, status: 'NO_SOLUTION_FOUND' }, 1)).toBe(false);
  });

  it('stores faults never, time-limited answers only with a gap; better replaces worse', () => {
    expect(storable(answerMeta({ status: 'ERROR' }))).toBe(false);
    expect(storable(answerMeta({ status: 'NO_SOLUTION_FOUND', limit: 'TIME' }))).toBe(false);
    expect(storable(answerMeta({ status: 'FEASIBLE', limit: 'TIME', gap: 0.2 }))).toBe(true);
    const worse = { final: false, gap: 0.01, status: 'FEASIBLE' };
    const better = { final: false, gap: 0.001, status: 'FEASIBLE' };
    const final = { final: true, gap: 0.001, status: 'FEASIBLE' };
    expect(betterAnswer(better, worse)).toBe(true);
    expect(betterAnswer(worse, better)).toBe(false);
    expect(betterAnswer(final, better)).toBe(true);
    expect(betterAnswer(better, final)).toBe(false);
    expect(betterAnswer(worse, null)).toBe(true);
  });
});

describe('the service caches time-limited answers with their gap', () => {
  const config = { redisUrl: undefined, solverThreads: 1, solverMaxQueue: 4, cacheTtlS: 60, cacheMaxEntries: 100 };

  it('serves a time-limited answer to a tolerant request, re-solves for a strict one, keeps the better answer', async () => {
    let gap = 0.02;
    const pool = new CountingPool(5, () => cannedResult({ status: 'FEASIBLE', limit: 'TIME', gap, bound: 1.5 * (1 - gap) }));
    const service = createSolveService(config, { pool });
    try {
      const strict = smallRequest(); // default tolerance: relativeGap 1e-4
      const tolerant = { ...smallRequest(), options: { ...smallRequest().options, gapTolerance: 0.05 } };
      expect((await service.solve('allocate', strict)).cache).toBe('miss');
      // Same problem (gapTolerance is not hashed), tolerance above the cached gap: a hit.
      const hit = await service.solve('allocate', tolerant);
      expect(hit.cache).toBe('hit');
      expect(hit.result.gap).toBe(0.02);
      expect(pool.runs).toBe(1);
      // A strict request solves again; a worse answer does not replace the better one.
      gap = 0.03;
      expect((await service.solve('allocate', strict)).cache).toBe('miss');
      expect((await service.solve('allocate', tolerant)).result.gap).toBe(0.02);
      // A better one does.
      gap = 0.00005;
      expect((await service.solve('allocate', strict)).cache).toBe('miss');
      const best = await service.solve('allocate', strict);
      expect(best.cache).toBe('hit');
      expect(best.result.gap).toBe(0.00005);
      expect(pool.runs).toBe(3);
    } finally {
      await service.close();
    }
  });

  it('a fresh answer is serialised once: the cached entry and the reply are the same text', async () => {
    const result = cannedResult({ status: 'OPTIMAL', termination: 'GAP', gap: 8e-5, bound: 1.5 * (1 - 8e-5) });
    const pool = new CountingPool(5, () => result);
    const service = createSolveService(config, { pool });
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const out = await service.solve('allocate', smallRequest());
      const answer = solvedAnswer(out);
      expect(out.cache).toBe('miss');
      expect(stringify.mock.calls.filter(([value]) => value === result)).toHaveLength(1);
      const reply = JSON.parse(answer.body as string) as Record<string, unknown>;
      expect(reply).toEqual({ ...JSON.parse(JSON.stringify(result)), cache: 'miss', requestHash: out.requestHash });
      // A hit sends the stored text: the same bytes but for `cache`.
      const hit = solvedAnswer(await service.solve('allocate', smallRequest()));
      expect(hit.body.toString()).toBe((answer.body as string).replace('"cache":"miss"', '"cache":"hit"'));
    } finally {
      stringify.mockRestore();
      await service.close();
    }
  });

  it('one knob: an answer that stopped on its gap serves requests whose relativeGap it meets, not relativeGap 0', async () => {
    const pool = new CountingPool(5, () => cannedResult({ status: 'OPTIMAL', termination: 'GAP', gap: 8e-5, bound: 1.5 * (1 - 8e-5) }));
    const service = createSolveService(config, { pool });
    const withOptions = (options: Record<string, unknown>) => ({ ...smallRequest(), options: { ...smallRequest().options, ...options } });
    try {
      expect((await service.solve('allocate', smallRequest())).cache).toBe('miss');
      expect((await service.solve('allocate', withOptions({ relativeGap: 1e-3 }))).cache).toBe('hit'); // relativeGap is not hashed
      expect((await service.solve('allocate', withOptions({ gapTolerance: 1e-3 }))).cache).toBe('hit'); // its former name
      expect(pool.runs).toBe(1);
      expect((await service.solve('allocate', withOptions({ relativeGap: 0 }))).cache).toBe('miss');
      expect((await service.solve('allocate', withOptions({ relativeGap: 1e-5 }))).cache).toBe('miss');
      expect(pool.runs).toBe(3);
    } finally {
      await service.close();
    }
  });
});
