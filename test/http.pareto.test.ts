// POST /allocate/pareto end to end: HTTP → real SolveService (normalise, in-memory cache, single
// flight, worker pool, solver) → reply. The pool is the real one, wrapped to count how many points
// run at once. No Redis: the in-memory cache answers repeats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createSolverPool, type SolverPool } from '../src/backends/threads/solver-pool.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { PARETO_REQUEST_EXAMPLE, ParetoResponseSchema } from '../src/schemas/pareto.js';
import { dominates, pointRequest, simplexGrid } from '../src/solve/pareto.js';
import { createSolveService } from '../src/compose.js';
import { OverloadedError } from '../src/solve/errors.js';
import { type ParetoRequest, type SolveService } from '../src/solve/types.js';
import type { AllocationOut, Totals } from '../src/model/types.js';
import { responseChecker } from './fixtures/http-fuzz.js';
import { keyOrderProblems, schemaText } from './fixtures/schema-text.js';

interface PointBody {
  weights: { delay: number; energy: number; stability: number };
  status: string;
  objective?: number;
  totals?: Totals;
  allocations: AllocationOut[];
  infeasibilities?: unknown[];
  cache: 'hit' | 'miss';
  requestHash: string;
  dominated: boolean;
}

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 2 };
let pool: SolverPool;
let service: SolveService;
let app: App;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  const real = createSolverPool({ threads: config.solverThreads, maxQueue: config.solverMaxQueue });
  pool = {
    ...real,
    run: async (task) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await real.run(task);
      } finally {
        inFlight--;
      }
    },
    stats: () => real.stats(),
    isReady: () => real.isReady(),
    destroy: () => real.destroy(),
  };
  service = createSolveService(config, { pool });
  app = buildApp(config, { service });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await pool?.destroy();
});

const example = (): ParetoRequest => structuredClone(PARETO_REQUEST_EXAMPLE);
// The time limit is for the whole sweep (points share it in slots): suites that need every point
// solved to completion (cached, comparable) give the sweep room on a loaded machine.
const roomy = (): ParetoRequest => ({ ...example(), options: { timeLimitMs: 20_000 } });

function post(payload: string | object, a: App = app) {
  return a.inject({
    method: 'POST',
    url: '/allocate/pareto',
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

const relLe = (a: number, b: number) => a <= b + 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** Every budget of the example re-checked from the response alone. */
function expectFeasible(allocations: AllocationOut[]) {
  const req = ALLOCATE_REQUEST_EXAMPLE;
  expect(allocations.map((a) => a.deviceId)).toEqual(req.devices.map((d) => d.id));
  req.devices.forEach((d, n) => {
    const a = allocations[n];
    expect(req.servers.map((s) => s.id)).toContain(a.serverId);
    expect(Number.isInteger(a.splitLayer)).toBe(true);
    expect(a.splitLayer).toBeGreaterThanOrEqual(1);
    expect(a.splitLayer).toBeLessThanOrEqual(req.model.layers - 1);
    expect(a.cpuFrequencyHz).toBeGreaterThanOrEqual(0);
    expect(relLe(a.cpuFrequencyHz, d.maxFrequencyHz)).toBe(true);
    expect(a.transmitPowerW).toBeGreaterThanOrEqual(0);
    expect(relLe(a.transmitPowerW, d.maxPowerW)).toBe(true);
    expect(a.bandwidthHz).toBeGreaterThan(0);
    expect(a.serverFrequencyHz).toBeGreaterThan(0);
    expect(a.delayS.total).toBeCloseTo(a.delayS.local + a.delayS.uplink + a.delayS.edge, 9);
    expect(a.energyJ.total).toBeCloseTo(a.energyJ.local + a.energyJ.uplink + a.energyJ.edge, 9);
  });
  for (const s of req.servers) {
    const mine = allocations.filter((a) => a.serverId === s.id);
    const bandwidth = mine.reduce((sum, a) => sum + a.bandwidthHz, 0);
    const frequency = mine.reduce((sum, a) => sum + a.serverFrequencyHz, 0);
    expect(relLe(bandwidth, s.bandwidthHz), `Σ bandwidth on ${s.id}: ${bandwidth} > ${s.bandwidthHz}`).toBe(true);
    expect(relLe(frequency, s.frequencyHz), `Σ frequency on ${s.id}: ${frequency} > ${s.frequencyHz}`).toBe(true);
    for (const a of mine) expect(a.bandwidthShare).toBeCloseTo(a.bandwidthHz / s.bandwidthHz, 9);
  }
}

const closeRel = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe('simplex grid and dominance', () => {
  it('grid k has (k+1)(k+2)/2 vectors on the simplex, k = 2 in the documented order', () => {
    for (let k = 1; k <= 10; k++) {
      const g = simplexGrid(k);
      expect(g).toHaveLength(((k + 1) * (k + 2)) / 2);
      for (const w of g) expect(w.delay + w.energy + w.stability).toBeCloseTo(1, 12);
    }
    expect(simplexGrid(2)).toEqual([
      { delay: 1, energy: 0, stability: 0 },
      { delay: 0.5, energy: 0.5, stability: 0 },
      { delay: 0.5, energy: 0, stability: 0.5 },
      { delay: 0, energy: 1, stability: 0 },
      { delay: 0, energy: 0.5, stability: 0.5 },
      { delay: 0, energy: 0, stability: 1 },
    ]);
  });

  it("a point's /allocate body keeps the snapshot and options but not insights (a point carries none)", () => {
    const body = { ...PARETO_REQUEST_EXAMPLE, options: { timeLimitMs: 900, baselines: false, insights: true } } as ParetoRequest;
    const point = pointRequest(body, { delay: 1, energy: 0, stability: 0 });
    expect(point.options).toEqual({ timeLimitMs: 900, baselines: false });
    expect(point.objective?.weights).toEqual({ delay: 1, energy: 0, stability: 0 });
    expect(point.devices).toBe(body.devices);
    expect('pareto' in point).toBe(false);
  });

  it('dominance is ≤ everywhere and < somewhere', () => {
    const t = { delayS: 1, energyJ: 1, stability: 1 };
    expect(dominates(t, t)).toBe(false);
    expect(dominates({ ...t, energyJ: 0.5 }, t)).toBe(true);
    expect(dominates({ ...t, energyJ: 0.5, delayS: 2 }, t)).toBe(false);
  });

  it('sums that differ only by rounding are equal: neither of two such points dominates the other', () => {
    // Seen on a grid sweep: weights (0,1,0) and (0,0.9,0.1) reached the same allocation, energies 1 ulp apart.
    const a = { delayS: 2.5, energyJ: 1.335266493337709, stability: 0.1 };
    const b = { ...a, energyJ: 1.3352664933377087 };
    expect(dominates(a, b)).toBe(false);
    expect(dominates(b, a)).toBe(false);
    expect(dominates({ ...a, energyJ: a.energyJ * (1 - 1e-6) }, a)).toBe(true);
  });
});

type ParetoBody = { points: PointBody[]; front: number[]; solveTimeMs: number };

const withWeights = (weights: unknown[]) => {
  const { pareto: _grid, ...rest } = roomy();
  return { ...rest, pareto: { weights } };
};

function expectPointsSolved(out: ParetoBody, weights: { delay: number; energy: number; stability: number }[]) {
  expect(out.points.map((p) => p.weights)).toEqual(weights);
  expect(typeof out.solveTimeMs).toBe('number');
  for (const p of out.points) {
    expect(['OPTIMAL', 'FEASIBLE']).toContain(p.status);
    expect(p.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof p.objective).toBe('number');
    expect(p.totals).toBeDefined();
    expectFeasible(p.allocations);
    // Totals are the sums of the allocations.
    const t = p.totals!;
    expect(
      closeRel(
        t.delayS,
        p.allocations.reduce((s, a) => s + a.delayS.total, 0),
      ),
    ).toBe(true);
    expect(
      closeRel(
        t.energyJ,
        p.allocations.reduce((s, a) => s + a.energyJ.total, 0),
      ),
    ).toBe(true);
    expect(
      closeRel(
        t.stability,
        p.allocations.reduce((s, a) => s + a.stabilityBound, 0),
      ),
    ).toBe(true);
  }
}

/** front = exactly the non-dominated points, ascending, non-empty; each dominated point is dominated by a front point. */
function expectFront({ points, front }: ParetoBody) {
  expect(front.length).toBeGreaterThan(0);
  const totals = points.map((p) => p.totals!);
  const isDominated = (i: number) => totals.some((o, j) => j !== i && dominates(o, totals[i]));
  points.forEach((p, i) => {
    expect(p.dominated, `point ${i}`).toBe(isDominated(i));
    expect(front.includes(i), `point ${i}`).toBe(!p.dominated);
  });
  expect([...front].sort((a, b) => a - b)).toEqual(front);
  points.forEach((p, i) => {
    if (p.dominated)
      expect(
        front.some((f) => dominates(totals[f], totals[i])),
        `point ${i} dominated by a front point`,
      ).toBe(true);
  });
}

/** The point with weights (1,0,0) (resp. (0,1,0), (0,0,1)) has the least delay (energy, stability) of all points. */
function expectSingleCriterionMinimal({ points }: ParetoBody, criteria: ('delayS' | 'energyJ' | 'stability')[]) {
  const unit = {
    delayS: { delay: 1, energy: 0, stability: 0 },
    energyJ: { delay: 0, energy: 1, stability: 0 },
    stability: { delay: 0, energy: 0, stability: 1 },
  };
  for (const key of criteria) {
    const best = points.find(
      (p) => p.weights.delay === unit[key].delay && p.weights.energy === unit[key].energy && p.weights.stability === unit[key].stability,
    );
    expect(best, `a point with weights ${JSON.stringify(unit[key])}`).toBeDefined();
    for (const p of points) {
      const mine = best!.totals![key];
      const other = p.totals![key];
      expect(relLe(mine, other), `${key}: ${mine} at ${JSON.stringify(best!.weights)} > ${other} at ${JSON.stringify(p.weights)}`).toBe(
        true,
      );
    }
  }
}

async function expectAllHitsOnRepeat(payload: object, first: ParetoBody) {
  const res = await post(payload);
  expect(res.statusCode).toBe(200);
  const second = res.json() as ParetoBody;
  expect(second.points.map((p) => p.cache)).toEqual(first.points.map(() => 'hit'));
  expect(second.points).toEqual(first.points.map((p) => ({ ...p, cache: 'hit' })));
  expect(second.front).toEqual(first.front);
}

// The brief's acceptance case. The grid has three vectors with delay weight 0, which the solver
// (src/solver) cannot solve today: POST /allocate with weights {delay: 0, …} fails with a TypeError
// in server-plan.ts (→ 500), so this suite stays red until the solver handles ω_t = 0.
describe('POST /allocate/pareto: the Swagger example (grid, k = 2), solved for real', () => {
  let first: ParetoBody;

  beforeAll(async () => {
    const res = await post(roomy());
    expect(res.statusCode, res.body).toBe(200);
    first = res.json();
  });

  it('answers 6 feasible points in grid order, first solves are misses', () => {
    expectPointsSolved(first, simplexGrid(2));
    expect(first.points.map((p) => p.cache)).toEqual(Array(6).fill('miss'));
  });

  it('front: non-empty, exactly the non-dominated points; every dominated point is dominated by a front point', () => {
    expectFront(first);
  });

  it('the delay-only, energy-only and stability-only points minimise their criterion over all points', () => {
    expectSingleCriterionMinimal(first, ['delayS', 'energyJ', 'stability']);
  });

  it('a second identical request reports every point as a cache hit, otherwise unchanged', async () => {
    await expectAllHitsOnRepeat(roomy(), first);
  });
});

// The same properties on weight vectors the solver can handle today (delay weight > 0).
describe('POST /allocate/pareto: an explicit weight list (delay weight > 0), solved for real', () => {
  const weights = [
    { delay: 1, energy: 0, stability: 0 },
    { delay: 1, energy: 1, stability: 0 },
    { delay: 1, energy: 0, stability: 1 },
    { delay: 1, energy: 1, stability: 1 },
    { delay: 0.25, energy: 1, stability: 0 },
    { delay: 0.01, energy: 1, stability: 0.5 },
    { delay: 1, energy: 1, stability: 0 }, // duplicate of point 1: one flight, one cache entry
  ];
  let first: ParetoBody;

  beforeAll(async () => {
    maxInFlight = 0;
    const res = await post(withWeights(weights));
    expect(res.statusCode, res.body).toBe(200);
    first = res.json();
  });

  it('answers every point in request order, feasible, solved in parallel on the pool', () => {
    expectPointsSolved(first, weights);
    // Several points were in the pool at once (both threads used).
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
    expect(new Set(first.points.map((p) => p.requestHash)).size).toBe(weights.length - 1);
    expect(first.points[6].requestHash).toBe(first.points[1].requestHash);
    expect(first.points[6].totals).toEqual(first.points[1].totals);
  });

  it('front: non-empty, exactly the non-dominated points; every dominated point is dominated by a front point', () => {
    expectFront(first);
  });

  it('the delay-only point has the least delay of all points', () => {
    expectSingleCriterionMinimal(first, ['delayS']);
  });

  it('a second identical request reports every point as a cache hit, otherwise unchanged', async () => {
    await expectAllHitsOnRepeat(withWeights(weights), first);
  });

  it("shares each point's cache entry with POST /allocate for the same weights", async () => {
    const { pareto: _p, ...snapshot } = withWeights(weights);
    const body = { ...snapshot, objective: { ...snapshot.objective, weights: weights[2] } };
    const res = await app.inject({ method: 'POST', url: '/allocate', payload: body });
    expect(res.statusCode, res.body).toBe(200);
    const point = first.points[2];
    expect(res.json()).toMatchObject({
      cache: 'hit',
      requestHash: point.requestHash,
      totals: point.totals,
      allocations: point.allocations,
    });
  });

  it('sends the documented answer: valid for its schema, nothing the schema serialiser would strip, keys in its order', async () => {
    const check = await responseChecker(app);
    const serialiser = await schemaText(ParetoResponseSchema);
    try {
      const full = withWeights(weights);
      for (const body of [full, { ...full, pareto: { ...full.pareto, includeAllocations: false } }]) {
        const res = await post(body);
        expect(res.statusCode, res.body).toBe(200);
        const sent = res.json();
        expect(check('/allocate/pareto', 200, sent)).toBeNull();
        expect(JSON.parse(await serialiser.text(sent))).toEqual(sent);
        expect(keyOrderProblems(sent, ParetoResponseSchema)).toEqual([]);
        // and it is the service's answer
        const direct = await service.allocatePareto(body as ParetoRequest);
        expect(sent).toEqual({ ...JSON.parse(JSON.stringify(direct)), solveTimeMs: expect.any(Number) });
      }
    } finally {
      await serialiser.close();
    }
  });

  it('pareto.includeAllocations false: the same points and front with empty allocations, a smaller body', async () => {
    const body = withWeights(weights);
    const res = await post({ ...body, pareto: { ...body.pareto, includeAllocations: false } });
    expect(res.statusCode, res.body).toBe(200);
    const lean = res.json() as ParetoBody;
    expect(lean.points).toEqual(first.points.map((p) => ({ ...p, cache: 'hit', allocations: [] })));
    expect(lean.front).toEqual(first.front);
    expect(res.body.length).toBeLessThan(JSON.stringify(first).length / 2);
    // The grid form takes the option too; true is the default (allocations included).
    const grid = await post({ ...example(), pareto: { grid: { steps: 1 }, includeAllocations: true } });
    expect(grid.statusCode, grid.body).toBe(200);
    for (const p of (grid.json() as ParetoBody).points) expect(p.allocations).toHaveLength(ALLOCATE_REQUEST_EXAMPLE.devices.length);
  });
});

describe('POST /allocate/pareto: infeasible instances', () => {
  it('422 INFEASIBLE with every point INFEASIBLE and the infeasibilities', async () => {
    const body = example();
    body.devices = body.devices.map((d) => ({ ...d, memoryBytes: 1 }));
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(422);
    const out = res.json();
    expect(out).toMatchObject({ status: 422, code: 'INFEASIBLE', instance: '/allocate/pareto' });
    expect(out.infeasibilities).toEqual([expect.objectContaining({ constraint: 'memoryBytes', deviceIds: ['ue-1', 'ue-2', 'ue-3'] })]);
    expect(out.points).toHaveLength(6);
    expect(out.front).toEqual([]);
    for (const p of out.points as PointBody[]) {
      expect(p).toMatchObject({ status: 'INFEASIBLE', allocations: [], dominated: false, infeasibilities: out.infeasibilities });
    }
  });
});

describe('POST /allocate/pareto: 400s name the field and the reason', () => {
  async function expect400(payload: string | object, field: string, reason: string | RegExp, code?: string) {
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({
      status: 400,
      title: expect.any(String),
      type: expect.stringMatching(/^https:\/\/edge-allocator\.dev\/problems\//),
      field,
    });
    if (code) expect(body.code).toBe(code);
    if (typeof reason === 'string') expect(body.reason).toBe(reason);
    else expect(body.reason).toMatch(reason);
    expect(body.detail).toContain(field);
    return body;
  }
  const w = { delay: 1, energy: 1, stability: 1 };

  it('a negative weight', async () => {
    await expect400(withWeights([w, { ...w, energy: -0.5 }]), 'pareto.weights[1].energy', 'must be >= 0', 'INVALID_BODY');
  });

  it('all weights zero (checked by the service, before any solve)', async () => {
    await expect400(
      withWeights([w, w, { delay: 0, energy: 0, stability: 0 }]),
      'pareto.weights[2]',
      'at least one weight must be > 0',
      'INVALID_INPUT',
    );
  });

  it('an unknown field in a weight vector', async () => {
    await expect400(withWeights([{ ...w, latency: 1 }]), 'pareto.weights[0].latency', "unknown property 'latency'", 'INVALID_BODY');
  });

  it('a missing weight', async () => {
    await expect400(withWeights([{ delay: 1, energy: 1 }]), 'pareto.weights[0].stability', 'is required');
  });

  it('an empty list and too long a list', async () => {
    await expect400(withWeights([]), 'pareto.weights', /fewer than 1 items/);
    await expect400(withWeights(Array(65).fill(w)), 'pareto.weights', /more than 64 items/);
  });

  it('grid steps out of range or fractional', async () => {
    await expect400({ ...example(), pareto: { grid: { steps: 11 } } }, 'pareto.grid.steps', 'must be <= 10');
    await expect400({ ...example(), pareto: { grid: { steps: 0 } } }, 'pareto.grid.steps', 'must be >= 1');
    await expect400({ ...example(), pareto: { grid: { steps: 1.5 } } }, 'pareto.grid.steps', 'must be integer');
  });

  it('both a list and a grid', async () => {
    await expect400({ ...withWeights([w]), pareto: { weights: [w], grid: { steps: 2 } } }, 'pareto.grid', "unknown property 'grid'");
  });

  it('neither a list nor a grid, and no pareto at all', async () => {
    await expect400({ ...example(), pareto: {} }, 'pareto.grid', 'is required');
    const { pareto: _p, ...rest } = example();
    await expect400(rest, 'pareto', 'is required');
  });

  it('objective.weights (the weights come from pareto)', async () => {
    // A field /allocate takes: the reason says why the sweep does not, not merely "unknown property".
    await expect400(
      { ...example(), objective: { weights: w } },
      'objective.weights',
      /weight vectors from `pareto`; leave objective\.weights out/,
    );
  });

  it('includeAllocations that is not a boolean', async () => {
    await expect400(
      { ...example(), pareto: { grid: { steps: 2 }, includeAllocations: 'no' } },
      'pareto.includeAllocations',
      'must be boolean',
    );
  });

  it('an unknown top-level field', async () => {
    await expect400({ ...example(), colour: 'red' }, 'colour', "unknown property 'colour'");
  });

  it("the normaliser's InputError, with its field", async () => {
    const body = example();
    body.devices[1].id = body.devices[0].id;
    await expect400(body, 'devices[1].id', /duplicate/, 'INVALID_INPUT');
  });
});

describe('POST /allocate/pareto: a full solver queue', () => {
  it('503 with Retry-After: the OverloadedError of a point propagates', async () => {
    const fullPool: SolverPool = {
      run: () => Promise.reject(new OverloadedError(3)),
      stats: () => ({ threads: 1, queued: 1, maxQueue: 1, busy: 1 }),
      isReady: () => true,
      destroy: async () => {},
    };
    const overloaded = buildApp(config, { service: createSolveService(config, { pool: fullPool }) });
    try {
      await overloaded.ready();
      const res = await post(example(), overloaded);
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.json()).toMatchObject({ status: 503, code: 'OVERLOADED', retryAfterS: 3 });
    } finally {
      await overloaded.close();
    }
  });
});
