// options.relativeGap and termination: the solve stops once its answer is proven within the
// tolerance (GAP), relativeGap 0 runs on, a stop is INTERRUPTED, enumeration is CONVERGED, and the
// statistics and bound that come with every answer are consistent with it.
import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { minTimeLimitMs } from '../src/model/time-floor.js';
import type { AllocateResult, Instance } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { effectiveWeights, evaluate, objectiveScales, referenceTotals } from '../src/model/evaluate.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import { balanceAssociation } from '../src/solver/association/balance.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { createPlanContext } from '../src/solver/pricing/member.js';

function setup(seed: number, devices: number, servers: number, options: Record<string, unknown>) {
  const body = generateRequest(seed, { devices, servers });
  return normalize({ ...body, options: { baselines: false, ...options } });
}

/** Steps of the estimated moves alone from the greedy start, untimed, counted by a monitor that never stops them. */
function untimedBalanceSteps(instance: Instance): number {
  const scales = objectiveScales(instance, referenceTotals(instance));
  const ctx = createPlanContext(instance, effectiveWeights(instance, scales), buildDeviceModels(instance), 5000);
  let steps = 0;
  balanceAssociation(ctx, planAll(ctx, greedyAssociation(ctx)!), Infinity, {
    proven: () => {
      steps++;
      return false;
    },
  });
  return steps;
}

function expectConsistent(res: AllocateResult): void {
  expect(res.solver.statistics.termination).toBe(res.termination);
  if (res.bound !== undefined) {
    expect(res.bound).toBeLessThanOrEqual(res.objective! * (1 + 1e-12));
    expect(res.gap).toBeCloseTo((res.objective! - res.bound) / res.objective!, 12);
  }
  const trace = res.solver.statistics.trace;
  expect(trace.length).toBeGreaterThan(0);
  expect(trace.length).toBeLessThanOrEqual(12);
  for (let i = 1; i < trace.length; i++) expect(trace[i].atMs).toBeGreaterThanOrEqual(trace[i - 1].atMs);
  for (const ms of Object.values(res.solver.statistics.phasesMs)) expect(ms).toBeGreaterThanOrEqual(0);
}

describe('relativeGap and termination', () => {
  it('normalises relativeGap (default 1e-4), accepts gapTolerance as its former name, refuses values outside [0, 1]', () => {
    const body = generateRequest(1, { devices: 5, servers: 2 });
    expect(normalize(body).options.relativeGap).toBe(1e-4);
    expect(normalize({ ...body, options: { relativeGap: 0.01 } }).options.relativeGap).toBe(0.01);
    expect(normalize({ ...body, options: { gapTolerance: 0.02 } }).options.relativeGap).toBe(0.02);
    expect(normalize({ ...body, options: { gapTolerance: 0.02, relativeGap: 0 } }).options.relativeGap).toBe(0);
    expect(() => normalize({ ...body, options: { relativeGap: 2 } })).toThrow(/relativeGap/);
  });

  it('a large instance stops before its limit once the gap meets the tolerance: OPTIMAL, termination GAP', {
    timeout: 60_000,
  }, async () => {
    const { instance, options } = setup(3, 300, 15, { timeLimitMs: 20_000, relativeGap: 0.02 });
    const t0 = Date.now();
    const res = await solveAllocate(instance, options);
    const wallMs = Date.now() - t0;
    expect(res.termination).toBe('GAP');
    expect(res.status).toBe('OPTIMAL');
    expect(res.relativeGap).toBe(0.02);
    expect(res.gap!).toBeLessThanOrEqual(0.02);
    expect(res.limit).toBeUndefined();
    expect(wallMs).toBeLessThan(options.timeLimitMs * 0.55); // stopped before the search's share of the limit
    expectConsistent(res);
    // The answer's objective is the objective of its allocations.
    const scales = objectiveScales(instance, referenceTotals(instance));
    const idx = new Map(instance.servers.map((s, m) => [s.id, m]));
    const decisions = res.allocations.map((a) => ({
      server: idx.get(a.serverId)!,
      splitLayer: a.splitLayer,
      mode:
        a.trainingMode === 'backprop'
          ? ({ kind: 'backprop' } as const)
          : ({ kind: 'zeroth-order', queries: a.queries!, parallelism: a.parallelism! } as const),
      cpuFrequencyHz: a.cpuFrequencyHz,
      transmitPowerW: a.transmitPowerW,
      bandwidthHz: a.bandwidthHz,
      serverFrequencyHz: a.serverFrequencyHz,
    }));
    expect(evaluate(instance, decisions, scales).objective).toBeCloseTo(res.objective!, 9);
  });

  it('relativeGap 0 does not stop on a gap: the search runs until it ends or time runs out', { timeout: 60_000 }, async () => {
    const { instance, options } = setup(3, 60, 6, { timeLimitMs: 1500, relativeGap: 0 });
    const res = await solveAllocate(instance, options);
    expect(res.relativeGap).toBe(0);
    expect(['CONVERGED', 'TIME']).toContain(res.termination);
    if (res.status === 'OPTIMAL') expect(res.gap!).toBeLessThanOrEqual(1e-9);
    expectConsistent(res);
    // The same instance with a loose tolerance is proven at once: the stop is the tolerance's doing.
    const loose = await solveAllocate(instance, { ...options, relativeGap: 0.5 });
    expect(loose.termination).toBe('GAP');
    expect(loose.solver.solveTimeMs).toBeLessThan(res.solver.solveTimeMs);
  });

  it('small instances are enumerated and proven: OPTIMAL, CONVERGED (or GAP when the bound closes the last server plans)', async () => {
    for (const seed of [1, 2, 3]) {
      const { instance, options } = setup(seed, 4, 3, { timeLimitMs: 5000 });
      const res = await solveAllocate(instance, options);
      expect(res.status).toBe('OPTIMAL');
      expect(['CONVERGED', 'GAP']).toContain(res.termination);
      expect(res.gap!).toBeLessThanOrEqual(1e-4);
      expect(res.solver.solveTimeMs).toBeLessThan(5000);
      expectConsistent(res);
    }
  });

  it('a stop (cancel, disconnect, shutdown) is INTERRUPTED', { timeout: 60_000 }, async () => {
    const { instance, options } = setup(5, 300, 15, { timeLimitMs: 30_000, relativeGap: 0 });
    // Stopped 200 ms after the first feasible plan was reported (a stop before it has no allocation to give).
    let firstAt: number | undefined;
    const res = await solveAllocate(instance, options, {
      shouldStop: () => firstAt !== undefined && Date.now() - firstAt > 200,
      onProgress: (p) => {
        if (p.objective !== undefined) firstAt ??= Date.now();
      },
    });
    expect(res.termination).toBe('INTERRUPTED');
    expect(res.solver.statistics.termination).toBe('INTERRUPTED');
    expect(res.limit).toBe('TIME');
    expect(res.allocations).toHaveLength(300);
  });

  it('an answer at twice the size floor carries a bound and a gap', { timeout: 60_000 }, async () => {
    const floor = minTimeLimitMs({ devices: 400, servers: 20, layers: 32 });
    const { instance, options } = setup(7, 400, 20, { timeLimitMs: 2 * floor });
    const res = await solveAllocate(instance, options);
    // (On a machine too loaded to plan within the limit there is no allocation, and nothing to bound.)
    if (res.allocations.length === 0) expect(res.infeasibilities![0].constraint).toBe('timeLimitMs');
    else {
      expect(res.bound).toBeDefined();
      expect(res.gap).toBeDefined();
      expectConsistent(res);
    }
  });

  it('job progress shows a bound from the first report on', { timeout: 60_000 }, async () => {
    const { instance, options } = setup(4, 300, 15, { timeLimitMs: 3000, relativeGap: 0 });
    const seen: { bound?: number }[] = [];
    await solveAllocate(instance, options, { shouldStop: () => false, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0].bound).toBeDefined();
  });
});

describe('when the proof comes', () => {
  it('paper scale: proven within 1e-4 once the estimated moves settle, before any reassignment round', { timeout: 60_000 }, async () => {
    const { readFileSync } = await import('node:fs');
    const body = JSON.parse(readFileSync(new URL('../examples/paper-scale.json', import.meta.url), 'utf8'));
    const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false } });
    const balanceSteps = untimedBalanceSteps(instance);
    const res = await solveAllocate(instance, options);
    expect(res.termination).toBe('GAP');
    expect(res.gap!).toBeLessThanOrEqual(1e-4);
    // The watch sees each of those steps and the settled solution once more, and no reassignment
    // round after (one step of slack: the solve's start plan is polished within its time share, so
    // its moves may take a step more than these from the fully planned start).
    expect(res.solver.statistics.searchSteps).toBeLessThanOrEqual(balanceSteps + 2);
    expectConsistent(res);
  });

  it('paper scale: no Lagrangian pass before the moves settle (the fixed-cost bound, then the settled ascent)', {
    timeout: 60_000,
  }, async () => {
    const { readFileSync } = await import('node:fs');
    const body = JSON.parse(readFileSync(new URL('../examples/paper-scale.json', import.meta.url), 'utf8'));
    const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false } });
    const res = await solveAllocate(instance, options);
    expect(res.termination).toBe('GAP');
    // Two bounds were evaluated: the fixed-cost one with the start plan, and the ascent from the
    // settled moves' prices, which proved the answer. A first pass at the start plan's prices (about
    // 1% below) or bound slices between the moves would be evaluations of their own.
    expect(res.solver.statistics.boundEvaluations).toBe(2);
    const bounds = [...new Set(res.solver.statistics.trace.flatMap((p) => (p.bound === undefined ? [] : [p.bound])))];
    expect(bounds).toHaveLength(2);
    expect(bounds[0]).toBeLessThan(res.objective! * (1 - 1e-3));
    expect(bounds[1]).toBeCloseTo(res.bound!, 12);
    expectConsistent(res);
  });

  it('1,000 × 50: the ascent starts while the estimated moves still run, and proves the gap before they settle; no bound slices between them', {
    timeout: 120_000,
  }, async () => {
    const { instance, options } = setup(7, 1000, 50, { timeLimitMs: 5000 });
    const balanceSteps = untimedBalanceSteps(instance);
    const res = await solveAllocate(instance, options);
    expect(res.termination).toBe('GAP');
    expect(res.gap!).toBeLessThanOrEqual(1e-4);
    // Proven at a step of the moves, not at the settled solution after them (one step of slack for
    // the polished start, as at paper scale): the settled ascent alone would need them all and one more.
    expect(res.solver.statistics.searchSteps).toBeLessThan(balanceSteps);
    // The fixed-cost bound, the first pass, and a few ascents: anytime-bound slices between the
    // moves (below largeForPricing their bounds never beat the first pass's) would be one each step.
    expect(res.solver.statistics.boundEvaluations).toBeLessThanOrEqual(5);
    expectConsistent(res);
  });
});

describe('EarlyAscent: when the ascent starts while the search moves by estimates', () => {
  it('due once the last steps together gained at most a small share of relativeGap; after a miss, once the objective fell by it', async () => {
    const { EarlyAscent } = await import('../src/solver/auto.js');
    const early = new EarlyAscent();
    // Gains of 1e-3 per step: never due.
    let objective = 100;
    for (let i = 0; i < 10; i++) expect(early.due((objective -= 0.1), 1e-4)).toBe(false);
    // Gains of 1e-8 relative: due once the window holds only such steps.
    const due: boolean[] = [];
    for (let i = 0; i < 6; i++) due.push(early.due((objective -= 1e-6), 1e-4));
    expect(due.indexOf(true)).toBeGreaterThan(0);
    expect(due.slice(due.indexOf(true)).every(Boolean)).toBe(true);
    // An ascent that ended 5e-2 below the objective missed 5e-2 − 1e-4 × objective: not due until the objective fell by that.
    const bound = objective - 5e-2;
    early.missed(objective, bound, 1e-4);
    const short = objective - bound - 1e-4 * objective;
    const at = objective;
    expect(early.due((objective -= 1e-6), 1e-4)).toBe(false);
    expect(early.due(at - short * 0.9, 1e-4)).toBe(false);
    // (A fall that large in one step is a gain beyond the window's share: due only once it is flat again.)
    for (let i = 0; i < 5; i++) early.due(at - short * 1.01 - i * 1e-9, 1e-4);
    expect(early.due(at - short * 1.01 - 6e-9, 1e-4)).toBe(true);
    // relativeGap 0: never (the settled and stalled ascents prove what can be proven).
    const exact = new EarlyAscent();
    for (let i = 0; i < 10; i++) expect(exact.due(50, 0)).toBe(false);
  });
});
