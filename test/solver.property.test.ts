// Property tests (fast-check, fixed seeds, bounded runs) of solveAllocate on random small-to-medium
// instances from the seeded generator (2–30 devices, 1–6 servers, 4–32 layers, paper-scale or
// miniature physics, with and without normalisation, maxDevices, memory limits, training-mode
// restrictions, split ranges and deadlines). Proves, for every answer:
//  • every returned allocation is feasible (evaluate() finds no violation);
//  • the reported objective, totals and reference are exactly evaluate()'s / referenceTotals();
//  • bound ≤ objective, gap consistent;
//  • `auto` is never worse than any baseline (issue 3's list), each baseline's objective being
//    consistent with its totals;
//  • deadline instances: every deadline met, or INFEASIBLE naming devices; with deadlines that a
//    known allocation (the normalisation's reference point) meets, a feasible answer no worse than it.
//    (NO_SOLUTION_FOUND is accepted only with limit TIME, and must name the late devices.)
//  • the shipped examples answer within their time limit (issue 2: a solve past its limit returns
//    its best feasible answer with limit TIME), with a generous 2×limit + 0.5 s allowance.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { effectiveWeights, evaluate, objectiveScales, referenceDecisions, referenceTotals } from '../src/model/evaluate.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, Instance, SolveOptions, TrainingMode } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { allocationToDecisions, deadlineVerdict } from './reference/exhaustive.js';

const EXACT = 1e-9;
const TIME_LIMIT_MS = 1500;
const OPTIONS: SolveOptions = { timeLimitMs: TIME_LIMIT_MS, baselines: true, algorithm: 'auto', seed: 1, relativeGap: 1e-4 };
/** Baselines issue 3 requires on every answer (`paper` only when affordable, so not required). */
const REQUIRED_BASELINES = ['edge-heavy', 'local-heavy', 'split-only', 'resources-only', 'greedy-association', 'random-association'];

const WEIGHTS = [
  { delay: 1, energy: 1, stability: 1 },
  { delay: 1, energy: 0, stability: 0.1 },
  { delay: 0.2, energy: 1, stability: 0.05 },
  { delay: 1, energy: 1, stability: 0 },
  { delay: 0.5, energy: 2, stability: 5 },
];

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

interface Params {
  seed: number;
  devices: number;
  servers: number;
  layers: number;
  physics: 'paper' | 'tiny';
  weights: number;
  normalize: boolean;
  includeUplinkDelay: boolean;
  maxDevices: boolean;
  memory: boolean;
  modes: boolean;
  splitRanges: boolean;
}

const paramsArb: fc.Arbitrary<Params> = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  devices: fc.integer({ min: 2, max: 30 }),
  servers: fc.integer({ min: 1, max: 6 }),
  layers: fc.integer({ min: 4, max: 32 }),
  physics: fc.constantFrom('paper' as const, 'tiny' as const),
  weights: fc.integer({ min: 0, max: WEIGHTS.length - 1 }),
  normalize: fc.boolean(),
  includeUplinkDelay: fc.boolean(),
  maxDevices: fc.boolean(),
  memory: fc.boolean(),
  modes: fc.boolean(),
  splitRanges: fc.boolean(),
});

function build(p: Params, extra: GeneratorOptions = {}): AllocateRequest {
  const base: GeneratorOptions = p.physics === 'tiny' ? { ...TINY_PRESET } : {};
  const o: GeneratorOptions = {
    ...base,
    devices: p.devices,
    servers: p.servers,
    layers: p.layers,
    objective: { weights: WEIGHTS[p.weights], normalize: p.normalize, includeUplinkDelay: p.includeUplinkDelay },
    ...extra,
  };
  if (p.maxDevices) o.maxDevices = Math.ceil(p.devices / p.servers) + 1;
  if (p.memory) o.memory = { fraction: 0.5, factor: [0.2, 1.5] };
  if (p.modes) {
    o.inferenceOnlyFraction = 0.2;
    o.trainingModes = ['auto', 'auto', 'backprop', 'zeroth-order'];
  }
  if (p.splitRanges) o.splitRangeFraction = 0.5;
  return generateRequest(p.seed, o);
}

/** Smallest memory any allowed mode needs at α_min, bytes (via evaluate()'s peakMemoryBytes). */
function minimumMemory(I: Instance, n: number): number {
  const d = I.devices[n];
  const ref = referenceDecisions(I);
  let best = Infinity;
  for (const mode of d.modes as TrainingMode[]) {
    const decs = ref.map((x, i) => (i === n ? { ...x, splitLayer: d.minSplitLayer, mode } : x));
    best = Math.min(best, evaluate(I, decs).devices[n].peakMemoryBytes);
  }
  return best;
}

function describeParams(p: Params): string {
  return JSON.stringify(p);
}

/** The checks every answer must pass; returns a string when the answer is a proven infeasibility. */
function checkAnswer(I: Instance, res: AllocateResult, ctx: string): 'feasible' | 'infeasible' {
  if (process.env.REF_VERBOSE) {
    console.log(
      `${ctx}\n${res.status}${res.limit ? ' limit=' + res.limit : ''} objective=${res.objective} gap=${res.gap} time=${res.solver.solveTimeMs}ms ${I.devices.length}×${I.servers.length}×${I.layers} ${JSON.stringify(res.infeasibilities ?? [])}`,
    );
  }
  // reference totals are the normalisation reference point's (docs/model.md §1.3)
  const refTotals = referenceTotals(I);
  expect(rel(res.reference.delayS, refTotals.delayS), ctx).toBeLessThanOrEqual(EXACT);
  expect(rel(res.reference.energyJ, refTotals.energyJ), ctx).toBeLessThanOrEqual(EXACT);
  expect(rel(res.reference.stability, refTotals.stability), ctx).toBeLessThanOrEqual(EXACT);

  if (res.status === 'INFEASIBLE' || res.status === 'NO_SOLUTION_FOUND') {
    if (res.status === 'NO_SOLUTION_FOUND') expect(res.limit, `${ctx}: NO_SOLUTION_FOUND without a limit`).toBe('TIME');
    const named = (res.infeasibilities ?? []).flatMap((x) => x.deviceIds);
    expect(named.length, `${ctx}: infeasibility must name devices`).toBeGreaterThan(0);
    const ids = new Set(I.devices.map((d) => d.id));
    for (const id of named) expect(ids.has(id), `${ctx}: unknown device ${id}`).toBe(true);
    return 'infeasible';
  }
  expect(['OPTIMAL', 'FEASIBLE'], ctx).toContain(res.status);
  expect(res.allocations, ctx).toHaveLength(I.devices.length);
  const decisions = allocationToDecisions(I, res.allocations);
  const scales = objectiveScales(I);
  const ev = evaluate(I, decisions, scales);
  expect(ev.violations, ctx).toEqual([]);
  const objective = res.objective as number;
  expect(rel(ev.objective, objective), ctx).toBeLessThanOrEqual(EXACT);
  expect(res.totals, ctx).toBeDefined();
  expect(rel(ev.totals.delayS, res.totals!.delayS), ctx).toBeLessThanOrEqual(EXACT);
  expect(rel(ev.totals.energyJ, res.totals!.energyJ), ctx).toBeLessThanOrEqual(EXACT);
  expect(rel(ev.totals.stability, res.totals!.stability), ctx).toBeLessThanOrEqual(EXACT);
  // per-device reported figures are those of the returned decisions
  res.allocations.forEach((a) => {
    const n = I.devices.findIndex((d) => d.id === a.deviceId);
    expect(rel(a.delayS.total, ev.devices[n].delayS.total), ctx).toBeLessThanOrEqual(EXACT);
    expect(rel(a.energyJ.total, ev.devices[n].energyJ.total), ctx).toBeLessThanOrEqual(EXACT);
    expect(rel(a.stabilityBound, ev.devices[n].stabilityBound), ctx).toBeLessThanOrEqual(EXACT);
    expect(rel(a.peakMemoryBytes, ev.devices[n].peakMemoryBytes), ctx).toBeLessThanOrEqual(EXACT);
  });
  if (res.bound !== undefined) {
    expect(res.bound, ctx).toBeLessThanOrEqual(objective * (1 + EXACT));
    if (res.gap !== undefined && objective > 0) expect(res.gap, ctx).toBeCloseTo((objective - res.bound) / objective, 9);
  }
  return 'feasible';
}

function checkBaselines(I: Instance, res: AllocateResult, ctx: string): void {
  const names = res.baselines.map((b) => b.name);
  for (const name of REQUIRED_BASELINES) expect(names, `${ctx}: baseline ${name} missing`).toContain(name);
  const w = effectiveWeights(I, objectiveScales(I));
  const objective = res.objective as number;
  for (const b of res.baselines) {
    expect(Number.isFinite(b.objective), `${ctx}: baseline ${b.name}`).toBe(true);
    // a baseline's objective is the weighted sum (docs/model.md §1.3) of its own totals
    const fromTotals = w.delay * b.totals.delayS + w.energy * b.totals.energyJ + w.stability * b.totals.stability;
    expect(rel(fromTotals, b.objective), `${ctx}: baseline ${b.name} objective vs totals`).toBeLessThanOrEqual(EXACT);
    // baselines ignore deadlines only: without deadlines every one is feasible; auto is never
    // worse than a feasible one (an infeasible one may well have a lower objective)
    if (!I.devices.some((d) => d.deadlineS !== null))
      expect(b.feasible, `${ctx}: baseline ${b.name} infeasible without deadlines`).toBe(true);
    if (b.feasible)
      expect(objective, `${ctx}: auto ${objective} worse than ${b.name} ${b.objective}`).toBeLessThanOrEqual(b.objective * (1 + EXACT));
  }
}

describe('solveAllocate properties on random instances', () => {
  it('feasible, self-consistent, bounded, and never worse than any baseline', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, async (p) => {
        const body = build(p);
        const I = normalize(body).instance;
        const res = await solveAllocate(I, { ...OPTIONS });
        const ctx = describeParams(p);
        const outcome = checkAnswer(I, res, ctx);
        if (outcome === 'infeasible') {
          // without deadlines the only cause is memory: every named device must really not fit
          expect(res.status, ctx).toBe('INFEASIBLE');
          for (const id of (res.infeasibilities ?? []).flatMap((x) => x.deviceIds)) {
            const n = I.devices.findIndex((d) => d.id === id);
            expect(I.devices[n].memoryBytes, ctx).not.toBeNull();
            expect(minimumMemory(I, n), `${ctx}: ${id} named infeasible but fits`).toBeGreaterThan(I.devices[n].memoryBytes!);
          }
          return;
        }
        // and conversely a feasible answer means every device fits somewhere (checked by evaluate)
        checkBaselines(I, res, ctx);
      }),
      { numRuns: 14, seed: 20241, endOnFailure: true },
    );
  });

  it("algorithm 'paper' (issue 3): its output is feasible and self-consistent too", { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, async (p) => {
        const I = normalize(build(p)).instance;
        const res = await solveAllocate(I, { ...OPTIONS, algorithm: 'paper', baselines: false });
        const ctx = `paper ${describeParams(p)}`;
        if (checkAnswer(I, res, ctx) === 'infeasible') expect(res.status, ctx).toBe('INFEASIBLE');
      }),
      { numRuns: 5, seed: 20244, endOnFailure: true },
    );
  });

  it('deadlines that a known allocation meets: a feasible answer meeting them, no worse than that allocation', {
    timeout: 180_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, fc.double({ min: 1, max: 3, noNaN: true }), async (p0, slack) => {
        const p = { ...p0, memory: false, maxDevices: false };
        const body = build(p);
        // Witness: the normalisation's reference point. Give every device the deadline slack × its delay there.
        const I0 = normalize(body).instance;
        const witness = evaluate(I0, referenceDecisions(I0));
        body.devices.forEach((d, n) => (d.deadlineS = witness.devices[n].physicalDelayS * slack));
        const I = normalize(body).instance;
        const witnessEv = evaluate(I, referenceDecisions(I));
        const ctx = `${describeParams(p)} slack=${slack}`;
        expect(witnessEv.violations, ctx).toEqual([]);
        const res = await solveAllocate(I, { ...OPTIONS });
        expect(checkAnswer(I, res, ctx), `${ctx}: status ${res.status} on a feasible instance`).toBe('feasible');
        expect(res.objective!, ctx).toBeLessThanOrEqual(witnessEv.objective * (1 + EXACT));
      }),
      { numRuns: 8, seed: 20242, endOnFailure: true },
    );
  });

  it('arbitrary deadlines: every deadline met, or INFEASIBLE naming the devices at fault', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, async (p0) => {
        const p = { ...p0, memory: false };
        const body = build(p, { deadlines: { fraction: 0.6, factor: [0.05, 2] } });
        const I = normalize(body).instance;
        const res = await solveAllocate(I, { ...OPTIONS });
        const ctx = describeParams(p);
        const outcome = checkAnswer(I, res, ctx);
        if (outcome === 'feasible') {
          const ev = evaluate(I, allocationToDecisions(I, res.allocations));
          I.devices.forEach((d, n) => {
            if (d.deadlineS !== null)
              expect(ev.devices[n].physicalDelayS, `${ctx}: ${d.id}`).toBeLessThanOrEqual(d.deadlineS * (1 + EXACT));
          });
        } else {
          // the named devices carry deadlines
          for (const id of (res.infeasibilities ?? []).flatMap((x) => x.deviceIds)) {
            expect(I.devices.find((d) => d.id === id)!.deadlineS, `${ctx}: ${id} named but has no deadline`).not.toBeNull();
          }
        }
      }),
      { numRuns: 10, seed: 20243, endOnFailure: true },
    );
  });
});

describe('deadline answers agree with an independent feasibility verdict', () => {
  // deadlineVerdict (test/reference/exhaustive.ts) proves infeasibility by priced budgets (weak
  // duality) or feasibility by a witness allocation that evaluate() accepts; the solver must agree:
  // a witness means a feasible answer no worse than the witness, a proof means INFEASIBLE.
  it('proven feasible → feasible answer; proven infeasible → INFEASIBLE', { timeout: 180_000 }, async () => {
    const smallArb = fc.record({
      p: paramsArb,
      devices: fc.integer({ min: 2, max: 16 }),
      servers: fc.integer({ min: 1, max: 4 }),
      layers: fc.integer({ min: 4, max: 16 }),
      tight: fc.double({ min: 0.05, max: 1, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(smallArb, async ({ p: p0, devices, servers, layers, tight }) => {
        const p = { ...p0, devices, servers, layers, physics: 'tiny' as const };
        const body = build(p, { deadlines: { fraction: 0.6, factor: [tight, 3] } });
        const I = normalize(body).instance;
        const v = deadlineVerdict(I);
        const res = await solveAllocate(I, { ...OPTIONS, baselines: false });
        const ctx = `${describeParams(p)} tight=${tight} verdict=${v.verdict} solver=${res.status}${res.limit ? '+' + res.limit : ''}`;
        const outcome = checkAnswer(I, res, ctx);
        if (v.verdict === 'feasible') {
          expect(outcome, `${ctx}: a witness allocation meets every deadline`).toBe('feasible');
          expect(res.objective!, ctx).toBeLessThanOrEqual(evaluate(I, v.witness).objective * (1 + EXACT));
        } else if (v.verdict === 'infeasible') {
          expect(res.status, `${ctx}: infeasibility is proven`).toBe('INFEASIBLE');
        }
      }),
      { numRuns: 12, seed: 20245, endOnFailure: true },
    );
  });

  // Fixed cases found by the properties above (kept as regressions).
  it('12 × 2 × 9 with deadlines, proven feasible by a witness: a feasible answer within the default limit', {
    timeout: 60_000,
  }, async () => {
    const body = generateRequest(5, {
      ...TINY_PRESET,
      devices: 12,
      servers: 2,
      layers: 9,
      objective: { weights: { delay: 0.2, energy: 1, stability: 0.05 }, normalize: true },
      deadlines: { fraction: 0.6, factor: [0.1, 4] },
    });
    const { instance: I, options } = normalize(body);
    const v = deadlineVerdict(I);
    expect(v.verdict).toBe('feasible');
    const res = await solveAllocate(I, options); // default time limit
    const ctx = `seed 5: solver ${res.status}${res.limit ? '+' + res.limit : ''} ${JSON.stringify(res.infeasibilities ?? [])}`;
    expect(checkAnswer(I, res, ctx), ctx).toBe('feasible');
    if (v.verdict === 'feasible') expect(res.objective!, ctx).toBeLessThanOrEqual(evaluate(I, v.witness).objective * (1 + EXACT));
  });

  it('27 devices on one server with deadlines, proven infeasible by priced budgets: INFEASIBLE naming devices', {
    timeout: 60_000,
  }, async () => {
    const body = generateRequest(609225, {
      ...TINY_PRESET,
      devices: 27,
      servers: 1,
      layers: 5,
      maxDevices: 28,
      splitRangeFraction: 0.5,
      objective: { weights: { delay: 0.2, energy: 1, stability: 0.05 }, normalize: false, includeUplinkDelay: false },
      deadlines: { fraction: 0.6, factor: [0.05, 2] },
    });
    const { instance: I, options } = normalize(body);
    expect(deadlineVerdict(I).verdict).toBe('infeasible');
    const res = await solveAllocate(I, options);
    const ctx = `seed 609225: solver ${res.status}${res.limit ? '+' + res.limit : ''}`;
    expect(res.status, ctx).toBe('INFEASIBLE');
    expect((res.infeasibilities ?? []).flatMap((x) => x.deviceIds).length, ctx).toBeGreaterThan(0);
  });
});

describe('time limit (issue 2) on the shipped examples', () => {
  for (const file of ['small.json', 'paper-scale.json']) {
    it(`examples/${file}: a feasible answer within 2 × timeLimitMs + 0.5 s`, { timeout: 180_000 }, async () => {
      const body = JSON.parse(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8')) as AllocateRequest;
      const { instance, options } = normalize(body);
      const t0 = Date.now();
      const res = await solveAllocate(instance, options);
      const wall = Date.now() - t0;
      const ctx = `examples/${file}: status ${res.status}, limit ${res.limit}, solveTimeMs ${res.solver.solveTimeMs}, wall ${wall} ms, timeLimitMs ${options.timeLimitMs}`;
      expect(checkAnswer(instance, res, ctx), ctx).toBe('feasible');
      checkBaselines(instance, res, ctx);
      expect(wall, ctx).toBeLessThanOrEqual(2 * options.timeLimitMs + 500);
    });
  }
});
