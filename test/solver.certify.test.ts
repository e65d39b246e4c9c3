// options.certify false (what-if scenarios): the search runs without the Lagrangian bound and ends
// where it stalls; the answer says it has no bound (no bound, no gap, never OPTIMAL unless every
// association was enumerated), and the allocation is as good as a certified solve's.
import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { solveAllocate } from '../src/solver/index.js';

function setup(devices: number, servers: number, timeLimitMs: number) {
  return normalize({ ...generateRequest(4, { devices, servers }), options: { baselines: false, timeLimitMs } });
}

describe('options.certify false', () => {
  it('searches without any bound work and answers without bound or gap, at most a hair worse than certified', async () => {
    const { instance, options } = setup(120, 8, 4000);
    const certified = await solveAllocate(instance, options);
    const searchOnly = await solveAllocate(instance, { ...options, certify: false });
    expect(certified.bound).toBeDefined();
    expect(searchOnly.objective).toBeDefined();
    expect(searchOnly.bound).toBeUndefined();
    expect(searchOnly.gap).toBeUndefined();
    expect(searchOnly.status).toBe('FEASIBLE');
    const stats = searchOnly.solver.statistics;
    expect(stats.boundEvaluations).toBe(0);
    expect(stats.phasesMs.firstBound).toBeUndefined();
    expect(stats.phasesMs.bound).toBeUndefined();
    expect(stats.trace.every((p) => p.bound === undefined)).toBe(true);
    // It ended where its search stalled, well before its limit (the certified solve proves its gap).
    expect(searchOnly.termination).toBe('CONVERGED');
    expect(searchOnly.limit).toBeUndefined();
    expect(searchOnly.solver.solveTimeMs).toBeLessThan(options.timeLimitMs / 2);
    expect(searchOnly.objective!).toBeLessThanOrEqual(certified.objective! * (1 + 1e-3));
  }, 30_000);

  it('warm from an earlier answer, it starts there and stalls early', async () => {
    const { instance, options } = setup(120, 8, 4000);
    const first = await solveAllocate(instance, { ...options, certify: false });
    const again = normalize({
      ...generateRequest(4, { devices: 120, servers: 8 }),
      options: { baselines: false, timeLimitMs: 4000 },
      previous: { allocations: first.allocations },
    });
    const warm = await solveAllocate(again.instance, { ...again.options, certify: false });
    expect(warm.termination).toBe('CONVERGED');
    expect(warm.objective!).toBeLessThanOrEqual(first.objective! * (1 + 1e-9));
    expect(warm.solver.solveTimeMs).toBeLessThan(first.solver.solveTimeMs + 200);
  }, 30_000);

  it('enumerated instances stay exact: OPTIMAL with the objective as bound', async () => {
    const { instance, options } = setup(4, 2, 2000);
    const out = await solveAllocate(instance, { ...options, certify: false });
    expect(out.status).toBe('OPTIMAL');
    expect(out.bound).toBe(out.objective);
  });
});
