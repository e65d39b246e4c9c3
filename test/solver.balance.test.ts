// Association search by estimated moves (balance.ts): whatever the estimates say, what it returns
// must be a real allocation whose cost is what the model's evaluate() says, within capacities,
// never worse than where it started, and on small instances no better than the exhaustive optimum.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { effectiveWeights, evaluate, objectiveScales } from '../src/model/evaluate.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { capacities, greedyAssociation, planAll, randomAssociation } from '../src/solver/association/association.js';
import { balanceAssociation } from '../src/solver/association/balance.js';
import { decisionsOf } from '../src/solver/baselines.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { mulberry32 } from '../src/model/random.js';
import { createPlanContext } from '../src/solver/pricing/member.js';
import { exhaustiveReference } from './reference/exhaustive.js';

beforeAll(async () => {
  await initGlpk();
});

function setup(seed: number, overrides: Parameters<typeof generateRequest>[1]) {
  const { instance } = normalize(generateRequest(seed, overrides));
  const scales = objectiveScales(instance);
  const ctx = createPlanContext(instance, effectiveWeights(instance, scales), buildDeviceModels(instance), 5000);
  return { instance, scales, ctx };
}

describe('balanceAssociation', () => {
  it('returns a feasible allocation whose cost evaluate() confirms, never worse than its start', () => {
    const cases = [
      { devices: 30, servers: 5 },
      { devices: 40, servers: 6, maxDevices: 8 },
      { devices: 24, servers: 4, memory: { fraction: 0.7, factor: [0.3, 1.2] as const }, inferenceOnlyFraction: 0.2 },
      { devices: 60, servers: 8 },
    ];
    let improved = 0;
    cases.forEach((overrides, k) => {
      for (const seed of [1, 2]) {
        const { instance, scales, ctx } = setup(100 * k + seed, overrides);
        // Start from greedy and from a random association (more room to improve).
        for (const start of [greedyAssociation(ctx)!, randomAssociation(ctx, mulberry32(seed))!]) {
          const from = planAll(ctx, start);
          const sol = balanceAssociation(ctx, from, Date.now() + 5000);
          expect(sol.cost).toBeLessThanOrEqual(from.cost);
          if (sol.cost < from.cost * (1 - 1e-9)) improved++;
          // Capacities, and every device on exactly the server its plan says.
          const load = new Array<number>(instance.servers.length).fill(0);
          sol.assignment.forEach((m) => load[m]++);
          capacities(ctx).forEach((c, m) => expect(load[m]).toBeLessThanOrEqual(c));
          const seen = new Set<number>();
          for (const plan of sol.plans) {
            for (const d of plan.devices) {
              expect(sol.assignment[d.device]).toBe(plan.server);
              seen.add(d.device);
            }
          }
          expect(seen.size).toBe(instance.devices.length);
          // The cost it reports is the model's objective of its decisions, with no violation.
          const ev = evaluate(instance, decisionsOf(ctx, sol), scales);
          expect(ev.violations).toEqual([]);
          expect(Math.abs(ev.objective - sol.cost)).toBeLessThanOrEqual(1e-9 * ev.objective);
        }
      }
    });
    // It is a search, not a no-op: most starts (random ones above all) improve.
    expect(improved).toBeGreaterThanOrEqual(8);
  });

  it('is never better than the exhaustive optimum and reaches it on most tiny instances', () => {
    let optimal = 0;
    const seeds = Array.from({ length: 16 }, (_, i) => i + 1);
    for (const seed of seeds) {
      const { instance, ctx } = setup(seed, { ...TINY_PRESET, devices: 3 + (seed % 2), servers: 2, layers: 5 });
      const ref = exhaustiveReference(instance);
      const sol = balanceAssociation(ctx, planAll(ctx, randomAssociation(ctx, mulberry32(seed))!), Date.now() + 5000);
      expect(sol.cost).toBeGreaterThanOrEqual(ref.objective * (1 - 1e-6));
      if (sol.cost <= ref.objective * (1 + 1e-6)) optimal++;
    }
    expect(optimal).toBeGreaterThanOrEqual(10);
  });
});
