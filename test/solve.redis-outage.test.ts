import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSolveService, type ServiceConfig } from '../src/compose.js';
import type { SolveService } from '../src/solve/types.js';
import { smallRequest } from './fixtures/allocate-requests.js';
import { CountingPool } from './fixtures/counting-pool.js';
import { ThrowawayRedis, freePort } from './fixtures/redis.js';
import { waitForRedis } from './fixtures/service-helpers.js';

// A redis-server of our own, so the test can kill it mid-run (the shared one stays untouched).
let redis: ThrowawayRedis;
let service: SolveService;
const pool = new CountingPool(5);
const log = { warnings: [] as string[], infos: [] as string[] };

function requestWithSeed(seed: number) {
  const req = smallRequest();
  req.options = { ...req.options, seed };
  return req;
}

beforeAll(async () => {
  redis = new ThrowawayRedis(await freePort());
  await redis.start();
  const config: ServiceConfig = { redisUrl: redis.url, solverThreads: 1, solverMaxQueue: 8, cacheTtlS: 60, cacheMaxEntries: 100 };
  service = createSolveService(config, {
    pool,
    logger: { warn: (_o, msg) => log.warnings.push(msg), info: (_o, msg) => log.infos.push(msg) },
  });
  await waitForRedis(service, 'up');
});

afterAll(async () => {
  await service?.close();
  await redis?.stop();
});

describe('Redis outage', () => {
  it('caches while Redis is up', async () => {
    expect((await service.solve('allocate', requestWithSeed(1))).cache).toBe('miss');
    expect((await service.solve('allocate', requestWithSeed(1))).cache).toBe('hit');
  });

  it('while Redis is dead, every request still succeeds (uncached) and readiness says redis down', async () => {
    await redis.stop();
    await waitForRedis(service, 'down');

    const runsBefore = pool.runs;
    const started = Date.now();
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => service.solve('allocate', requestWithSeed(10 + i))),
      service.solve('allocate', requestWithSeed(1)), // cached before the outage, unreachable now
    ]);
    expect(answers.every((a) => a.cache === 'miss' && a.result.status === 'OPTIMAL')).toBe(true);
    expect(pool.runs - runsBefore).toBe(11);
    expect(Date.now() - started).toBeLessThan(2000); // no waiting on a dead Redis

    // Identical concurrent requests are still coalesced in-process.
    const same = await Promise.all(Array.from({ length: 5 }, () => service.solve('allocate', requestWithSeed(50))));
    expect(new Set(same.map((a) => a.requestHash)).size).toBe(1);
    expect(pool.runs - runsBefore).toBe(12);

    expect(await service.readiness()).toMatchObject({ ready: true, redis: 'down' });
    expect(log.warnings).toHaveLength(1); // one line per outage, not one per command
  });

  it('recovers by itself when Redis comes back', async () => {
    await redis.start();
    await waitForRedis(service, 'up', 8000);
    expect(log.infos).toHaveLength(1);
    expect((await service.solve('allocate', requestWithSeed(2))).cache).toBe('miss');
    expect((await service.solve('allocate', requestWithSeed(2))).cache).toBe('hit');
    expect(await service.readiness()).toMatchObject({ ready: true, redis: 'up' });
  });
});
