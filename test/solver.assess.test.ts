// Scoring a given allocation (src/solver/assess.ts): an answer's own allocations score as the
// answer did; with its resource amounts left out, the fill recovers the solver's plan; every
// objective lies above the Lagrangian bound; violations are named.
import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocationOut, Instance, TrainingMode } from '../src/model/types.js';
import { assessAllocation, type GivenAllocation } from '../src/solver/assess.js';
import { solveAllocate } from '../src/solver/index.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

function givenOf(instance: Instance, allocations: AllocationOut[], withResources: boolean): GivenAllocation[] {
  return allocations.map((a) => {
    const mode: TrainingMode =
      a.trainingMode === 'backprop' ? { kind: 'backprop' } : { kind: 'zeroth-order', queries: a.queries!, parallelism: a.parallelism! };
    const base = { server: instance.servers.findIndex((s) => s.id === a.serverId), splitLayer: a.splitLayer, mode };
    if (!withResources) return base;
    return {
      ...base,
      cpuFrequencyHz: a.cpuFrequencyHz,
      transmitPowerW: a.transmitPowerW,
      bandwidthHz: a.bandwidthHz,
      serverFrequencyHz: a.serverFrequencyHz,
    };
  });
}

describe('assessAllocation', () => {
  for (const seed of [1, 2, 3]) {
    it(`gives back an answer's objective and totals, and recovers its resources when they are left out (seed ${seed})`, async () => {
      const request = { ...generateRequest(seed, { devices: 40, servers: 5 }), options: { baselines: false, timeLimitMs: 2000, seed } };
      const { instance, options } = normalize(request);
      const answer = await solveAllocate(instance, options);
      expect(answer.status).toMatch(/OPTIMAL|FEASIBLE/);
      const exact = assessAllocation(instance, givenOf(instance, answer.allocations, true), 1000);
      expect(rel(exact.evaluation.objective, answer.objective!)).toBeLessThan(1e-12);
      expect(rel(exact.evaluation.totals.delayS, answer.totals!.delayS)).toBeLessThan(1e-12);
      expect(exact.evaluation.violations).toEqual([]);
      expect(exact.filled.every((f) => f.length === 0)).toBe(true);
      // The answer's own bound and the snapshot's: both below every feasible objective.
      expect(exact.bound!).toBeLessThanOrEqual(answer.objective! * (1 + 1e-9));

      // Association, split and mode only: the fill is the solver's plan for those choices.
      const filled = assessAllocation(instance, givenOf(instance, answer.allocations, false), 1000);
      expect(filled.filled.every((f) => f.length === 4)).toBe(true);
      expect(filled.evaluation.violations).toEqual([]);
      expect(rel(filled.evaluation.objective, answer.objective!)).toBeLessThan(1e-6);
    });
  }

  it('an equal split of the budgets scores no better than the filled optimum, and both stay above the bound', () => {
    const { instance } = normalize({ ...generateRequest(5, { devices: 30, servers: 4 }), options: { baselines: false } });
    const server = instance.devices.map((d) => d.gains.indexOf(Math.max(...d.gains)));
    const count = instance.servers.map((_, m) => server.filter((s) => s === m).length);
    const base = instance.devices.map((d, n) => ({ server: server[n], splitLayer: d.minSplitLayer }));
    const equal = assessAllocation(
      instance,
      base.map((b, n) => ({
        ...b,
        cpuFrequencyHz: instance.devices[n].maxFrequencyHz,
        transmitPowerW: instance.devices[n].maxPowerW,
        bandwidthHz: instance.servers[b.server].bandwidthHz / count[b.server],
        serverFrequencyHz: instance.servers[b.server].frequencyHz / count[b.server],
      })),
      500,
    );
    const filled = assessAllocation(instance, base, 500);
    expect(filled.evaluation.violations).toEqual([]);
    expect(filled.evaluation.objective).toBeLessThanOrEqual(equal.evaluation.objective * (1 + 1e-12));
    expect(filled.bound!).toBeLessThanOrEqual(filled.evaluation.objective);
  });

  it("the bound starts from the given association's prices: a good allocation at 400 × 20 is shown within 0.5% (from zero prices: about 1%)", async () => {
    const { instance, options } = normalize({
      ...generateRequest(4, { devices: 400, servers: 20 }),
      options: { baselines: false, timeLimitMs: 1500 },
    });
    const answer = await solveAllocate(instance, options);
    const assessed = assessAllocation(instance, givenOf(instance, answer.allocations, true), 2000);
    expect(assessed.bound).toBeDefined();
    // valid: below the objective of a feasible allocation (the answer's) ...
    expect(assessed.bound!).toBeLessThanOrEqual(answer.objective! * (1 + 1e-9));
    // ... and close to it
    expect((assessed.evaluation.objective - assessed.bound!) / assessed.evaluation.objective).toBeLessThan(5e-3);
  }, 20_000);

  it('names violated constraints: an over-full bandwidth budget, a split out of range', () => {
    const { instance } = normalize({ ...generateRequest(6, { devices: 6, servers: 2 }), options: { baselines: false } });
    const given: GivenAllocation[] = instance.devices.map((d) => ({
      server: 0,
      splitLayer: d.minSplitLayer,
      bandwidthHz: instance.servers[0].bandwidthHz,
    }));
    given[1] = { ...given[1], splitLayer: instance.layers + 5 };
    const out = assessAllocation(instance, given, 200);
    const names = out.evaluation.violations.map((v) => v.constraint);
    expect(names).toContain('bandwidthHz');
    expect(out.evaluation.violations).toContainEqual(
      expect.objectContaining({ constraint: 'splitLayer', deviceId: instance.devices[1].id }),
    );
  });
});
