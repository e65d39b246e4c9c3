// A solver thread's helper (src/backends/threads/parallel-passes.ts, pass-helper.ts), a real nested
// worker thread: a large solve alone splits its bound passes with it. Checked: the same bits as the
// pass on one thread (value, prices, hints, counts), passes on one thread when not alone (decided
// per pass), a stop reaches the helper's half too, and a real solve through the pool answers as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import { createAnytimeBound, offerPrices, pendingDevices, tightenBound, type AnytimeBound } from '../src/solver/bound/anytime.js';
import { pricingContext } from '../src/solver/auto.js';
import { runWithControl } from '../src/solver/control.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { packInstance } from '../src/solve/transfer.js';
import { once } from 'node:events';
import {
  markBroken,
  parallelPasses,
  startPassHelper,
  type ParallelPasses,
  type PassHelper,
} from '../src/backends/threads/parallel-passes.js';
import { createControlBuffer, requestDrain, requestStop, writeProgress } from '../src/backends/threads/control-buffer.js';
import { createSolveService } from '../src/compose.js';

let helper: PassHelper;
beforeAll(async () => {
  await initGlpk();
  helper = startPassHelper();
});
afterAll(async () => {
  await helper.worker.terminate();
});

const instance = normalize(generateRequest(41, { devices: 2000, servers: 60 })).instance;
const packed = packInstance(instance);

function planPrices() {
  const ctx = pricingContext(instance).ctx;
  const plan = planAll(ctx, greedyAssociation(ctx)!);
  return { bandwidth: plan.plans.map((p) => p.bandwidthPrice), frequency: plan.plans.map((p) => p.frequencyPrice) };
}

async function readied(executor: ParallelPasses): Promise<void> {
  for (let i = 0; i < 600 && !executor.ready(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(executor.ready()).toBe(true);
}

/** A pass executor with the shared helper, once ready, and two bounds at the plan's prices: one on this thread, one split. */
async function sideBySide(options: Omit<Parameters<typeof parallelPasses>[1], 'packed'>) {
  const executor = parallelPasses(helper, { packed, ...options });
  await readied(executor);
  const single = createAnytimeBound(pricingContext(instance).ctx);
  const split = createAnytimeBound(pricingContext(instance).ctx, { devicePasses: executor });
  const prices = planPrices();
  offerPrices(single, prices);
  offerPrices(split, prices);
  return { executor, single, split };
}

function expectSame(a: AnytimeBound, b: AnytimeBound): void {
  expect(Object.is(a.value, b.value)).toBe(true);
  expect(Array.from(b.prices!.bandwidth)).toEqual(Array.from(a.prices!.bandwidth));
  expect(Array.from(b.prices!.frequency)).toEqual(Array.from(a.prices!.frequency));
  expect(Array.from(b.choice)).toEqual(Array.from(a.choice));
  expect(Array.from(b.bandwidthHz)).toEqual(Array.from(a.bandwidthHz));
  expect(b.stats.pairsPriced).toBe(a.stats.pairsPriced);
}

describe('bound passes split with a helper thread', () => {
  it('alone: every pass is split, and gives the same bits as the pass on one thread', { timeout: 120_000 }, async () => {
    const { executor, single, split } = await sideBySide({ alone: () => true });
    for (let pass = 1; pass <= 4; pass++) {
      tightenBound(single, Date.now() + 60_000, Infinity, 1);
      tightenBound(split, Date.now() + 60_000, Infinity, 1);
      expectSame(single, split);
    }
    expect(executor.counts).toEqual({ split: 4, inThread: 0 });
    executor.end();
  });

  it('with company the pass stays on this thread, decided at each pass (the same bits either way)', { timeout: 120_000 }, async () => {
    let alone = true;
    const { executor, single, split } = await sideBySide({ alone: () => alone });
    for (const company of [false, true, true, false]) {
      alone = !company;
      tightenBound(single, Date.now() + 60_000, Infinity, 1);
      tightenBound(split, Date.now() + 60_000, Infinity, 1);
      expectSame(single, split);
    }
    expect(executor.counts).toEqual({ split: 2, inThread: 2 });
    executor.end();
  });

  // A stop (or a shutdown's drain once the solve has a plan) this thread does not see (its clock is
  // not stopped here): only the helper's half stops. (Before, the helper followed only the stop.)
  it.each([
    ["the solve's stop", (control: SharedArrayBuffer) => requestStop(control)],
    [
      'a drain once the solve has a plan',
      (control: SharedArrayBuffer) => {
        writeProgress(control, { phase: 'search', objective: 1 });
        requestDrain(control);
      },
    ],
  ] as const)(
    "%s reaches the helper's half: it stops at once, and the devices it left are priced later, same bits",
    {
      timeout: 120_000,
    },
    async (_, stop) => {
      const control = createControlBuffer();
      stop(control);
      const { executor, single, split } = await sideBySide({ control, alone: () => true });
      tightenBound(split, Date.now() + 60_000, Infinity, 1);
      tightenBound(single, Date.now() + 60_000, Infinity, 1);
      expect(split.stats.passes).toBe(1);
      expectSame(single, split);
      // The helper stopped within 8 devices each time, so this thread's halves did the pass: each call
      // halved what was left, until under the split threshold (then the rest stays here).
      expect(executor.counts.split).toBeGreaterThanOrEqual(2);
      expect(helper.broken).toBe(false);
      expect(executor.counts.inThread).toBeGreaterThan(0);
      executor.end();
    },
  );

  it('a helper given up is terminated, not left running with its copy of a solve', { timeout: 60_000 }, async () => {
    const late = startPassHelper();
    const exited = once(late.worker, 'exit');
    markBroken(late);
    await exited;
    expect(late.broken).toBe(true);
  });

  it('a stop seen by both threads ends the pass at once on both', { timeout: 120_000 }, async () => {
    const control = createControlBuffer();
    const { executor, split } = await sideBySide({ control, alone: () => true });
    let checks = 0;
    // This thread's clock stops after its first deadline checks; the helper sees the same stop in the buffer.
    runWithControl(
      {
        shouldStop: () => {
          if (++checks === 3) requestStop(control);
          return checks >= 3;
        },
      },
      () => tightenBound(split, Date.now() + 60_000, Infinity, 1),
    );
    expect(executor.counts.split).toBe(1);
    expect(split.stats.passes).toBe(0);
    // (The helper started on its half as soon as it was sent: it priced until the stop came, then stopped.)
    expect(pendingDevices(split.pass!.pending)).toBeGreaterThan(instance.devices.length - 400);
    expect(helper.broken).toBe(false);
    executor.end();
  });

  it('a large solve alone through the real pool (its thread starts a helper) answers with a valid bound, twice', {
    timeout: 120_000,
  }, async () => {
    const service = createSolveService({ redisUrl: undefined, solverThreads: 1, solverMaxQueue: 2, cacheTtlS: 1, cacheMaxEntries: 1 });
    try {
      const readyBy = Date.now() + 60_000;
      while (!(await service.readiness()).ready && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 50));
      // The first solve starts the helper (its passes stay here until the helper is up); the second finds it up.
      for (const seed of [41, 42]) {
        const body = generateRequest(seed, { devices: 2000, servers: 60 });
        const { result } = await service.solve('allocate', { ...body, options: { ...body.options, baselines: false, timeLimitMs: 2500 } });
        expect(['OPTIMAL', 'FEASIBLE']).toContain(result.status);
        expect(result.allocations).toHaveLength(2000);
        expect(Number.isFinite(result.bound)).toBe(true);
        expect(result.bound!).toBeLessThanOrEqual(result.objective!);
        expect(result.gap!).toBeGreaterThanOrEqual(0);
      }
    } finally {
      await service.close();
    }
  });
});
