import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allocateRequestHash, cacheKey } from '../src/cache/key.js';
import { RedisCache } from '../src/cache/redis-cache.js';
import { normalize } from '../src/model/normalize.js';
import { SOLVER_VERSION } from '../src/solver/index.js';
import { createSolveService, type ServiceConfig } from '../src/compose.js';
import type { SolveService } from '../src/solve/types.js';
import { smallRequest } from './fixtures/allocate-requests.js';
import { CountingPool, cannedResult } from './fixtures/counting-pool.js';
import { SHARED_REDIS_URL, deleteKeys, uniquePrefix } from './fixtures/redis.js';
import { waitForRedis } from './fixtures/service-helpers.js';

// Two service instances sharing the real Redis, as two processes behind a load balancer would.
const prefix = uniquePrefix('single-flight');
const config: ServiceConfig = { redisUrl: SHARED_REDIS_URL, solverThreads: 1, solverMaxQueue: 64, cacheTtlS: 60, cacheMaxEntries: 100 };
const quiet = { warn() {}, info() {} };
const services: SolveService[] = [];

async function instance(pool: CountingPool): Promise<SolveService> {
  const service = createSolveService(config, { pool, keyPrefix: prefix, logger: quiet });
  services.push(service);
  await waitForRedis(service, 'up');
  return service;
}

/** A request no other test uses, so each test starts with a cold cache. */
let seed = 100;
function freshRequest() {
  const req = smallRequest();
  req.options = { ...req.options, seed: seed++ };
  return req;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await deleteKeys(prefix);
});

describe('single flight across instances sharing Redis', () => {
  it('two instances, 10 concurrent identical requests each → exactly one solve', async () => {
    const poolA = new CountingPool(300);
    const poolB = new CountingPool(300);
    const [a, b] = await Promise.all([instance(poolA), instance(poolB)]);
    const req = freshRequest();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).solve('allocate', req)));
    expect(poolA.runs + poolB.runs).toBe(1);
    expect(new Set(answers.map((x) => x.requestHash)).size).toBe(1);
    expect(answers.every((x) => x.result.objective === 1.5)).toBe(true);
    // The instance that did not solve read the answer from Redis.
    const waiter = poolA.runs === 1 ? 1 : 0;
    expect(answers.filter((_, i) => i % 2 === waiter).every((x) => x.cache === 'hit')).toBe(true);
  });

  it('a waiter stops waiting as soon as the holder releases without publishing (TIME answers are not cached)', async () => {
    const timeLimited = () => cannedResult({ status: 'FEASIBLE', limit: 'TIME' });
    const poolA = new CountingPool(300, timeLimited);
    const poolB = new CountingPool(50, timeLimited);
    const [a, b] = await Promise.all([instance(poolA), instance(poolB)]);
    const req = freshRequest();
    const holder = a.solve('allocate', req);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let A take the lock
    const started = Date.now();
    const waited = await b.solve('allocate', req);
    expect(Date.now() - started).toBeLessThan(1500); // far below the 7 s hold bound
    expect(waited.cache).toBe('miss');
    await holder;
    expect([poolA.runs, poolB.runs]).toEqual([1, 1]);
  });

  it('a lock left by a crashed holder delays a request by at most the lock TTL, never hangs it', async () => {
    const crashed = new RedisCache({ url: SHARED_REDIS_URL, keyPrefix: prefix, logger: quiet });
    try {
      await crashed.waitUntilUp(3000);
      const pool = new CountingPool(0);
      const service = await instance(pool);
      const req = freshRequest();
      const key = cacheKey('allocate', allocateRequestHash(SOLVER_VERSION, normalize(req)));
      expect((await crashed.tryLock(key, 400)).outcome).toBe('acquired'); // and never released
      const started = Date.now();
      const answer = await service.solve('allocate', req);
      const elapsedMs = Date.now() - started;
      expect(answer.cache).toBe('miss');
      expect(pool.runs).toBe(1);
      expect(elapsedMs).toBeGreaterThanOrEqual(300); // it did defer to the holder...
      expect(elapsedMs).toBeLessThan(2000); // ...only until the lock expired
    } finally {
      await crashed.close();
    }
  });
});
