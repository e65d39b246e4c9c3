// Large sweep answers (POST /allocate/pareto, /allocate/what-if) leave little to do after their last
// deadline: each Pareto point, and the what-if base, is written as JSON text when it is solved, while
// later solves still run, and the answer is sent as that text (no schema serialiser, whose first run
// in a fresh process took 45–210 ms for 3 × 1,000 devices, past the time limit). Checked by counting
// when a result is read, not by timing; and the text is the answer the object form describes.
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, Weights } from '../src/model/types.js';
import { paretoAnswer, whatIfAnswer } from '../src/solve/answer.js';
import { solvePareto } from '../src/solve/pareto.js';
import type { Solved } from '../src/solve/types.js';
import { solveWhatIf, type WhatIfRequest } from '../src/solve/what-if.js';

/** A minimal answer whose `objective` counts its readings in `reads[i]`. */
function fakeResult(objective: number, reads: number[], i: number): AllocateResult {
  const r = {
    status: 'FEASIBLE',
    termination: 'TIME',
    relativeGap: 1e-4,
    limit: 'TIME',
    totals: { delayS: objective, energyJ: 2 * objective, stability: 1 / objective },
    allocations: [],
    solver: { algorithm: 'auto', version: 'test', solveTimeMs: 1 },
    reference: { delayS: 1, energyJ: 1, stability: 1 },
  } as unknown as AllocateResult;
  Object.defineProperty(r, 'objective', { enumerable: true, get: () => ((reads[i] += 1), objective) });
  return r;
}

describe('answer text written as each solve ends', () => {
  it('Pareto: every earlier point is already written when the last one is solved; the text is the answer', async () => {
    const reads = [0, 0, 0];
    let readsAtLast: number[] = [];
    const weights: Weights[] = [
      { delay: 1, energy: 0, stability: 0 },
      { delay: 0, energy: 1, stability: 0 },
      { delay: 0, energy: 0, stability: 1 },
    ];
    const result = await solvePareto(
      { weights, includeAllocations: true },
      async (_w, i): Promise<Solved<AllocateResult>> => {
        if (i === 2) readsAtLast = [...reads];
        return { result: fakeResult(i + 1, reads, i), cache: 'miss', requestHash: `h${i}` };
      },
      { maxParallel: 1 },
    );
    expect(readsAtLast[0]).toBeGreaterThan(0);
    expect(readsAtLast[1]).toBeGreaterThan(0);
    const answer = paretoAnswer(result);
    expect(typeof answer.body).toBe('string');
    const { json: _json, ...object } = result;
    expect(JSON.parse(answer.body as string)).toEqual(JSON.parse(JSON.stringify(object)));
    expect(JSON.parse(answer.body as string).points.map((p: { dominated: boolean }) => p.dominated)).toEqual([false, false, false]);
  });

  it('what-if: the base is written before the scenarios end; the text is the answer', async () => {
    const reads = [0];
    let baseReadsWhenScenariosEnd = -1;
    const snapshot: AllocateRequest = generateRequest(3, { ...TINY_PRESET, devices: 6, servers: 3, channel: 'gains' });
    const body: WhatIfRequest = {
      ...snapshot,
      scenarios: [{ name: 'bw', changes: [{ op: 'scaleBandwidth', serverId: snapshot.servers[0].id, factor: 1.5 }] }],
    };
    let calls = 0;
    const out = await solveWhatIf(body, {
      async allocate() {
        const i = calls++;
        if (i === 0) return { result: fakeResult(1, reads, 0), cache: 'miss', requestHash: 'base' };
        await Promise.resolve();
        baseReadsWhenScenariosEnd = reads[0];
        return { result: fakeResult(2, [0], 0), cache: 'miss', requestHash: 'scenario' };
      },
      parallel: 2,
      receivedAt: Date.now(),
      limitMs: 1000,
      reserveMs: 0,
    });
    expect(baseReadsWhenScenariosEnd).toBeGreaterThan(0);
    const answer = whatIfAnswer(out);
    expect(typeof answer.body).toBe('string');
    const { json: _json, ...object } = out;
    expect(JSON.parse(answer.body as string)).toEqual(JSON.parse(JSON.stringify(object)));
  });
});
