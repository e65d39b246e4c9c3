// Re-allocation after an earlier answer (`previous`), with migration costs and pinned devices.
// Tiny instances: the solver against the independent exhaustive reference (extended with the
// migration term and pins), over migration costs from free to prohibitive. Medium instances
// (heuristic search, warm start): the answer is scored by evaluate() with its migrations, never
// worse than keeping every device where it was, pins hold, and a prohibitive cost moves nobody.
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { evaluate, referenceTotals } from '../src/model/evaluate.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, Instance, SolveOptions } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { allocationToDecisions, describeDecisions, exhaustiveReference } from './reference/exhaustive.js';

const AGREE = 1e-4;
const EXACT = 1e-9;
const OPTIONS: SolveOptions = { timeLimitMs: 10_000, baselines: true, algorithm: 'auto', seed: 1, relativeGap: 1e-4 };

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** Migration cost as a multiple of one device's average delay and energy at the reference point. */
function migrationOf(body: AllocateRequest, factor: number): { delayS: number; energyJ: number } {
  const ref = referenceTotals(normalize(body).instance);
  const N = body.devices.length;
  return { delayS: (factor * ref.delayS) / N, energyJ: (factor * ref.energyJ) / N };
}

/** Device n on server (n + shift) mod M: an association the optimum often leaves. */
function rotated(body: AllocateRequest, shift: number, skip: Set<string> = new Set()): AllocateRequest['previous'] {
  const M = body.servers.length;
  return {
    allocations: body.devices
      .filter((d) => !skip.has(d.id))
      .map((d, n) => ({ deviceId: d.id, serverId: body.servers[(n + shift) % M].id })),
  };
}

function checkAnswer(I: Instance, res: AllocateResult, label: string): number {
  expect(['OPTIMAL', 'FEASIBLE'], label).toContain(res.status);
  const decisions = allocationToDecisions(I, res.allocations);
  const ev = evaluate(I, decisions);
  expect(ev.violations, label).toEqual([]);
  expect(rel(ev.objective, res.objective!), label).toBeLessThanOrEqual(EXACT);
  // migrated and migrations say what changed against previous, and the breakdowns carry the cost
  const before = new Map(I.devices.map((d, n) => [d.id, I.previous!.server[n]]));
  let moved = 0;
  for (const a of res.allocations) {
    const b = before.get(a.deviceId);
    const migrated = b !== null && b !== undefined && I.servers[b].id !== a.serverId;
    expect(a.migrated, `${label} ${a.deviceId}`).toBe(migrated);
    expect(a.delayS.migration).toBe(migrated ? I.previous!.migration.delayS : 0);
    expect(a.energyJ.migration).toBe(migrated ? I.previous!.migration.energyJ : 0);
    if (migrated) moved++;
  }
  expect(res.totals!.migrations, label).toBe(moved);
  expect(res.totals!.migrationDelayS).toBeCloseTo(moved * I.previous!.migration.delayS, 12);
  expect(res.totals!.migrationEnergyJ).toBeCloseTo(moved * I.previous!.migration.energyJ, 12);
  if (res.bound !== undefined) expect(res.bound, label).toBeLessThanOrEqual(res.objective! * (1 + EXACT));
  return moved;
}

interface TinyCase {
  label: string;
  body: AllocateRequest;
}

const FACTORS = [0, 0.02, 0.2, 50];

function tinyCases(): TinyCase[] {
  const out: TinyCase[] = [];
  for (let k = 0; k < 6; k++) {
    const devices = 2 + (k % 3);
    const base = generateRequest(4000 + k, { ...TINY_PRESET, devices, servers: 2, layers: 4 + (k % 3) });
    if (k === 4) base.servers[0].maxDevices = devices - 1;
    for (const factor of FACTORS) {
      const body: AllocateRequest = structuredClone(base);
      // k = 2: the last device is new since then and a device that left is still listed
      const skip = k === 2 ? new Set([body.devices[devices - 1].id]) : new Set<string>();
      body.previous = rotated(body, 1, skip);
      if (k === 2) body.previous!.allocations.push({ deviceId: 'gone', serverId: body.servers[0].id });
      body.options = { ...body.options, migration: migrationOf(base, factor) };
      // k = 3, 5: device 0 pinned where the rotation put it
      if (k === 3 || k === 5) body.options.pinned = [body.devices[0].id];
      out.push({
        label: `k=${k} ${devices}×2 migration×${factor}${body.options.pinned ? ' pinned' : ''}${k === 2 ? ' new+gone' : ''}${k === 4 ? ' maxDevices' : ''}`,
        body,
      });
    }
  }
  return out;
}

describe('re-allocation with migration costs agrees with exhaustive search on tiny instances', () => {
  const seen = new Map<string, number[]>();
  for (const c of tinyCases()) {
    it(c.label, async () => {
      const I = normalize(c.body).instance;
      const ref = exhaustiveReference(I);
      expect(ref.feasible).toBe(true);
      const res = await solveAllocate(I, { ...OPTIONS });
      const msg = `${c.label}\nsolver: ${res.objective} ${describeDecisions(I, allocationToDecisions(I, res.allocations))}\nreference: ${ref.objective} ${describeDecisions(I, ref.decisions)}`;
      const moved = checkAnswer(I, res, msg);
      expect(rel(res.objective!, ref.objective), msg).toBeLessThanOrEqual(AGREE);
      // the reference's own allocation, scored by evaluate(), has the reference's value
      expect(rel(ref.evaluation!.objective, ref.objective), msg).toBeLessThanOrEqual(1e-6);
      for (const b of res.baselines) {
        if (b.feasible) expect(b.objective, `${msg}\nbaseline ${b.name}`).toBeGreaterThanOrEqual(ref.objective * (1 - 1e-7));
      }
      if (I.previous!.pinned[0]) expect(res.allocations[0].serverId).toBe(I.servers[I.previous!.server[0]!].id);
      const key = c.label.split(' ')[0];
      seen.set(key, [...(seen.get(key) ?? []), moved]);
    });
  }

  it('the sweep is not vacuous: free migrations move devices, prohibitive ones move none, and moves never grow with the cost', () => {
    const rows = [...seen.values()];
    if (process.env.REF_VERBOSE) console.log(rows);
    expect(rows.length).toBe(6);
    expect(rows.some((r) => r[0] > 0)).toBe(true);
    // a cost between free and prohibitive that still lets a move pay for itself
    expect(rows.some((r) => r[0] > 0 && r.slice(1, -1).some((x) => x > 0))).toBe(true);
    for (const r of rows) {
      expect(r[r.length - 1]).toBe(0);
      for (let i = 1; i < r.length; i++) expect(r[i]).toBeLessThanOrEqual(r[i - 1]);
    }
  });
});

describe('the normalisation ignores previous', () => {
  it('the reference point and the scales are those of the same snapshot without previous', () => {
    const body = generateRequest(4100, { ...TINY_PRESET, devices: 4, servers: 2 });
    const warm: AllocateRequest = {
      ...structuredClone(body),
      previous: rotated(body, 1),
      options: { migration: { delayS: 5, energyJ: 7 } },
    };
    const I = normalize(warm).instance;
    expect(I.previous!.server.every((m) => m !== null)).toBe(true);
    expect(referenceTotals(I)).toEqual(referenceTotals(normalize(body).instance));
  });
});

describe('re-allocation on medium instances (warm-started search)', () => {
  // 60 devices × 6 servers: far past enumeration, so the association search runs from previous.
  const base = generateRequest(4242, { devices: 60, servers: 6 });
  base.options = { timeLimitMs: 1500, baselines: false };

  it('never worse than keeping every device where it was; pins hold; scored with its migrations', async () => {
    const body: AllocateRequest = structuredClone(base);
    body.previous = rotated(body, 2);
    body.options = {
      ...body.options,
      baselines: true,
      migration: migrationOf(base, 0.01),
      pinned: body.devices.slice(0, 5).map((d) => d.id),
    };
    const I = normalize(body).instance;
    const res = await solveAllocate(I, { timeLimitMs: 1500, baselines: true, algorithm: 'auto', seed: 1, relativeGap: 1e-4 });
    const moved = checkAnswer(I, res, 'medium');
    expect(moved).toBeGreaterThan(0);
    const stay = res.baselines.find((b) => b.name === 'previous-association');
    expect(stay).toBeDefined();
    expect(stay!.totals.migrations).toBe(0);
    expect(res.objective!).toBeLessThanOrEqual(stay!.objective);
    for (let n = 0; n < 5; n++) expect(res.allocations[n].serverId, `pinned ${n}`).toBe(body.previous!.allocations[n].serverId);
  });

  it('a prohibitive migration cost moves nobody; the same instance without it moves devices', async () => {
    const free: AllocateRequest = structuredClone(base);
    free.previous = rotated(free, 3);
    const costly: AllocateRequest = structuredClone(free);
    costly.options = { ...costly.options, migration: migrationOf(base, 100) };
    const I0 = normalize(free).instance;
    const I1 = normalize(costly).instance;
    const opts: SolveOptions = { timeLimitMs: 1500, baselines: false, algorithm: 'auto', seed: 1, relativeGap: 1e-4 };
    const [r0, r1] = [await solveAllocate(I0, opts), await solveAllocate(I1, opts)];
    expect(checkAnswer(I0, r0, 'free')).toBeGreaterThan(10);
    expect(checkAnswer(I1, r1, 'costly')).toBe(0);
  });
});
