// A warm search quotes first only the devices an earlier answer's prices say are out of place
// (warmFocus): on a snapshot with 5% of its devices moved it prices far fewer pairs than a search
// from the same start quoting every device, and ends as low (within the tolerance); a focused
// search that stalls quotes the rest and ends where the unfocused one does. End to end, the warm
// answer's objective is within the tolerance of the cold answer's.
import { beforeAll, describe, expect, it } from 'vitest';
import { effectiveWeights, objectiveScales, referenceTotals } from '../src/model/evaluate.js';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { mulberry32 } from '../src/model/random.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, Instance } from '../src/model/types.js';
import { UNWATCHED, type SearchMonitor } from '../src/solver/association/association.js';
import { balanceAssociation, type BalanceCounts } from '../src/solver/association/balance.js';
import { warmAssociation, warmFocus, warmPlans } from '../src/solver/association/warm.js';
import { createAnytimeBound, offerGivenPrices, tightenBound } from '../src/solver/bound/anytime.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { createPlanContext } from '../src/solver/pricing/member.js';
import { expectValidSolution } from './fixtures/association.js';

beforeAll(async () => {
  await initGlpk();
});

const TOLERANCE = 1e-4;

async function solve(body: AllocateRequest): Promise<{ instance: Instance; res: AllocateResult }> {
  const { instance, options } = normalize({ ...body, options: { baselines: false, timeLimitMs: 10_000 } });
  return { instance, res: await solveAllocate(instance, options) };
}

/** `body` with 5% of its devices moved to random places. */
function moved(body: AllocateRequest, seed: number): AllocateRequest {
  const out = structuredClone(body);
  const rand = mulberry32(seed + 100);
  const order = out.devices.map((_, n) => n).sort(() => rand() - 0.5);
  for (const n of order.slice(0, Math.round(out.devices.length / 20))) out.devices[n].position = { xM: rand() * 500, yM: rand() * 500 };
  return out;
}

/** A snapshot's first answer, and the snapshot with 5% of its devices moved sent back with it (`previous`). */
async function movedSnapshot(seed: number, size: { devices: number; servers: number }) {
  const body = generateRequest(seed, size);
  const first = (await solve(body)).res;
  expect(first.prices).toBeDefined();
  const next = moved(body, seed);
  return { next, warmBody: { ...next, previous: { allocations: first.allocations, prices: first.prices } } };
}

/**
 * As the solver sets up a warm search: the plan context, the warm start, and the bound's exact
 * pass at the earlier answer's prices (each device's cheapest server there, and a bound).
 */
function warmSetup(body: AllocateRequest) {
  const { instance } = normalize({ ...body, options: { baselines: false } });
  const scales = objectiveScales(instance, referenceTotals(instance));
  const ctx = createPlanContext(instance, effectiveWeights(instance, scales), buildDeviceModels(instance), 5000);
  const start = warmPlans(ctx, warmAssociation(ctx)!, Infinity)!;
  const bound = createAnytimeBound(ctx);
  const prev = instance.previous!.prices!;
  offerGivenPrices(bound, {
    bandwidth: prev.bandwidth.map((p, m) => p ?? start.plans[m].bandwidthPrice),
    frequency: prev.frequency.map((p, m) => p ?? start.plans[m].frequencyPrice),
    seat: prev.seat.map((p) => p ?? 0),
  });
  tightenBound(bound, Infinity, Infinity, 1);
  return { instance, scales, ctx, start, cheapest: bound.choice, bound: bound.value };
}

const counts = (): BalanceCounts => ({ pairsQuoted: 0, widened: false });

describe('warm search focus', () => {
  it('on a 5%-moved snapshot a focused search prices far fewer pairs than one quoting every device, and ends as low', {
    timeout: 120_000,
  }, async () => {
    for (const seed of [1, 2, 3]) {
      const { warmBody } = await movedSnapshot(seed, { devices: 400, servers: 20 });
      const { instance, scales, ctx, start, cheapest, bound } = warmSetup(warmBody);
      const focus = warmFocus(ctx, start.assignment, cheapest);
      const named = focus.reduce((a, b) => a + b, 0);
      // Every displaced device is named, and far from every device.
      start.assignment.forEach((m, n) => {
        if (instance.previous!.server[n] !== m) expect(focus[n]).toBe(1);
      });
      expect(named).toBeLessThan(0.5 * instance.devices.length);
      // Both searches stop as the solver's does: once the bound at the earlier prices proves the tolerance.
      const proves: SearchMonitor = { proven: (sol) => sol.cost - bound <= TOLERANCE * sol.cost };
      const all = counts();
      const some = counts();
      const full = balanceAssociation(ctx, start, Infinity, proves, { counts: all });
      const focused = balanceAssociation(ctx, start, Infinity, proves, { focus, counts: some });
      expectValidSolution(instance, ctx, focused, scales);
      expect(focused.cost).toBeLessThanOrEqual(start.cost);
      expect(focused.cost).toBeLessThanOrEqual(full.cost * (1 + TOLERANCE));
      // A search quoting every device prices each candidate pair once before its first move.
      expect(all.pairsQuoted).toBeGreaterThanOrEqual(ctx.models.reduce((s, dm) => s + Math.min(12, dm.serversByGain.length), 0));
      expect(some.widened).toBe(false);
      expect(some.pairsQuoted).toBeLessThan(0.6 * all.pairsQuoted);
    }
  });

  it('a focused search that stalls unproven quotes the other devices and ends where the unfocused one does', {
    timeout: 60_000,
  }, async () => {
    for (const seed of [4, 5]) {
      const { warmBody } = await movedSnapshot(seed, { devices: 200, servers: 12 });
      const { instance, scales, ctx, start, cheapest } = warmSetup(warmBody);
      const focus = warmFocus(ctx, start.assignment, cheapest);
      const some = counts();
      const full = balanceAssociation(ctx, start, Infinity, UNWATCHED);
      const focused = balanceAssociation(ctx, start, Infinity, UNWATCHED, { focus, counts: some });
      expect(some.widened).toBe(true);
      expectValidSolution(instance, ctx, focused, scales);
      expect(Math.abs(focused.cost - full.cost)).toBeLessThanOrEqual(TOLERANCE * full.cost);
    }
  });

  it("end to end, the warm answer's objective is within the tolerance of the cold answer's", { timeout: 120_000 }, async () => {
    for (const seed of [1, 2, 3]) {
      const { next, warmBody } = await movedSnapshot(seed, { devices: 400, servers: 20 });
      const cold = (await solve(next)).res;
      const warm = (await solve(warmBody)).res;
      expect(warm.status).toBe('OPTIMAL');
      expect(Math.abs(warm.objective! / cold.objective! - 1)).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
