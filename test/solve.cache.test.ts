import { afterEach, describe, expect, it } from 'vitest';
import { InputError, normalize } from '../src/model/normalize.js';
import type { AllocateResult } from '../src/model/types.js';
import { createSolveService, type ServiceConfig } from '../src/compose.js';
import { OverloadedError } from '../src/solve/errors.js';
import { type SolveService } from '../src/solve/types.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';
import { smallRequest, smallRequestWithExplicitDefaults } from './fixtures/allocate-requests.js';
import { CountingPool, cannedResult } from './fixtures/counting-pool.js';
import { unpackInstance, type PackedInstance } from '../src/solve/transfer.js';

const config: ServiceConfig = { redisUrl: undefined, solverThreads: 1, solverMaxQueue: 4, cacheTtlS: 60, cacheMaxEntries: 100 };
const services: SolveService[] = [];

function serviceWith(pool: CountingPool): SolveService {
  const service = createSolveService(config, { pool });
  services.push(service);
  return service;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

describe('solve service with the in-memory cache', () => {
  it('solves once, then answers from the cache under the same requestHash', async () => {
    const pool = new CountingPool(10);
    const service = serviceWith(pool);
    const first = await service.solve('allocate', smallRequest());
    expect(first.cache).toBe('miss');
    expect(first.requestHash).toMatch(/^[0-9a-f]{64}$/);
    const second = await service.solve('allocate', smallRequest());
    expect({ result: second.result, cache: second.cache, requestHash: second.requestHash }).toEqual({
      result: first.result,
      cache: 'hit',
      requestHash: first.requestHash,
    });
    // A hit carries the stored bytes, which the route sends as they are.
    expect(JSON.parse(second.stored!.bytes)).toEqual(first.result);
    // Same problem, other spelling: still a hit.
    expect((await service.solve('allocate', smallRequestWithExplicitDefaults())).cache).toBe('hit');
    expect(pool.runs).toBe(1);
  });

  it('hands the worker the normalised problem (instance packed for the crossing + options)', async () => {
    let seen: unknown;
    const pool = new CountingPool(0, (task) => ((seen = task), cannedResult()));
    await serviceWith(pool).solve('allocate', smallRequest());
    expect(seen).toMatchObject({ kind: 'allocate', input: { options: { timeLimitMs: 2000, seed: 1 } } });
    const instance = unpackInstance((seen as { input: { packed: PackedInstance } }).input.packed);
    expect(instance).toEqual(normalize(smallRequest()).instance);
  });

  it('does not cache answers cut short by the time limit', async () => {
    const pool = new CountingPool(0, () => cannedResult({ status: 'FEASIBLE', limit: 'TIME' }));
    const service = serviceWith(pool);
    expect((await service.solve('allocate', smallRequest())).cache).toBe('miss');
    expect((await service.solve('allocate', smallRequest())).cache).toBe('miss');
    expect(pool.runs).toBe(2);
  });

  it('serves a time-limited answer by its gap with the same default tolerance for every kind (blocks too: 1e-4)', async () => {
    // a blocks answer cut short at gap 5e-4: within 1e-3, not within the default 1e-4
    const cut = { status: 'FEASIBLE', termination: 'TIME', limit: 'TIME', relativeGap: 1e-4, roundLatencyS: 1, bound: 0.9995, gap: 5e-4 };
    const pool = new CountingPool(0, () => cut as unknown as AllocateResult);
    const service = serviceWith(pool);
    expect((await service.solve('blocks', BLOCKS_REQUEST_EXAMPLE)).cache).toBe('miss');
    expect((await service.solve('blocks', BLOCKS_REQUEST_EXAMPLE)).cache).toBe('miss');
    const loose = { ...BLOCKS_REQUEST_EXAMPLE, options: { ...BLOCKS_REQUEST_EXAMPLE.options, relativeGap: 1e-3 } };
    expect((await service.solve('blocks', loose)).cache).toBe('hit');
    expect(pool.runs).toBe(2);
  });

  it('caches INFEASIBLE answers (a property of the instance)', async () => {
    const infeasible: AllocateResult = cannedResult({
      status: 'INFEASIBLE',
      objective: undefined,
      infeasibilities: [{ constraint: 'deadline', deviceIds: ['ue-1'], detail: 'too slow' }],
    });
    const pool = new CountingPool(0, () => infeasible);
    const service = serviceWith(pool);
    await service.solve('allocate', smallRequest());
    const again = await service.solve('allocate', smallRequest());
    expect(again.cache).toBe('hit');
    expect(again.result.status).toBe('INFEASIBLE');
    expect(pool.runs).toBe(1);
  });

  it('lets InputError through before any solve', async () => {
    const pool = new CountingPool(0);
    const bad = { ...smallRequest(), devices: [] };
    await expect(serviceWith(pool).solve('allocate', bad)).rejects.toBeInstanceOf(InputError);
    expect(pool.runs).toBe(0);
  });

  it('lets OverloadedError through, and a later request can still solve', async () => {
    let overloaded = true;
    const pool = new CountingPool(0, () => {
      if (overloaded) throw new OverloadedError(3);
      return cannedResult();
    });
    const service = serviceWith(pool);
    await expect(service.solve('allocate', smallRequest())).rejects.toMatchObject({ name: 'OverloadedError', retryAfterS: 3 });
    overloaded = false;
    expect((await service.solve('allocate', smallRequest())).cache).toBe('miss');
  });

  it('reports readiness: workers from the pool, Redis disabled', async () => {
    const service = serviceWith(new CountingPool());
    expect(await service.readiness()).toEqual({
      ready: true,
      workers: { threads: 1, queued: 0, maxQueue: 4 },
      redis: 'disabled',
      queue: 'in-process',
    });
  });

  it('coalesces 30 concurrent identical requests into one pool run', async () => {
    const pool = new CountingPool(100);
    const service = serviceWith(pool);
    const answers = await Promise.all(Array.from({ length: 30 }, () => service.solve('allocate', smallRequest())));
    expect(pool.runs).toBe(1);
    expect(new Set(answers.map((a) => a.requestHash)).size).toBe(1);
    expect(answers.every((a) => a.result.objective === 1.5)).toBe(true);
    // Different problems are not coalesced.
    const other = smallRequest();
    other.options = { ...other.options, seed: 7 };
    await Promise.all([service.solve('allocate', other), service.solve('allocate', smallRequestWithExplicitDefaults())]);
    expect(pool.runs).toBe(2);
  });
});
