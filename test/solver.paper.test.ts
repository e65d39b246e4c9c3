// The publication's method (src/solver/paper, docs/model.md §1.7) as a pure function. Proves, on seeded
// instances (bounded, < 40 s):
//  • every answer is feasible (evaluate() finds no violation), including memory limits,
//    inferenceOnly / zeroth-order devices, maxDevices, missing channels and loose deadlines;
//  • on tiny instances its objective is never below the exhaustive optimum (test/reference);
//  • with normalisation and weights 1/1/1 it improves on the normalisation's reference point (objective 3);
//  • it is deterministic, honours deadlineAt (a past deadline: quick, stoppedByTime, feasible)
//    and throws when no allocation exists.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { peakMemoryBytes } from '../src/model/cost.js';
import { evaluate, referenceDecisions } from '../src/model/evaluate.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { Instance, SolveOptions } from '../src/model/types.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { solvePaper } from '../src/solver/paper/index.js';
import { exhaustiveReference } from './reference/exhaustive.js';

const OPTIONS: SolveOptions = { timeLimitMs: 10_000, baselines: false, algorithm: 'paper', seed: 1, relativeGap: 1e-4 };

beforeAll(async () => {
  await initGlpk();
});

function instanceOf(body: AllocateRequest): Instance {
  return normalize(body).instance;
}

function run(I: Instance, ms = 10_000) {
  const r = solvePaper(I, OPTIONS, Date.now() + ms);
  const ev = evaluate(I, r.decisions);
  return { ...r, ev };
}

describe('paper method on tiny instances (exhaustive optimum)', () => {
  const WEIGHTS = [
    { delay: 1, energy: 1, stability: 1 },
    { delay: 1, energy: 0, stability: 0.1 },
    { delay: 0.2, energy: 1, stability: 0.05 },
    { delay: 1, energy: 0.5, stability: 3 },
  ];
  const cases = Array.from({ length: 12 }, (_, k) => {
    const o: GeneratorOptions = {
      ...TINY_PRESET,
      devices: 1 + (k % 3),
      servers: k % 4 === 0 ? 1 : 2,
      layers: 4 + (k % 4),
      objective: { weights: WEIGHTS[k % WEIGHTS.length], normalize: k % 5 !== 4 },
    };
    if (k % 6 === 1) o.maxDevices = 1 + (k % 2);
    if (k % 6 === 3) o.memory = { fraction: 0.8, factor: [0.15, 1] };
    if (k % 6 === 5) {
      o.inferenceOnlyFraction = 0.5;
      o.trainingModes = ['auto', 'backprop', 'zeroth-order'];
    }
    if (k % 6 === 2) {
      o.channel = 'gains';
      o.coverageM = 350;
    }
    const body = generateRequest(2000 + k, o);
    if (k % 6 === 3 || k % 6 === 5) body.model.zerothOrderStepMultiplier = 2;
    return { k, body };
  });
  for (const c of cases) {
    it(`case ${c.k}: feasible and never below the optimum`, () => {
      const I = instanceOf(c.body);
      const ref = exhaustiveReference(I);
      if (!ref.feasible) {
        expect(() => run(I)).toThrow('paper: no feasible allocation');
        return;
      }
      const r = run(I);
      expect(r.ev.violations).toEqual([]);
      expect(r.ev.objective).toBeGreaterThanOrEqual(ref.objective * (1 - 1e-7));
      expect(r.stoppedByTime).toBe(false);
      expect(r.iterations).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('paper method on paper-scale instances', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed} (16 devices × 4 servers): feasible and better than the reference point (3)`, () => {
      const I = instanceOf(generateRequest(seed, { devices: 16, servers: 4 }));
      const reference = evaluate(I, referenceDecisions(I));
      expect(reference.objective).toBeCloseTo(3, 9);
      const r = run(I);
      expect(r.ev.violations).toEqual([]);
      expect(r.ev.objective).toBeLessThan(reference.objective);
      expect(r.stoppedByTime).toBe(false);
    });
  }

  it('memory limits, inferenceOnly and zeroth-order devices, maxDevices: feasible, modes respected', () => {
    const body = generateRequest(11, {
      devices: 14,
      servers: 4,
      maxDevices: [3, 6],
      memory: { fraction: 0.6, factor: [0.1, 1.2] },
      inferenceOnlyFraction: 0.3,
      trainingModes: ['auto', 'backprop', 'zeroth-order'],
    });
    const I = instanceOf(body);
    const r = run(I);
    expect(r.ev.violations).toEqual([]);
    let zerothOrder = 0;
    I.devices.forEach((d, n) => {
      // backprop whenever the device can use it at all (the publication knows only backprop)
      const backprop = { kind: 'backprop' as const };
      const canBackprop =
        d.modes.some((m) => m.kind === 'backprop') &&
        (d.memoryBytes === null || peakMemoryBytes(I, d, d.minSplitLayer, backprop) <= d.memoryBytes);
      expect(r.decisions[n].mode.kind).toBe(canBackprop ? 'backprop' : 'zeroth-order');
      if (!canBackprop) zerothOrder++;
    });
    expect(zerothOrder).toBeGreaterThan(0);
  });

  it('loose deadlines are met', () => {
    const body = generateRequest(21, { devices: 12, servers: 3, deadlines: { fraction: 0.5, factor: [1.0, 2.0] } });
    const I = instanceOf(body);
    const r = run(I);
    expect(r.ev.violations).toEqual([]);
  });

  it('is deterministic', () => {
    const I = instanceOf(generateRequest(5, { devices: 20, servers: 5, maxDevices: [3, 8] }));
    const a = run(I);
    const b = run(I);
    expect(b.decisions).toEqual(a.decisions);
    expect(b.iterations).toBe(a.iterations);
  });

  it('respects deadlineAt: a deadline already past returns quickly, stopped by time, feasible', () => {
    const I = instanceOf(generateRequest(1, { devices: 50, servers: 10 }));
    const t0 = Date.now();
    const r = solvePaper(I, OPTIONS, t0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.stoppedByTime).toBe(true);
    const ev = evaluate(I, r.decisions);
    expect(ev.violations).toEqual([]);
    expect(ev.objective).toBeLessThan(3);
  });

  it('throws when no allocation exists', () => {
    const body = generateRequest(77, { ...TINY_PRESET, devices: 3, servers: 2, layers: 6 });
    body.devices[1].memoryBytes = 1000; // below one layer's weights
    expect(() => run(instanceOf(body))).toThrow('paper: no feasible allocation');
  });
});

describe('paper method: property (fast-check)', () => {
  it('every answer on random small instances is feasible and no worse than a feasible reference point', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 4, max: 16 }),
        fc.boolean(),
        fc.constantFrom('none', 'memory', 'modes', 'capacity', 'gains', 'splits'),
        (seed, devices, servers, layers, tiny, feature) => {
          const o: GeneratorOptions = { ...(tiny ? TINY_PRESET : {}), devices, servers, layers };
          if (feature === 'memory') o.memory = { fraction: 0.7, factor: [0.1, 1.5] };
          if (feature === 'modes') {
            o.inferenceOnlyFraction = 0.3;
            o.trainingModes = ['auto', 'backprop', 'zeroth-order'];
          }
          if (feature === 'capacity') o.maxDevices = Math.max(1, Math.ceil(devices / servers) + 1);
          if (feature === 'gains') {
            o.channel = 'gains';
            o.coverageM = tiny ? 350 : 250;
          }
          if (feature === 'splits') o.splitRangeFraction = 0.7;
          const I = instanceOf(generateRequest(seed, o));
          let r;
          try {
            r = run(I, 5000);
          } catch (e) {
            // only instances with a device that cannot hold its smallest split may be infeasible here
            expect(String(e)).toContain('paper: no feasible allocation');
            expect(feature).toBe('memory');
            return;
          }
          expect(r.ev.violations).toEqual([]);
          const ref = evaluate(I, referenceDecisions(I));
          if (ref.violations.length === 0) expect(r.ev.objective).toBeLessThanOrEqual(ref.objective * (1 + 1e-9));
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });
});
