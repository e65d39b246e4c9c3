// POST /allocate/evaluate end to end (real service, threads, solver): an /allocate answer's own
// allocations score as that answer; left-out resource amounts are filled as the solver's plan;
// violations are named; bad references are 400s naming the field; answers match the document.
import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import type { AllocationOut } from '../src/model/types.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { EVALUATE_REQUEST_EXAMPLE } from '../src/schemas/evaluate.js';
import { useCheckedApp } from './fixtures/http-fuzz.js';

const served = useCheckedApp();

const post = (url: string, payload: object) => served.app.inject({ method: 'POST', url, payload });
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

async function solved(snapshot: object) {
  const res = await post('/allocate', snapshot);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { objective: number; bound?: number; totals: { delayS: number; energyJ: number }; allocations: AllocationOut[] };
}

async function evaluated(snapshot: object, allocations: object[]) {
  const res = await post('/allocate/evaluate', { ...snapshot, allocations });
  expect(served.check('/allocate/evaluate', res.statusCode, res.json())).toBeNull();
  return res;
}

describe('POST /allocate/evaluate', () => {
  it("an /allocate answer's allocations, as they are, score exactly as that answer", async () => {
    for (const snapshot of [
      ALLOCATE_REQUEST_EXAMPLE,
      { ...generateRequest(3, { devices: 60, servers: 6 }), options: { timeLimitMs: 3000 } },
    ]) {
      const answer = await solved(snapshot);
      const res = await evaluated(snapshot, answer.allocations);
      expect(res.statusCode, res.body).toBe(200);
      const out = res.json();
      expect(out.status).toBe('FEASIBLE');
      expect(rel(out.objective, answer.objective)).toBeLessThan(1e-12);
      expect(rel(out.totals.delayS, answer.totals.delayS)).toBeLessThan(1e-12);
      expect(rel(out.totals.energyJ, answer.totals.energyJ)).toBeLessThan(1e-12);
      expect(out.allocations).toEqual(answer.allocations); // the same per-device breakdown
      expect(out.filled).toEqual([]);
      expect(out.violations).toEqual([]);
      // The snapshot's bound lies below every feasible objective; the gap is measured to it.
      expect(out.bound).toBeLessThanOrEqual(out.objective * (1 + 1e-9));
      expect(out.gap).toBeCloseTo((out.objective - out.bound) / out.objective, 12);
    }
  });

  it('fills left-out resource amounts for the given association and splits, optimally', async () => {
    const snapshot = { ...generateRequest(4, { devices: 40, servers: 5 }), options: { timeLimitMs: 3000, baselines: false } };
    const answer = await solved(snapshot);
    const bare = answer.allocations.map((a) => ({
      deviceId: a.deviceId,
      serverId: a.serverId,
      splitLayer: a.splitLayer,
      trainingMode: a.trainingMode,
      queries: a.queries,
      parallelism: a.parallelism,
    }));
    const res = await evaluated(snapshot, bare);
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.status).toBe('FEASIBLE');
    expect(out.filled).toHaveLength(40);
    expect(out.filled[0].fields.sort()).toEqual(['bandwidthHz', 'cpuFrequencyHz', 'serverFrequencyHz', 'transmitPowerW']);
    // The solver's plan for these choices is the fill: the same objective.
    expect(rel(out.objective, answer.objective)).toBeLessThan(1e-6);
    // Budgets hold: the shares of each server sum to at most its budget.
    const used = new Map<string, number>();
    for (const a of out.allocations as AllocationOut[]) used.set(a.serverId, (used.get(a.serverId) ?? 0) + a.bandwidthHz);
    for (const s of snapshot.servers) expect(used.get(s.id) ?? 0).toBeLessThanOrEqual(s.bandwidthHz * (1 + 1e-9));
  });

  it('names violated constraints and gives no gap for an infeasible allocation', async () => {
    const res = await evaluated(EVALUATE_REQUEST_EXAMPLE, [
      ...EVALUATE_REQUEST_EXAMPLE.allocations.slice(0, 2),
      { ...EVALUATE_REQUEST_EXAMPLE.allocations[2], bandwidthHz: 5e7 }, // above es-1's 2e7 Hz
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.status).toBe('VIOLATED');
    expect(out.violations).toContainEqual(expect.objectContaining({ constraint: 'bandwidthHz', serverId: 'es-1' }));
    expect(out.gap).toBeUndefined();
    expect(Number.isFinite(out.objective)).toBe(true);
  });

  it('400s name the allocation at fault', async () => {
    const [a, b, c] = EVALUATE_REQUEST_EXAMPLE.allocations;
    const cases: [object[], string, RegExp][] = [
      [[a, b], 'allocations', /no allocation for device 'ue-3'/],
      [[a, b, { ...c, deviceId: 'ue-9' }], 'allocations[2].deviceId', /unknown device id/],
      [[a, b, { ...c, deviceId: 'ue-2' }], 'allocations[2].deviceId', /two allocations/],
      [[a, b, { ...c, serverId: 'es-7' }], 'allocations[2].serverId', /unknown server id/],
      [[a, b, { ...c, bandwidthHz: -1 }], 'allocations[2].bandwidthHz', /must be >=/],
      [[a, b, { ...c, colour: 'red' }], 'allocations[2].colour', /unknown property/],
    ];
    for (const [allocations, field, reason] of cases) {
      const res = await evaluated(EVALUATE_REQUEST_EXAMPLE, allocations);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().field).toBe(field);
      expect(res.json().reason).toMatch(reason);
    }
  });

  it('a repeat is served from the cache, byte for byte but for `cache`', async () => {
    const first = await evaluated(EVALUATE_REQUEST_EXAMPLE, EVALUATE_REQUEST_EXAMPLE.allocations);
    const again = await evaluated(EVALUATE_REQUEST_EXAMPLE, EVALUATE_REQUEST_EXAMPLE.allocations);
    expect(again.json().cache).toBe('hit');
    expect(again.body.replace('"cache":"hit"', '"cache":"miss"')).toBe(
      first.json().cache === 'miss' ? first.body : first.body.replace('"cache":"hit"', '"cache":"miss"'),
    );
  });
});
