// A warm start (`previous`: what-if scenarios, re-allocations) keeps the limit like a cold one: if
// its start plan is not done by the limit + the fallback grace, the answer says so at once
// (NO_SOLUTION_FOUND, limit TIME, naming timeLimitMs) instead of planning on past the limit and
// everything after it. A slow machine is simulated by a clock that advances with every reading, so
// the test is deterministic.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
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
});
