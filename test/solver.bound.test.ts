// The Lagrangian bound must be a valid lower bound at ANY non-negative prices (weak duality).
// The solver clips `bound` to its objective and small instances are enumerated, so the dual
// function is tested here directly against the independent exhaustive optimum.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { effectiveWeights, objectiveScales } from '../src/model/evaluate.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import { dualValue, lagrangianBound } from '../src/solver/bound/bound.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { mulberry32 } from '../src/model/random.js';
import { createPlanContext, type PlanContext } from '../src/solver/pricing/member.js';
import { exhaustiveReference } from './reference/exhaustive.js';

beforeAll(async () => {
  await initGlpk();
});

function context(seed: number): { ctx: PlanContext; optimum: number } {
  const devices = 2 + (seed % 3);
  const servers = 1 + (seed % 2);
  const body = generateRequest(seed, {
    ...TINY_PRESET,
    devices,
    servers,
    layers: 4 + (seed % 4),
    // Capacities on half the instances: then the inner problem is the transportation LP.
    ...(seed % 2 === 1 && servers === 2 ? { maxDevices: Math.ceil(devices / 2) } : {}),
  });
  const { instance } = normalize(body);
  const scales = objectiveScales(instance);
  const ctx: PlanContext = createPlanContext(instance, effectiveWeights(instance, scales), buildDeviceModels(instance), 5000);
  const ref = exhaustiveReference(instance);
  expect(ref.feasible).toBe(true);
  return { ctx, optimum: ref.objective };
}

describe('Lagrangian dual bound', () => {
  it('never exceeds the exhaustive optimum, at the primal prices, after ascent, and at random prices', () => {
    let tight = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const { ctx, optimum } = context(seed);
      const plan = planAll(ctx, greedyAssociation(ctx)!);
      const prices = { bandwidth: plan.plans.map((p) => p.bandwidthPrice), frequency: plan.plans.map((p) => p.frequencyPrice) };
      const atPrimal = dualValue(ctx, prices);
      const ascended = lagrangianBound(ctx, prices, Date.now() + 2000, optimum);
      expect(atPrimal).toBeLessThanOrEqual(optimum * (1 + 1e-9));
      expect(ascended).toBeLessThanOrEqual(optimum * (1 + 1e-9));
      expect(ascended).toBeGreaterThanOrEqual(atPrimal * (1 - 1e-12));
      if (ascended >= optimum * (1 - 1e-3)) tight++;
      const r = mulberry32(seed);
      for (let trial = 0; trial < 5; trial++) {
        const random = {
          bandwidth: prices.bandwidth.map((p) => p * 10 ** (4 * r() - 2)),
          frequency: prices.frequency.map((p) => (p > 0 ? p : 1e-12) * 10 ** (4 * r() - 2)),
        };
        expect(dualValue(ctx, random)).toBeLessThanOrEqual(optimum * (1 + 1e-9));
      }
    }
    // A bound that is valid but useless would pass the rest: most tiny instances are near-tight.
    expect(tight).toBeGreaterThan(12);
  });
});
