// Large sweep answers (POST /allocate/pareto, /allocate/what-if) leave little to do after their last
// deadline: each Pareto point, and the what-if base, is handed to the answer's text writer
// (solve/answer.ts) as soon as it is solved, once its lane has taken the next solve, and the answer
// is sent as that text. Checked with real solver answers (OPTIMAL/FEASIBLE, INFEASIBLE, and
// NO_SOLUTION_FOUND as the solver shapes it) against the response schemas the service documents,
// and against what fastify's schema serialiser would keep (nothing stripped, keys in the schema's
// order); the order of hand-overs
// and solves is recorded, not timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { answerJson } from '../src/cache/stored-answer.js';
import { loadConfig } from '../src/config.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, Weights } from '../src/model/types.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { ParetoResponseSchema } from '../src/schemas/pareto.js';
import { WhatIfResponseSchema } from '../src/schemas/what-if.js';
import { paretoAnswer, paretoText, solvedAnswer, whatIfAnswer, whatIfText } from '../src/solve/answer.js';
import { NonFiniteResultError } from '../src/solve/errors.js';
import { solvePareto } from '../src/solve/pareto.js';
import type { Solved } from '../src/solve/types.js';
import { solveWhatIf, type WhatIfRequest } from '../src/solve/what-if.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { responseChecker, type ResponseCheck } from './fixtures/http-fuzz.js';
import { keyOrderProblems, schemaText, type SchemaText } from './fixtures/schema-text.js';

let app: App;
let check: ResponseCheck;
let paretoSchema: SchemaText;
let whatIfSchema: SchemaText;

beforeAll(async () => {
  await initGlpk();
  app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 1 });
  await app.ready();
  check = await responseChecker(app);
  paretoSchema = await schemaText(ParetoResponseSchema);
  whatIfSchema = await schemaText(WhatIfResponseSchema);
});
afterAll(async () => {
  await app?.close();
  await paretoSchema?.close();
  await whatIfSchema?.close();
});

let hashes = 0;
/** A real solve of `body` in this thread, as the service would return it (a miss). */
async function solve(body: AllocateRequest): Promise<Solved<AllocateResult>> {
  const { instance, options } = normalize(body);
  const result = await solveAllocate(instance, { ...options, timeLimitMs: 5000 });
  return { result, cache: 'miss', requestHash: `hash-${hashes++}` };
}

const example = (): AllocateRequest => structuredClone(ALLOCATE_REQUEST_EXAMPLE) as AllocateRequest;
const withWeights = (weights: Weights): AllocateRequest => ({ ...example(), objective: { ...example().objective, weights } });
/** No device fits its memory anywhere: INFEASIBLE whatever the weights. */
const infeasible = (): AllocateRequest => ({ ...example(), devices: example().devices.map((d) => ({ ...d, memoryBytes: 1 })) });

/** A solve that found no allocation in its time, shaped as the solver answers one (auto.ts outOfTime). */
function noSolution(shape: AllocateResult): AllocateResult {
  const { infeasibilities: _i, objective: _o, bound: _b, gap: _g, totals: _t, ...rest } = shape;
  return {
    ...rest,
    status: 'NO_SOLUTION_FOUND',
    termination: 'TIME',
    limit: 'TIME',
    allocations: [],
    infeasibilities: [{ constraint: 'timeLimitMs', deviceIds: [], detail: 'no allocation was complete within the time limit' }],
  } as AllocateResult;
}

const W: Weights[] = [
  { delay: 1, energy: 0, stability: 0 },
  { delay: 0, energy: 1, stability: 0 },
  { delay: 0.5, energy: 0.5, stability: 0 },
  { delay: 0, energy: 0, stability: 1 },
];

/** Each point's answer: two feasible, one INFEASIBLE, one NO_SOLUTION_FOUND. */
async function mixedPoints(): Promise<Solved<AllocateResult>[]> {
  const bad = await solve(infeasible());
  expect(bad.result.status).toBe('INFEASIBLE');
  const a = await solve(withWeights(W[0]));
  const b = await solve(withWeights(W[1]));
  expect(a.result.allocations.length).toBeGreaterThan(0);
  return [a, bad, { ...b, result: noSolution(b.result), requestHash: 'none' }, b];
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Pareto answer text', () => {
  for (const includeAllocations of [true, false]) {
    it(`mixed INFEASIBLE / NO_SOLUTION_FOUND points, includeAllocations ${includeAllocations}: the text is the documented answer`, async () => {
      const points = await mixedPoints();
      const text = paretoText();
      const result = await solvePareto({ weights: W, includeAllocations }, async (_w, i) => (await tick(), points[i]), {
        maxParallel: 2,
        onPoint: text.point,
      });
      const answer = paretoAnswer(result, undefined, text);
      expect(answer.statusCode).toBe(200);
      expect(typeof answer.body).toBe('string');
      const sent = answer.body as string;
      const parsed = JSON.parse(sent);
      expect(check('/allocate/pareto', 200, parsed)).toBeNull();
      // Nothing the schema serialiser would strip; keys in the schema's order.
      expect(JSON.parse(await paretoSchema.text(parsed))).toEqual(parsed);
      expect(keyOrderProblems(parsed, ParetoResponseSchema)).toEqual([]);
      expect(parsed).toEqual(JSON.parse(JSON.stringify(result)));
      expect(parsed.points.map((p: { status: string }) => p.status)).toEqual(points.map((p) => p.result.status));
      expect(parsed.points.map((p: { allocations: unknown[] }) => p.allocations.length)).toEqual(
        points.map((p) => (includeAllocations ? p.result.allocations.length : 0)),
      );
      expect(parsed.front.every((i: number) => parsed.points[i].totals !== undefined)).toBe(true);
    });
  }

  for (const maxParallel of [1, 2]) {
    it(`maxParallel ${maxParallel}: a point is handed over after its lane took the next point, before that one is solved`, async () => {
      const events: string[] = [];
      const solved = await solve(withWeights(W[0]));
      const n = 6;
      const weights = Array.from({ length: n }, () => W[0]);
      const text = paretoText();
      const result = await solvePareto(
        { weights, includeAllocations: true },
        async (_w, i) => {
          events.push(`start ${i}`);
          await tick();
          events.push(`end ${i}`);
          return { ...solved, requestHash: `p${i}` };
        },
        {
          maxParallel,
          onPoint: (i, point) => {
            events.push(`write ${i}`);
            text.point(i, point);
          },
        },
      );
      const at = (e: string) => {
        expect(events).toContain(e);
        return events.indexOf(e);
      };
      for (let i = 0; i < n; i++) {
        expect(at(`write ${i}`)).toBeGreaterThan(at(`end ${i}`));
        if (i + maxParallel < n) {
          // the lane's next point started first, and this one is written while it solves
          expect(at(`write ${i}`)).toBeGreaterThan(at(`start ${i + maxParallel}`));
          expect(at(`write ${i}`)).toBeLessThan(at(`end ${i + maxParallel}`));
        }
      }
      // every point was handed over before the result returned
      expect(typeof paretoAnswer(result, undefined, text).body).toBe('string');
    });
  }

  it('without every point written (a writer the service never called) the answer is the object form', async () => {
    const solved = await solve(withWeights(W[0]));
    const result = await solvePareto({ weights: [W[0]], includeAllocations: true }, async () => solved, { maxParallel: 1 });
    const answer = paretoAnswer(result, undefined, paretoText());
    expect(typeof answer.body).toBe('object');
    expect(answer.body).toEqual(result);
  });

  it('a writer that throws fails the sweep (no answer built from missing text)', async () => {
    const solved = await solve(withWeights(W[0]));
    const sweep = solvePareto({ weights: [W[0], W[1]], includeAllocations: true }, async () => solved, {
      maxParallel: 1,
      onPoint: () => {
        throw new Error('writer broke');
      },
    });
    await expect(sweep).rejects.toThrow('writer broke');
  });
});

describe('what-if answer text', () => {
  const body = (): WhatIfRequest => ({
    ...example(),
    options: { timeLimitMs: 5000 },
    scenarios: [
      { name: 'es-1 +50% bandwidth', changes: [{ op: 'scaleBandwidth', serverId: 'es-1', factor: 1.5 }] },
      { name: 'no memory', changes: [{ op: 'scaleFrequency', serverId: 'es-1', factor: 2 }] },
      { name: 'out of time', changes: [{ op: 'scaleFrequency', serverId: 'es-2', factor: 2 }] },
    ],
  });

  /** The base as given; scenario 1 answered INFEASIBLE, scenario 2 NO_SOLUTION_FOUND (real answers, shaped so). */
  async function run(base: Solved<AllocateResult>, onBase: (b: Solved<AllocateResult>) => void, events: string[] = []) {
    const bad = await solve(infeasible());
    let calls = 0;
    let baseHandedOver = () => {};
    const handedOver = new Promise<void>((resolve) => (baseHandedOver = resolve));
    return solveWhatIf(body(), {
      async allocate(snapshot) {
        const i = calls++;
        if (i === 0) return base;
        events.push(`start ${i}`);
        // Scenario 1 ends once the base is handed over, or after 2 s if it never is while scenarios
        // solve (the order then fails the test): not a race between a 1 ms timer and setImmediate,
        // which a loaded machine decided the wrong way.
        await (i === 1 ? Promise.race([handedOver, new Promise((resolve) => setTimeout(resolve, 2000))]) : tick());
        const s = await solve(snapshot);
        events.push(`end ${i}`);
        if (i === 2) return { ...bad, requestHash: 'infeasible' };
        if (i === 3) return { ...s, result: noSolution(s.result) };
        return s;
      },
      parallel: 2,
      receivedAt: Date.now(),
      limitMs: 5000,
      reserveMs: 0,
      onBase: (b) => {
        events.push('base');
        onBase(b);
        baseHandedOver();
      },
    });
  }

  it("the base is POST /allocate's text, written while the scenarios solve; the whole is the documented answer", async () => {
    const base = await solve(example());
    const text = whatIfText();
    const events: string[] = [];
    const result = await run(base, text.base, events);
    expect(events.indexOf('base')).toBeGreaterThan(events.indexOf('start 1'));
    expect(events.indexOf('base')).toBeLessThan(events.indexOf('end 1'));
    const answer = whatIfAnswer(result, text);
    expect(typeof answer.body).toBe('string');
    const sent = answer.body as string;
    const parsed = JSON.parse(sent);
    expect(check('/allocate/what-if', 200, parsed)).toBeNull();
    expect(JSON.parse(await whatIfSchema.text(parsed))).toEqual(parsed);
    expect(keyOrderProblems(parsed, WhatIfResponseSchema)).toEqual([]);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(result)));
    expect(parsed.scenarios.slice(1).map((s: { status: string }) => s.status)).toEqual(['INFEASIBLE', 'NO_SOLUTION_FOUND']);
    expect(parsed.scenarios[0].status).toMatch(/^(OPTIMAL|FEASIBLE)$/);
    // The base's bytes are those POST /allocate sends for the same solve.
    expect(sent.startsWith(`{"base":${solvedAnswer(base).body as string},"scenarios":`)).toBe(true);
  });

  it('a cached base is sent as its stored bytes, not serialised again', async () => {
    const fresh = await solve(example());
    const stored = { bytes: answerJson(fresh.result), status: fresh.result.status };
    // What a hit's result is: parsed from the stored bytes; serialising it would be the second time.
    const parsed = JSON.parse(stored.bytes) as AllocateResult;
    Object.defineProperty(parsed, 'toJSON', {
      enumerable: false,
      value: () => {
        throw new Error('the base was serialised again');
      },
    });
    const hit: Solved<AllocateResult> = { result: parsed, cache: 'hit', requestHash: fresh.requestHash, stored };
    const text = whatIfText();
    const result = await run(hit, text.base);
    const sent = whatIfAnswer(result, text).body as string;
    expect(check('/allocate/what-if', 200, JSON.parse(sent))).toBeNull();
    const allocateHit = solvedAnswer(hit).body;
    expect(Buffer.isBuffer(allocateHit)).toBe(true);
    expect(sent.startsWith(`{"base":${allocateHit.toString()},"scenarios":`)).toBe(true);
    expect(JSON.parse(sent).base.cache).toBe('hit');
  });

  it('a scenario figure beyond double precision is refused (NUMERIC_RANGE), not written as null', async () => {
    const base = await solve(example());
    const text = whatIfText();
    const result = await run(base, text.base);
    const first = result.scenarios[0];
    expect(first.delta).toBeDefined();
    const broken = {
      ...result,
      scenarios: [{ ...first, delta: { ...first.delta!, objective: Number.POSITIVE_INFINITY } }, ...result.scenarios.slice(1)],
    };
    expect(() => whatIfAnswer(broken, text)).toThrow(NonFiniteResultError);
    expect(() => whatIfAnswer(broken)).toThrow(/scenarios\[0\]\.delta\.objective is Infinity/);
  });
});
