// Association search by estimated moves (balance.ts): whatever the estimates say, what it returns
// must be a real allocation whose cost is what the model's evaluate() says, within capacities,
// never worse than where it started, and on small instances no better than the exhaustive optimum.
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_PRESET } from '../src/model/generator.js';
import { enumerateAssociations, greedyAssociation, planAll, randomAssociation } from '../src/solver/association/association.js';
import { balanceAssociation, crossTerm, quote, secondOrder, serverSlopes } from '../src/solver/association/balance.js';
import { memberOf } from '../src/solver/pricing/member.js';
import { assembleServer, bestResponseFixedPoint, planServer } from '../src/solver/resources/server-plan.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { mulberry32 } from '../src/model/random.js';
import { exhaustiveReference } from './reference/exhaustive.js';
import { expectValidSolution, planSetup } from './fixtures/association.js';

beforeAll(async () => {
  await initGlpk();
});

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
        const { instance, scales, ctx } = planSetup(100 * k + seed, overrides);
        // Start from greedy and from a random association (more room to improve).
        for (const start of [greedyAssociation(ctx)!, randomAssociation(ctx, mulberry32(seed))!]) {
          const from = planAll(ctx, start);
          const sol = balanceAssociation(ctx, from, Date.now() + 5000);
          expect(sol.cost).toBeLessThanOrEqual(from.cost);
          if (sol.cost < from.cost * (1 - 1e-9)) improved++;
          // A real allocation: capacities, every device where its plan says, the cost evaluate() confirms.
          expectValidSolution(instance, ctx, sol, scales);
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
      const { instance, ctx } = planSetup(seed, { ...TINY_PRESET, devices: 3 + (seed % 2), servers: 2, layers: 5 });
      const ref = exhaustiveReference(instance);
      const sol = balanceAssociation(ctx, planAll(ctx, randomAssociation(ctx, mulberry32(seed))!), Date.now() + 5000);
      expect(sol.cost).toBeGreaterThanOrEqual(ref.objective * (1 - 1e-6));
      if (sol.cost <= ref.objective * (1 + 1e-6)) optimal++;
    }
    expect(optimal).toBeGreaterThanOrEqual(10);
  });

  it('changed servers it does not re-plan are not bettered by a full re-plan, nor by any one member changing mode or split', () => {
    const cases = [
      { devices: 50, servers: 10 },
      { devices: 24, servers: 4, memory: { fraction: 0.7, factor: [0.3, 1.2] as const }, inferenceOnlyFraction: 0.2 },
      { devices: 40, servers: 6, maxDevices: 8, trainingModes: ['auto', 'zeroth-order'] as const },
    ];
    let fixedPoints = 0;
    cases.forEach((overrides, k) => {
      for (const seed of [1, 2]) {
        const { ctx } = planSetup(300 + 10 * k + seed, overrides);
        const sol = balanceAssociation(ctx, planAll(ctx, randomAssociation(ctx, mulberry32(seed))!), Date.now() + 5000);
        for (const plan of sol.plans) {
          if (plan.devices.length === 0) continue;
          // Re-planned from scratch (modes and splits free): never cheaper than what the search kept.
          const full = planServer(
            ctx,
            plan.server,
            plan.devices.map((d) => d.device),
          );
          expect(full.cost).toBeGreaterThanOrEqual(plan.cost * (1 - 1e-9));
          if (!bestResponseFixedPoint(ctx, plan)) continue;
          fixedPoints++;
          // Accepted as a fixed point: every single change, exactly re-split, costs at least as much.
          for (const [i, d] of plan.devices.entries())
            for (const choice of memberOf(ctx, plan.server, d.device).candidates) {
              if (choice === d.choice) continue;
              const trial = plan.devices.map((e, j) => ({ device: e.device, choice: j === i ? choice : e.choice }));
              expect(assembleServer(ctx, plan.server, trial).cost).toBeGreaterThanOrEqual(plan.cost * (1 - 1e-9));
            }
        }
      }
    });
    expect(fixedPoints).toBeGreaterThan(10);
  });

  it('swaps on full servers: a server takes part in several swaps a round, and the answer is real and never below the enumerated optimum', () => {
    // Every server full (maxDevices × servers = devices): no single move fits, only swaps change the
    // association. The reference is every association within the capacities, each server planned
    // exactly (enumerateAssociations, itself checked against the exhaustive reference in solver.exhaustive).
    let optimal = 0;
    let multiSwapRounds = 0;
    const seeds = Array.from({ length: 8 }, (_, i) => i + 1);
    for (const seed of seeds) {
      const { instance, scales, ctx } = planSetup(700 + seed, { ...TINY_PRESET, devices: 12, servers: 3, maxDevices: 4, layers: 5 });
      const ref = enumerateAssociations(ctx)!;
      expect(ref.exact).toBe(true);
      const from = planAll(ctx, randomAssociation(ctx, mulberry32(seed))!);
      // Each step's association (the monitor sees the search's own arrays: copied), to count the devices a round moved.
      const steps: number[][] = [];
      const sol = balanceAssociation(ctx, from, Date.now() + 5000, {
        proven: (s) => {
          steps.push(s.assignment.slice());
          return false;
        },
      });
      steps.push(sol.assignment.slice());
      for (let i = 1; i < steps.length; i++) if (steps[i].filter((m, n) => m !== steps[i - 1][n]).length > 2) multiSwapRounds++;
      expectValidSolution(instance, ctx, sol, scales);
      expect(sol.cost).toBeLessThanOrEqual(from.cost);
      expect(sol.cost).toBeGreaterThanOrEqual(ref.cost * (1 - 1e-9));
      if (sol.cost <= ref.cost * (1 + 1e-9)) optimal++;
    }
    // With three servers two swaps of one round share a server: more than two devices moved in a round means one did.
    expect(multiSwapRounds).toBeGreaterThanOrEqual(1);
    expect(optimal).toBeGreaterThanOrEqual(6);
  });

  it('several devices joining one server: the second-order estimate with the cross terms is nearer the exact re-split than without, and the priced costs stay below it', () => {
    // The batch's estimate (applyBatch): each device's priced cost plus ½x²/slope alone, and for the
    // second and later devices at a server the cross term d·x/slope with those before. The reference
    // is the server re-split exactly with the newcomers at their quoted choices.
    let cases = 0;
    let nearer = 0;
    let errorWith = 0;
    let errorWithout = 0;
    for (const seed of [1, 2, 3]) {
      const { ctx } = planSetup(900 + seed, { devices: 60, servers: 4 });
      const { plans, assignment } = planAll(ctx, greedyAssociation(ctx)!);
      for (const plan of plans) {
        if (!(plan.bandwidthPrice > 0 || plan.frequencyPrice > 0)) continue;
        const slopes = serverSlopes(ctx, plan);
        const newcomers = assignment
          .map((m, n) => ({ m, n }))
          .filter(({ m, n }) => m !== plan.server && ctx.models[n].servers.includes(plan.server))
          .slice(0, 3)
          .map(({ n }) => ({ n, q: quote(ctx, plan, n)! }));
        if (newcomers.length < 3 || newcomers.some(({ q }) => q === null)) continue;
        const exact = assembleServer(ctx, plan.server, [
          ...plan.devices.map((d) => ({ device: d.device, choice: d.choice })),
          ...newcomers.map(({ n, q }) => ({ device: n, choice: memberOf(ctx, plan.server, n).candidates[q.candidate] })),
        ]);
        const delta = exact.cost - plan.cost;
        let priced = 0;
        let alone = 0;
        let cross = 0;
        let dB = 0;
        let dF = 0;
        for (const { q } of newcomers) {
          priced += q.cost;
          alone +=
            q.cost + secondOrder(q.bandwidthHz, slopes.bandwidth + q.slopeB) + secondOrder(q.frequencyHz, slopes.frequency + q.slopeF);
          cross += crossTerm(dB, q.bandwidthHz, slopes.bandwidth) + crossTerm(dF, q.frequencyHz, slopes.frequency);
          dB += q.bandwidthHz;
          dF += q.frequencyHz;
        }
        // Weak duality: at the plan's prices the newcomers' priced costs understate the server's increase.
        expect(priced).toBeLessThanOrEqual(delta * (1 + 1e-9));
        cases++;
        const without = Math.abs(alone - delta);
        const withCross = Math.abs(alone + cross - delta);
        if (withCross < without) nearer++;
        errorWith += withCross;
        errorWithout += without;
      }
    }
    expect(cases).toBeGreaterThanOrEqual(6);
    expect(nearer).toBeGreaterThanOrEqual(Math.ceil(0.9 * cases));
    expect(errorWith).toBeLessThan(0.2 * errorWithout);
  });
});
