// Insights (docs/insights.md) against independent references: finite differences of the exact
// budget re-split (envelope theorem), full re-solves after +5% capacity at one server, the
// objective's own per-device terms, and a re-solve with one more device slot.
import { beforeAll, describe, expect, it } from 'vitest';
import { effectiveWeights, evaluate, objectiveScales, referenceTotals } from '../src/model/evaluate.js';
import { generateRequest, TINY_PRESET, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateResult, Insights, Instance, SolveOptions } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { computeInsights, decisionsOf } from '../src/solver/insights/index.js';
import { budgetMember, resplit } from '../src/solver/insights/server-budgets.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { compareWithResolves, following, frozenScales, spearman } from './fixtures/insights-check.js';

/** Small enough that every re-solve with the association held is exact (per-server enumeration). */
const SMALL: GeneratorOptions = { ...TINY_PRESET, devices: 16, servers: 5, layers: 5, trainingModes: ['backprop'], maxDevices: 5 };
const OPTIONS: SolveOptions = { timeLimitMs: 3000, baselines: false, algorithm: 'auto', seed: 1, relativeGap: 0 };

function instanceOf(seed: number, overrides: GeneratorOptions = SMALL): Instance {
  return normalize(generateRequest(seed, overrides)).instance;
}

async function solvedWithInsights(instance: Instance, options: SolveOptions = OPTIONS): Promise<AllocateResult & { insights: Insights }> {
  const r = await solveAllocate(instance, { ...options, insights: true });
  expect(r.insights, r.status).toBeDefined();
  return r as AllocateResult & { insights: Insights };
}

beforeAll(async () => {
  await initGlpk();
});

describe('marginal values are the derivatives of the exact re-split', () => {
  it('price = −d cost/d budget; the physical slopes match the re-split and weigh up to it', async () => {
    const instance = instanceOf(7);
    const r = await solvedWithInsights(instance);
    const scales = objectiveScales(instance, r.reference);
    const weights = effectiveWeights(instance, scales);
    const decisions = decisionsOf(instance, r.allocations);
    let checked = 0;
    for (let m = 0; m < instance.servers.length; m++) {
      const members = decisions.flatMap((d, n) => (d.server === m ? [budgetMember(instance, weights, n, m, d, false)] : []));
      if (members.length === 0) continue;
      const s = instance.servers[m];
      const si = r.insights.servers[m];
      const eps = 1e-4;
      for (const resource of ['bandwidth', 'frequency'] as const) {
        const at = (f: number) =>
          resource === 'bandwidth' ? resplit(instance, weights, m, members, f, 1) : resplit(instance, weights, m, members, 1, f);
        const capacityUnits = resource === 'bandwidth' ? s.bandwidthHz / 1e6 : s.frequencyHz / 1e9;
        // Objective change per unit from the re-split itself, no prices involved.
        const slope = (at(1 + eps).cost - at(1 - eps).cost) / (2 * eps * capacityUnits);
        const marginal = resource === 'bandwidth' ? si.marginal.bandwidthPerMHz : si.marginal.frequencyPerGHz;
        const physical = resource === 'bandwidth' ? si.marginalPhysical.bandwidthPerMHz : si.marginalPhysical.frequencyPerGHz;
        expect(marginal).toBeLessThanOrEqual(0);
        expect(Math.abs(marginal - slope)).toBeLessThanOrEqual(1e-5 * Math.abs(slope) + 1e-12 * r.objective!);
        // The curvature against the re-split's second difference.
        const h = 1e-3;
        const second = (at(1 + h).cost - 2 * at(1).cost + at(1 - h).cost) / (h * capacityUnits) ** 2;
        const curvature = resource === 'bandwidth' ? si.curvature.bandwidthPerMHz2 : si.curvature.frequencyPerGHz2;
        if (marginal < 0)
          expect(Math.abs(curvature - second), `${resource} curvature ${curvature} vs ${second}`).toBeLessThanOrEqual(
            0.02 * Math.abs(second),
          );
        // The physical slopes (implicit function theorem on the optimal split) against the re-split's own sums.
        const delaySlope = (at(1 + eps).delayS - at(1 - eps).delayS) / (2 * eps * capacityUnits);
        const energySlope = (at(1 + eps).energyJ - at(1 - eps).energyJ) / (2 * eps * capacityUnits);
        expect(Math.abs(physical.delayS - delaySlope), `${resource} delay`).toBeLessThanOrEqual(1e-3 * Math.abs(delaySlope) + 1e-12);
        expect(Math.abs(physical.energyJ - energySlope), `${resource} energy`).toBeLessThanOrEqual(1e-3 * Math.abs(energySlope) + 1e-12);
        // The objective is the weighted physical sums (stability does not move with the budgets).
        const weighted = weights.delay * physical.delayS + weights.energy * physical.energyJ;
        expect(Math.abs(weighted - marginal)).toBeLessThanOrEqual(1e-4 * Math.abs(marginal) + 1e-12 * r.objective!);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('with normalisation on, a value holds the scales fixed: it equals the value of the same allocation with the scales frozen into the weights', async () => {
    const instance = instanceOf(11);
    const r = await solvedWithInsights(instance);
    const frozen = frozenScales(instance);
    const same = computeInsights(frozen, decisionsOf(frozen, r.allocations), objectiveScales(frozen));
    expect(same.objective).toBeCloseTo(r.objective!, 12);
    r.insights.servers.forEach((s, m) => {
      expect(same.servers[m].marginal.bandwidthPerMHz).toBeCloseTo(s.marginal.bandwidthPerMHz, 12);
      expect(same.servers[m].marginal.frequencyPerGHz).toBeCloseTo(s.marginal.frequencyPerGHz, 12);
    });
    expect(r.insights.scales).toEqual({ delayS: r.reference.delayS, energyJ: r.reference.energyJ, stability: r.reference.stability });
  });
});

describe('predicted against re-solved after +5% capacity at one server', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: sign always right, rank correlation ≥ 0.8, top servers within 25%`, async () => {
      const { base, rows } = await compareWithResolves(instanceOf(seed), 1.05, OPTIONS);
      expect(base.status).toBe('OPTIMAL');
      const tiny = 1e-9 * base.objective!;
      for (const row of rows) {
        // More capacity never hurts an exact re-solve; the prediction says "helps" exactly when it does.
        expect(row.held).toBeLessThanOrEqual(tiny);
        expect(row.predicted < -tiny, `${row.resource} ${row.serverId}: predicted ${row.predicted}, re-solved ${row.held}`).toBe(
          row.held < -tiny,
        );
        expect(row.free).toBeLessThanOrEqual(row.held + tiny);
      }
      for (const resource of ['bandwidth', 'frequency'] as const) {
        const of = rows.filter((r) => r.resource === resource);
        expect(
          spearman(
            of.map((r) => r.predicted),
            of.map((r) => r.held),
          ),
        ).toBeGreaterThanOrEqual(0.8);
        const top = of
          .filter((r) => r.held < -tiny)
          .sort((a, b) => a.predicted - b.predicted)
          .slice(0, 2);
        for (const r of top)
          expect(Math.abs(r.predicted - r.held) / Math.abs(r.held), `${resource} ${r.serverId}`).toBeLessThanOrEqual(0.25);
      }
      // The instances are built so that some budget binds somewhere.
      expect(rows.some((r) => r.held < -tiny)).toBe(true);
    }, 120_000);
  }
});

describe('per-device limits and objective shares', () => {
  it("shares are each device's weighted terms over the objective, costliest first", async () => {
    const instance = instanceOf(5);
    const r = await solvedWithInsights(instance);
    const scales = objectiveScales(instance, r.reference);
    const w = effectiveWeights(instance, scales);
    const ev = evaluate(instance, decisionsOf(instance, r.allocations), scales);
    const byId = new Map(r.insights.devices.map((d) => [d.deviceId, d]));
    let sum = 0;
    instance.devices.forEach((d, n) => {
      const e = ev.devices[n];
      const expected = (w.delay * e.delayS.total + w.energy * e.energyJ.total + w.stability * e.stabilityBound) / r.objective!;
      expect(byId.get(d.id)!.objectiveShare).toBeCloseTo(expected, 12);
      sum += byId.get(d.id)!.objectiveShare;
    });
    expect(sum).toBeCloseTo(1, 9);
    const shares = r.insights.devices.map((d) => d.objectiveShare);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
  });

  it('names the deadlines, memory, frequency and power limits the allocation sits on', async () => {
    const solved = await solvedWithInsights(instanceOf(3));
    const scales = objectiveScales(instanceOf(3), solved.reference);
    const decisions = decisionsOf(instanceOf(3), solved.allocations);
    const ev0 = evaluate(instanceOf(3), decisions, scales);
    // Limits placed on the answer itself: devices 0 and 1 exactly at their deadline, 2 with slack;
    // device 3's memory exactly its peak (one more layer does not fit), device 4 with room.
    const base = instanceOf(3);
    const devices = base.devices.map((d, n) => {
      if (n <= 1) return { ...d, deadlineS: ev0.devices[n].physicalDelayS };
      if (n === 2) return { ...d, deadlineS: 2 * ev0.devices[n].physicalDelayS };
      if (n === 3)
        return { ...d, memoryBytes: ev0.devices[n].peakMemoryBytes, maxSplitLayer: Math.max(d.maxSplitLayer, decisions[n].splitLayer + 1) };
      if (n === 4) return { ...d, memoryBytes: 10 * ev0.devices[n].peakMemoryBytes };
      return d;
    });
    const instance: Instance = { ...base, devices };
    const insights = computeInsights(instance, decisions, scales);
    const byId = new Map(insights.devices.map((d) => [d.deviceId, d.binding]));
    instance.devices.forEach((d, n) => {
      const dec = decisions[n];
      const binding = byId.get(d.id)!;
      expect(binding.includes('deadline'), d.id).toBe(n <= 1);
      expect(binding.includes('memory'), d.id).toBe(n === 3);
      expect(binding.includes('maxPower')).toBe(dec.transmitPowerW >= d.maxPowerW * (1 - 1e-9));
      expect(binding.includes('maxFrequency')).toBe(dec.cpuFrequencyHz >= d.maxFrequencyHz * (1 - 1e-9));
      expect(binding.includes('maxSplitLayer')).toBe(dec.splitLayer === d.maxSplitLayer);
      expect(binding.includes('minSplitLayer')).toBe(dec.splitLayer === d.minSplitLayer);
    });
    // Devices whose deadline binds keep their shares: their servers say so, and the rest share what is left.
    expect(insights.servers.reduce((s, x) => s + x.heldDevices, 0)).toBe(2);
    const heldServer = decisions[0].server;
    const free = insights.servers[heldServer];
    expect(free.marginal.bandwidthPerMHz).toBeLessThanOrEqual(0);
  });
});

/** A seed whose optimum, two devices a server, would move a device if it could. */
const SLOT_SEED = 1;

describe('one more device slot', () => {
  it('is null where maxDevices does not bind; where it binds, an exact re-solve with one more slot gains at least as much', async () => {
    // 4 devices, 2 servers with room for 2 each: both are full, and the association is enumerated exactly.
    const instance = frozenScales(
      instanceOf(SLOT_SEED, { ...TINY_PRESET, devices: 4, servers: 2, layers: 5, trainingModes: ['backprop'], maxDevices: 2 }),
    );
    const r = await solvedWithInsights(instance);
    expect(r.status).toBe('OPTIMAL');
    let negative = 0;
    for (let m = 0; m < instance.servers.length; m++) {
      const slot = r.insights.servers[m].marginal.slot;
      expect(slot).not.toBeNull();
      expect(slot!).toBeLessThanOrEqual(0);
      const servers = instance.servers.map((s, k) => (k === m ? { ...s, maxDevices: s.maxDevices! + 1 } : s));
      const more = await solveAllocate(following({ ...instance, servers }, r, false), OPTIONS);
      // The slot value is one feasible move's change: the exact optimum with the slot does at least as well.
      expect(more.objective! - r.objective!).toBeLessThanOrEqual(slot! + 1e-9 * r.objective!);
      if (slot! < 0) negative++;
    }
    expect(negative).toBeGreaterThan(0);
    const unlimited = await solvedWithInsights(instanceOf(SLOT_SEED, { ...TINY_PRESET, devices: 4, servers: 2, layers: 5 }));
    expect(unlimited.insights.servers.every((s) => s.marginal.slot === null && s.utilisation.devices === null)).toBe(true);
  }, 60_000);

  it('keeps the time limit at 500 × 25: the solve gives the insights their share', async () => {
    const { instance, options } = normalize(generateRequest(21, { devices: 500, servers: 25, maxDevices: 30 }));
    const limitMs = 1500;
    const t0 = performance.now();
    const r = await solveAllocate(instance, { ...options, timeLimitMs: limitMs, insights: true });
    const wallMs = performance.now() - t0;
    expect(r.insights, `${r.status} after ${wallMs} ms`).toBeDefined();
    expect(r.insights!.servers).toHaveLength(25);
    expect(r.insights!.servers.some((s) => s.marginal.slot !== null)).toBe(true);
    // The contract is limit × 1.1 + 50 ms; loose here for a shared machine (bench/insights.ts measures).
    expect(wallMs).toBeLessThan(limitMs * 1.5 + 300);
  }, 30_000);

  it('is omitted for answers without an allocation, and absent unless asked for', async () => {
    const instance = instanceOf(2);
    const plain = await solveAllocate(instance, OPTIONS);
    expect(plain.insights).toBeUndefined();
    const scales = objectiveScales(instance, referenceTotals(instance));
    expect(scales.delayS).toBeGreaterThan(0);
  });
});
