// The cutting-plane bound (bound/bundle.ts): every value it returns is the exact dual at its
// prices (so a valid bound: never above the exhaustive optimum), it never falls below the dual at
// its start, and it gets close in few exact passes (the count is machine-independent), where a
// supergradient ascent from the same prices needs several times as many.
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { effectiveWeights, objectiveScales, referenceTotals } from '../src/model/evaluate.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { greedyAssociation, planAll, type Solution } from '../src/solver/association/association.js';
import { balanceAssociation } from '../src/solver/association/balance.js';
import { dualValue } from '../src/solver/bound/bound.js';
import { bundleBound, createBundle, recentreBundle, tightenBundle } from '../src/solver/bound/bundle.js';
import { createAnytimeBound, offerPrices, tightenBound } from '../src/solver/bound/anytime.js';
import { createPlanContext, type PlanContext } from '../src/solver/pricing/member.js';
import { exhaustiveReference } from './reference/exhaustive.js';

function contextOf(body: ReturnType<typeof generateRequest>): PlanContext {
  const { instance } = normalize(body);
  const scales = objectiveScales(instance, referenceTotals(instance));
  return createPlanContext(instance, effectiveWeights(instance, scales), buildDeviceModels(instance), 5000);
}

function pricesOf(sol: Solution) {
  return { bandwidth: sol.plans.map((p) => p.bandwidthPrice), frequency: sol.plans.map((p) => p.frequencyPrice) };
}

describe('cutting-plane Lagrangian bound', () => {
  it('is the exact dual at the prices it returns, never above the exhaustive optimum, never below its start', () => {
    let tight = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const devices = 2 + (seed % 3);
      const servers = 1 + (seed % 2);
      const body = generateRequest(seed, { ...TINY_PRESET, devices, servers, layers: 4 + (seed % 4) });
      const ctx = contextOf(body);
      const ref = exhaustiveReference(normalize(body).instance);
      expect(ref.feasible).toBe(true);
      const start = pricesOf(planAll(ctx, greedyAssociation(ctx)!));
      const atStart = dualValue(ctx, start);
      // Asked for more than is possible (tolerance 0, the optimum as target): it runs its passes.
      const found = bundleBound(ctx, start, Infinity, { tolerance: 0, objective: ref.objective, maxPasses: 8 });
      expect(found.passes).toBeGreaterThanOrEqual(1);
      expect(found.value).toBeLessThanOrEqual(ref.objective * (1 + 1e-9));
      expect(found.value).toBeGreaterThanOrEqual(atStart - 1e-12 * Math.abs(atStart));
      expect(found.value).toBeCloseTo(dualValue(ctx, found.prices), 12);
      if (found.value >= ref.objective * (1 - 1e-3)) tight++;
      // Recentred elsewhere (a later search's prices), it keeps its cuts and its best: never lower, still valid.
      const state = createBundle(ctx, start);
      const before = tightenBundle(state, Infinity, { tolerance: 0, objective: ref.objective, maxPasses: 3 });
      const cuts = state.cuts.reduce((n, c) => n + c.server.length, 0);
      const elsewhere = {
        bandwidth: start.bandwidth.map((p) => p * (0.5 + (seed % 5) / 4)),
        frequency: start.frequency.map((p) => p * 1.3),
      };
      recentreBundle(state, elsewhere);
      const after = tightenBundle(state, Infinity, { tolerance: 0, objective: ref.objective, maxPasses: 3 });
      expect(after.value).toBeGreaterThanOrEqual(before.value);
      expect(after.value).toBeLessThanOrEqual(ref.objective * (1 + 1e-9));
      expect(after.value).toBeCloseTo(dualValue(ctx, after.prices), 12);
      expect(state.cuts.reduce((n, c) => n + c.server.length, 0)).toBeGreaterThanOrEqual(Math.min(cuts, 1));
    }
    expect(tight).toBeGreaterThan(12);
  });

  it('stops as soon as the tolerance is met', () => {
    const ctx = contextOf(generateRequest(2, { devices: 40, servers: 5 }));
    const sol = balanceAssociation(ctx, planAll(ctx, greedyAssociation(ctx)!), Infinity);
    const loose = bundleBound(ctx, pricesOf(sol), Infinity, { tolerance: 1e-2, objective: sol.cost, maxPasses: 8 });
    expect(loose.passes).toBe(1);
    expect(sol.cost - loose.value).toBeLessThanOrEqual(1e-2 * sol.cost);
  });

  it('from a converged search, within 5e-5 of its objective in 3 passes, higher than a supergradient ascent from the same prices', {
    timeout: 60_000,
  }, () => {
    const gaps: { bundle: number; anytime: number }[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const ctx = contextOf(generateRequest(seed, { devices: 100, servers: 10 }));
      const sol = balanceAssociation(ctx, planAll(ctx, greedyAssociation(ctx)!), Infinity);
      const prices = pricesOf(sol);
      const found = bundleBound(ctx, prices, Infinity, { tolerance: 0, objective: sol.cost, maxPasses: 3 });
      expect(found.passes).toBe(3);
      expect((sol.cost - found.value) / sol.cost).toBeLessThanOrEqual(5e-5);
      const anytime = createAnytimeBound(ctx);
      offerPrices(anytime, prices);
      tightenBound(anytime, Infinity, sol.cost, 3);
      // (How far the supergradient ascent gets depends on how near the search's prices are: the
      // cutting-plane model's passes go at least as high, and on most seeds further.)
      expect(found.value).toBeGreaterThanOrEqual(anytime.value);
      gaps.push({ bundle: (sol.cost - found.value) / sol.cost, anytime: (sol.cost - anytime.value) / sol.cost });
    }
    // The supergradient ascent is not yet within 5e-5 on most of these seeds (3 of 4 with the current search).
    expect(gaps.filter((g) => g.anytime > 5e-5).length).toBeGreaterThanOrEqual(3);
  });
});

describe('cutting-plane bound and the clock', () => {
  it('makes no pass after its deadline: none at all from an expired one, none more when resumed past it', () => {
    const ctx = contextOf(generateRequest(3, { devices: 40, servers: 5 }));
    const start = pricesOf(planAll(ctx, greedyAssociation(ctx)!));
    const none = bundleBound(ctx, start, Date.now() - 1, { tolerance: 0, objective: Infinity });
    expect(none.passes).toBe(0);
    expect(none.value).toBe(-Infinity);
    const state = createBundle(ctx, start);
    const two = tightenBundle(state, Infinity, { tolerance: 0, objective: Infinity, maxPasses: 2 });
    expect(two.passes).toBe(2);
    const late = tightenBundle(state, Date.now() - 1, { tolerance: 0, objective: Infinity });
    expect(late.passes).toBe(2);
    expect(late.value).toBe(two.value);
  });
});
