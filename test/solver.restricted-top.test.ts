// restrictedTop (bound/bundle.ts): prices near the Lagrangian dual's top from the cutting-plane
// model restricted to each device's strongest-gain servers. Its value is not a bound and is never
// used as one: a full pass evaluates its prices. Checked against references: the model's value is
// at least the exact dual (every pair priced, no floors) at its prices (a device's cheapest of a few
// servers costs at least its cheapest of all); the exact dual there never exceeds the exhaustive
// optimum on tiny instances; and from the dual start's prices at 2,000 × 60 the exact dual at the
// prices it returns is higher than at the start, below the dual start's own plan.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import { dualStartPlan, planPrices } from '../src/solver/association/dual-start.js';
import { restrictedTop } from '../src/solver/bound/bundle.js';
import { pricingContext } from '../src/solver/auto.js';
import { pricedDeviceCost } from '../src/solver/pricing/kernel.js';
import type { PlanContext } from '../src/solver/pricing/member.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { exhaustiveReference } from './reference/exhaustive.js';
import { unprunedDual } from './fixtures/unpruned-dual.js';

beforeAll(async () => {
  await initGlpk();
});

function dualStartOf(ctx: PlanContext) {
  const greedy = planAll(ctx, greedyAssociation(ctx)!);
  return dualStartPlan(ctx, planPrices(greedy.plans), greedy, Date.now() + 60_000, Date.now() + 60_000, 0)!;
}

describe('restrictedTop', () => {
  it('on tiny instances: its value is at least the exact dual at its prices, which never exceeds the exhaustive optimum', () => {
    let checked = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const body = generateRequest(seed, { ...TINY_PRESET, devices: 2 + (seed % 3), servers: 2 });
      const instance = normalize(body).instance;
      const ctx = pricingContext(instance).ctx;
      const dual = dualStartOf(ctx);
      const top = restrictedTop(
        ctx,
        { bandwidth: Array.from(dual.prices.bandwidth), frequency: Array.from(dual.prices.frequency) },
        Date.now() + 10_000,
        dual.cost,
        1,
      );
      if (!top) continue;
      const exact = unprunedDual(ctx, top.prices);
      const tolerance = 1e-9 * Math.abs(exact);
      expect(top.restrictedValue).toBeGreaterThanOrEqual(exact - tolerance);
      expect(exact).toBeLessThanOrEqual(exhaustiveReference(instance).objective + tolerance);
      checked++;
    }
    expect(checked).toBeGreaterThan(4);
  });

  it("at 2,000 × 60, from the dual start's prices: the exact dual at its prices is higher than at the start, and below the plan", () => {
    for (const seed of [1, 2]) {
      const ctx = pricingContext(normalize(generateRequest(seed, { devices: 2000, servers: 60 })).instance).ctx;
      const dual = dualStartOf(ctx);
      const start = { bandwidth: Array.from(dual.prices.bandwidth), frequency: Array.from(dual.prices.frequency) };
      const top = restrictedTop(ctx, start, Date.now() + 60_000, dual.cost, 8)!;
      const atStart = unprunedDual(ctx, start);
      const atTop = unprunedDual(ctx, top.prices);
      expect(top.passes).toBeGreaterThan(1);
      expect(top.restrictedValue).toBeGreaterThanOrEqual(atTop - 1e-9 * Math.abs(atTop));
      expect(atTop).toBeGreaterThan(atStart);
      expect(atTop).toBeLessThan(dual.cost);
      console.log(
        `seed ${seed}: exact dual at the dual start's prices ${atStart.toFixed(6)}, at restrictedTop's ${atTop.toFixed(6)}, plan ${dual.cost.toFixed(6)}`,
      );
    }
  });

  it("with each device's cheapest server of an exact pass as an extra candidate, a second look climbs higher (2,000 × 60)", () => {
    const ctx = pricingContext(normalize(generateRequest(1, { devices: 2000, servers: 60 })).instance).ctx;
    const dual = dualStartOf(ctx);
    const start = { bandwidth: Array.from(dual.prices.bandwidth), frequency: Array.from(dual.prices.frequency) };
    const first = restrictedTop(ctx, start, Date.now() + 60_000, dual.cost, 8)!;
    // Each device's cheapest server at the first top's prices, every pair priced.
    const cheapest = new Int32Array(ctx.models.length).map((_, n) => {
      let best = Infinity;
      let at = -1;
      for (const m of ctx.models[n].servers) {
        const c = pricedDeviceCost(ctx, m, n, first.prices.bandwidth[m], first.prices.frequency[m]);
        if (c < best) [best, at] = [c, m];
      }
      return at;
    });
    // (Measured: 870 of 2,000 devices are cheapest outside their 8 strongest-gain servers there.)
    const outside = Array.from(cheapest).filter((m, n) => !ctx.models[n].serversByGain.slice(0, 8).includes(m)).length;
    expect(outside).toBeGreaterThan(100);
    const again = restrictedTop(ctx, first.prices, Date.now() + 60_000, dual.cost, 8, cheapest)!;
    const atFirst = unprunedDual(ctx, first.prices);
    const atAgain = unprunedDual(ctx, again.prices);
    expect(atAgain).toBeGreaterThan(atFirst);
    expect(atAgain).toBeLessThan(dual.cost);
    expect(again.restrictedValue).toBeGreaterThanOrEqual(atAgain - 1e-9 * Math.abs(atAgain));
  });

  it("gives up (null) when the deadline from its first pass's time is −Infinity, after that one pass only; else goes on", () => {
    const ctx = pricingContext(normalize(generateRequest(1, { devices: 2000, servers: 60 })).instance).ctx;
    const dual = dualStartOf(ctx);
    const start = { bandwidth: Array.from(dual.prices.bandwidth), frequency: Array.from(dual.prices.frequency) };
    const asked: number[] = [];
    const givesUp = restrictedTop(
      ctx,
      start,
      (firstMs) => (asked.push(firstMs), firstMs > 0 ? -Infinity : Date.now() + 60_000),
      dual.cost,
      8,
    );
    expect(givesUp).toBeNull();
    // asked before the first pass (0), then once with its time
    expect(asked.length).toBe(2);
    expect(asked[0]).toBe(0);
    expect(asked[1]).toBeGreaterThan(0);
    const goesOn = restrictedTop(ctx, start, () => Date.now() + 60_000, dual.cost, 8, undefined, 3)!;
    expect(goesOn.passes).toBe(3);
  });
});
