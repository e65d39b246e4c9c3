// A bound pass split between threads (bound/anytime.ts: sliceOf → priceSlice elsewhere → takeSlice),
// as the thread backend's helper does it (backends/threads/parallel-passes.ts), without threads:
// the other "thread" is a second bound over a context built afresh from the same instance. The split
// pass must give the same bits as the in-thread pass (value, prices, next prices, hints, counts),
// also when a slice is cut by its deadline and finished by a later call, and stay a valid bound:
// never above the dual with every pair priced exactly at its prices, and equal to it for exact passes.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import {
  createAnytimeBound,
  inThreadPasses,
  priceSlice,
  sliceOf,
  takeSlice,
  tightenBound,
  offerPrices,
  type AnytimeBound,
  type DevicePasses,
  type OfferedPrices,
} from '../src/solver/bound/anytime.js';
import { pricingContext } from '../src/solver/auto.js';
import type { PlanContext } from '../src/solver/pricing/member.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import type { Instance } from '../src/model/types.js';
import { unprunedDual } from './fixtures/unpruned-dual.js';

beforeAll(async () => {
  await initGlpk();
});

/**
 * Pending devices in `parts` ranges, each priced on `other` (a bound over its own context, as another
 * thread has it) and taken back in reverse order; with `cut`, the first slice of each call is priced
 * with its deadline already past (a few devices done: the rest stays pending for the next call).
 */
function splitPasses(other: AnytimeBound, parts: number, cut = false): DevicePasses & { calls: number } {
  const executor = {
    calls: 0,
    run(bound: AnytimeBound, pass: Parameters<DevicePasses['run']>[1], deadlineAt: number) {
      executor.calls++;
      const ranges: [number, number][] = [];
      for (let i = 0; i < pass.pending.length; i += 2) {
        const [from, to] = [pass.pending[i], pass.pending[i + 1]];
        const size = Math.ceil((to - from) / parts);
        for (let a = from; a < to; a += size) ranges.push([a, Math.min(to, a + size)]);
      }
      const slices = ranges.map(([from, to]) => sliceOf(bound, pass, from, to));
      const priced = slices.map((slice, k) => priceSlice(other, slice, cut && k === 0 ? 0 : deadlineAt));
      const rest: number[] = [];
      for (let k = slices.length - 1; k >= 0; k--) {
        takeSlice(bound, pass, priced[k]);
        if (priced[k].from + priced[k].done < slices[k].to) rest.unshift(priced[k].from + priced[k].done, slices[k].to);
      }
      pass.pending = rest;
    },
  };
  return executor;
}

function planPrices(ctx: PlanContext): OfferedPrices {
  const plan = planAll(ctx, greedyAssociation(ctx)!);
  return { bandwidth: plan.plans.map((p) => p.bandwidthPrice), frequency: plan.plans.map((p) => p.frequencyPrice) };
}

function expectSame(a: AnytimeBound, b: AnytimeBound): void {
  expect(Object.is(a.value, b.value)).toBe(true);
  expect(Array.from(b.prices!.bandwidth)).toEqual(Array.from(a.prices!.bandwidth));
  expect(Array.from(b.prices!.frequency)).toEqual(Array.from(a.prices!.frequency));
  expect(Array.from(b.next!.prices.bandwidth)).toEqual(Array.from(a.next!.prices.bandwidth));
  expect(Array.from(b.next!.prices.frequency)).toEqual(Array.from(a.next!.prices.frequency));
  expect(Array.from(b.choice)).toEqual(Array.from(a.choice));
  expect(Array.from(b.bandwidthHz)).toEqual(Array.from(a.bandwidthHz));
  expect(b.stats.pairsPriced).toBe(a.stats.pairsPriced);
  expect(b.stats.pairsSkipped).toBe(a.stats.pairsSkipped);
}

describe('a bound pass split between threads', () => {
  const instanceOf = (seed: number, devices: number, servers: number): Instance =>
    normalize(generateRequest(seed, { devices, servers })).instance;

  it('gives the same bits as the pass on one thread: the quick fluid pass, then exact passes of the ascent', () => {
    for (const [seed, devices, servers, parts] of [
      [41, 2000, 60, 2],
      [7, 1200, 90, 3],
    ]) {
      const instance = instanceOf(seed, devices, servers);
      const own = pricingContext(instance).ctx;
      const prices = planPrices(own);
      const single = createAnytimeBound(own);
      const executor = splitPasses(createAnytimeBound(pricingContext(instance).ctx), parts);
      const split = createAnytimeBound(pricingContext(instance).ctx, { devicePasses: executor });
      expect(single.devicePasses).toBe(inThreadPasses);
      offerPrices(single, prices);
      offerPrices(split, prices);
      for (let pass = 1; pass <= 4; pass++) {
        tightenBound(single, Date.now() + 60_000, Infinity, 1);
        tightenBound(split, Date.now() + 60_000, Infinity, 1);
        expect(split.stats.passes).toBe(pass);
        expectSame(single, split);
      }
      expect(executor.calls).toBe(4);
    }
  });

  it('a slice cut by its deadline is finished by the next call, and the pass is still the same bits', () => {
    const instance = instanceOf(41, 2000, 60);
    const prices = planPrices(pricingContext(instance).ctx);
    const single = createAnytimeBound(pricingContext(instance).ctx);
    const executor = splitPasses(createAnytimeBound(pricingContext(instance).ctx), 2, true);
    const split = createAnytimeBound(pricingContext(instance).ctx, { devicePasses: executor });
    offerPrices(single, prices);
    offerPrices(split, prices);
    for (let pass = 1; pass <= 3; pass++) {
      tightenBound(single, Date.now() + 60_000, Infinity, 1);
      tightenBound(split, Date.now() + 60_000, Infinity, 1);
      expectSame(single, split);
    }
    // Every call left a piece of its first slice pending: more calls than passes.
    expect(executor.calls).toBeGreaterThan(3);
  });

  it('is a valid bound: never above the exact dual at its prices, and equal to it once an exact pass proves it', () => {
    const instance = instanceOf(41, 2000, 60);
    const ctx = pricingContext(instance).ctx;
    const prices = planPrices(ctx);
    const split = createAnytimeBound(pricingContext(instance).ctx, { devicePasses: splitPasses(createAnytimeBound(ctx), 2) });
    offerPrices(split, prices);
    tightenBound(split, Date.now() + 60_000, Infinity, 1);
    const quick = split.value;
    const tolerance = 1e-12 * Math.abs(quick);
    // The quick first pass caps exact pairs: at most the exact dual at its prices.
    expect(quick).toBeLessThanOrEqual(unprunedDual(ctx, split.prices!) + tolerance);
    tightenBound(split, Date.now() + 60_000, Infinity, 2);
    // The ascent rose from it (measured: at once), so the best is an exact pass's: the exact dual there.
    expect(split.value).toBeGreaterThan(quick);
    expect(Math.abs(split.value - unprunedDual(ctx, split.prices!))).toBeLessThanOrEqual(tolerance);
  });
});
