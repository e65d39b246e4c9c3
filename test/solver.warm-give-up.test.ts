// A warm start (`previous`: what-if scenarios, re-allocations) keeps the limit like a cold one: if
// its start plan is not done by the limit + the fallback grace, the answer says so at once
// (NO_SOLUTION_FOUND, limit TIME, naming timeLimitMs) instead of planning on past the limit and
// everything after it. A slow machine is simulated by a clock that advances with every reading, so
// the test is deterministic.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import { minSolverTimeMs } from '../src/model/time-floor.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';

beforeAll(async () => {
  await initGlpk();
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function solve(body: AllocateRequest) {
  const { instance, options } = normalize(body);
  return solveAllocate(instance, options);
}

describe('warm start within the limit', () => {
  it('a warm start plan that cannot be done by the limit + grace answers NO_SOLUTION_FOUND at once', { timeout: 60_000 }, async () => {
    const body = generateRequest(7, { devices: 200, servers: 40 });
    const first = await solve({ ...body, options: { timeLimitMs: 2000, baselines: false } });
    expect(first.status).not.toBe('NO_SOLUTION_FOUND');
    const warm: AllocateRequest = { ...body, previous: { allocations: first.allocations }, options: { timeLimitMs: 40, baselines: false } };
    // Every clock reading 3 ms after the last: each server's plan "takes" at least that long, so
    // 40 servers cannot be planned within 40 + 25 ms.
    let t = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (t += 3));
    const late = await solve(warm);
    vi.restoreAllMocks();
    expect(late.status).toBe('NO_SOLUTION_FOUND');
    expect(late.limit).toBe('TIME');
    expect(late.infeasibilities?.[0]?.constraint).toBe('timeLimitMs');
    expect(late.allocations).toEqual([]);
  });

  // Preparing (device models, the plan context) does not look at the clock: 90–180 ms at 1,000 × 50
  // on a loaded machine. A solve that reaches its thread with less than preparing costs on an idle one
  // left before it gives up (a what-if scenario whose slot was used up) answers at once, unprepared.
  it('a warm solve with less than its preparation left answers NO_SOLUTION_FOUND without preparing', { timeout: 60_000 }, async () => {
    const body = generateRequest(3, { devices: 2000, servers: 100 });
    const first = await solve({ ...body, options: { timeLimitMs: 1000, baselines: false } });
    expect(first.status).not.toBe('NO_SOLUTION_FOUND');
    const size = { devices: 2000, servers: 100, layers: body.model.layers };
    // limit + the 25 ms grace is under what preparing costs on an idle machine.
    const limit = Math.floor(minSolverTimeMs(size) - 25 - 5);
    expect(limit).toBeGreaterThan(0);
    // (A body's limit is at least the whole request's floor: the solve's own slot, as a scenario's, is set after normalising.)
    const { instance, options } = normalize({ ...body, previous: { allocations: first.allocations }, options: { baselines: false } });
    const warm = (timeLimitMs: number) => solveAllocate(instance, { ...options, timeLimitMs });
    const late = await warm(limit);
    expect(late.status).toBe('NO_SOLUTION_FOUND');
    expect(late.limit).toBe('TIME');
    expect(late.infeasibilities?.[0]?.constraint).toBe('timeLimitMs');
    expect(late.solver.statistics.phasesMs.prepare).toBeUndefined();
    // With more than that left, it prepares (whatever the machine then gives it). (200 ms over: what a
    // loaded machine takes between the clock's start and the check must not decide the test.)
    const inTime = await warm(Math.ceil(minSolverTimeMs(size)) + 200);
    expect(inTime.solver.statistics.phasesMs.prepare).toBeDefined();
  });
});
