// The top start (association/dual-start.ts topStartPlan): the cutting-plane model restricted to each
// device's strongest-gain servers (and, after a few passes, the servers whose prices it lowered most)
// climbs from fluid prices; its choices are planned, its prices go to an exact pass. Checked against
// references: what it plans is a real allocation (evaluate() confirms it), never better than the
// exhaustive optimum on tiny instances, where the exact dual at its prices (every pair priced) never
// exceeds that optimum; at 5,000 × 100 (seed 2, untimed) the exact dual at its prices is above the
// dual start's and below its own plan, few devices are cheapest outside the servers it modelled, and a
// model cut right after the shared servers join still plans better than the strongest-gain start.
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_PRESET } from '../src/model/generator.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import { dualStartPlan, planPrices, topStartPlan } from '../src/solver/association/dual-start.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { pricedDeviceCost } from '../src/solver/pricing/kernel.js';
import type { PlanContext } from '../src/solver/pricing/member.js';
import { exhaustiveReference } from './reference/exhaustive.js';
import { expectValidSolution, planSetup } from './fixtures/association.js';
import { unprunedDual } from './fixtures/unpruned-dual.js';

beforeAll(async () => {
  await initGlpk();
});

/** The top start from the greedy plan's prices, untimed, `passes` passes of its model at most. */
function topFrom(ctx: PlanContext, passes = 6) {
  const greedy = planAll(ctx, greedyAssociation(ctx)!);
  const top = topStartPlan(ctx, planPrices(greedy.plans), greedy, Infinity, Infinity, Infinity, 8, greedy.cost, passes)!;
  return { greedy, top };
}

/** Each device's cheapest server at `prices`, every pair priced. */
function cheapestServers(ctx: PlanContext, prices: { bandwidth: number[]; frequency: number[] }): number[] {
  return ctx.models.map((dm, n) => {
    let best = Infinity;
    let at = -1;
    for (const m of dm.servers) {
      const c = pricedDeviceCost(ctx, m, n, prices.bandwidth[m], prices.frequency[m]);
      if (c < best) [best, at] = [c, m];
    }
    return at;
  });
}

describe('top start', () => {
  it('on tiny instances: a real allocation, never better than the exhaustive optimum; the exact dual at its prices never above it', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { instance, scales, ctx } = planSetup(seed, { ...TINY_PRESET, devices: 3 + (seed % 2), servers: 2, layers: 5 });
      const ref = exhaustiveReference(instance).objective;
      const { top } = topFrom(ctx);
      expect(top.sol).not.toBeNull();
      expectValidSolution(instance, ctx, top.sol!, scales);
      expect(top.sol!.cost).toBeGreaterThanOrEqual(ref * (1 - 1e-6));
      expect(unprunedDual(ctx, top.prices)).toBeLessThanOrEqual(ref * (1 + 1e-9));
    }
  });

  it("at 5,000 × 100: nearer the dual's top than the dual start, few devices cheapest outside its servers, a better plan", () => {
    const { instance, scales, ctx } = planSetup(2, { devices: 5000, servers: 100 });
    const { greedy, top } = topFrom(ctx);
    const dual = dualStartPlan(ctx, planPrices(greedy.plans), greedy, Infinity, Infinity, 0)!;
    expectValidSolution(instance, ctx, top.sol!, scales);
    const atTop = unprunedDual(ctx, top.prices);
    const atDual = unprunedDual(ctx, { bandwidth: Array.from(dual.prices.bandwidth), frequency: Array.from(dual.prices.frequency) });
    // (Measured: 0.659753 against 0.658564; plans 0.660226 against the dual start's 0.660469.)
    expect(atTop).toBeGreaterThan(atDual);
    expect(atTop).toBeLessThan(top.sol!.cost);
    expect(top.sol!.cost).toBeLessThan(dual.cost);
    // Without the shared servers 1,897 of the 5,000 devices were cheapest outside their 8
    // strongest-gain servers at the model's prices (it lowered the prices of servers few devices
    // model); with them 629 (their share of the gap to the exact dual is what a second look closes).
    const cheapest = cheapestServers(ctx, top.prices);
    const outside = cheapest.filter((m, n) => !ctx.models[n].serversByGain.slice(0, 8).includes(m)).length;
    expect(outside).toBeLessThan(0.2 * ctx.models.length);
  });

  it('cut right after the shared servers join (their prices still low), it plans the least overloaded choices: better than the greedy start', () => {
    // 4 passes: the shared servers join after the third, and at the fourth the model's choices pile
    // onto them (planned: 1.15, against the greedy 0.6673); the third pass's plan 0.6629.
    const { instance, scales, ctx } = planSetup(2, { devices: 5000, servers: 100 });
    const { greedy, top } = topFrom(ctx, 4);
    expectValidSolution(instance, ctx, top.sol!, scales);
    expect(top.sol!.cost).toBeLessThan(greedy.cost);
  });
});
