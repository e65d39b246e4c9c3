import { afterAll, describe, expect, it } from 'vitest';
import { RedisCache, type CacheLogger } from '../src/cache/redis-cache.js';
import { SHARED_REDIS_URL, deleteKeys, freePort, uniquePrefix } from './fixtures/redis.js';

const prefix = uniquePrefix('cache');
const opened: RedisCache[] = [];

function open(url = SHARED_REDIS_URL, logger?: CacheLogger): RedisCache {
  const cache = new RedisCache({ url, keyPrefix: prefix, logger: logger ?? { warn() {}, info() {} } });
  opened.push(cache);
  return cache;
}

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await deleteKeys(prefix);
});

describe('RedisCache against the real Redis', () => {
  it('round-trips a value under the configured prefix, with a TTL', async () => {
    const cache = open();
    expect(await cache.waitUntilUp(3000)).toBe(true);
    expect(cache.state()).toBe('up');
    expect(cache.backend).toBe('redis');
    await cache.set('allocate:abc', '{"status":"OPTIMAL"}', 30);
    expect(await cache.get('allocate:abc')).toBe('{"status":"OPTIMAL"}');
    expect(await cache.get('allocate:missing')).toBeNull();

    const peer = open();
    await peer.waitUntilUp(3000);
    expect(await peer.get('allocate:abc')).toBe('{"status":"OPTIMAL"}'); // shared between instances
  });

  it('expires values after their TTL', async () => {
    const cache = open();
    await cache.waitUntilUp(3000);
    await cache.set('short', 'x', 0.1);
    expect(await cache.get('short')).toBe('x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await cache.get('short')).toBeNull();
  });

  it('lock: one holder at a time, release only by the owner, expiry by TTL', async () => {
    const a = open();
    const b = open();
    await Promise.all([a.waitUntilUp(3000), b.waitUntilUp(3000)]);

    const first = await a.tryLock('allocate:k1', 5000);
    expect(first.outcome).toBe('acquired');
    expect((await b.tryLock('allocate:k1', 5000)).outcome).toBe('held');
    expect(await b.isLocked('allocate:k1')).toBe(true);
    if (first.outcome === 'acquired') await first.release();
    expect(await b.isLocked('allocate:k1')).toBe(false);

    // A holder whose lock expired must not release the lock someone else took since.
    const stale = await a.tryLock('allocate:k2', 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fresh = await b.tryLock('allocate:k2', 5000);
    expect(fresh.outcome).toBe('acquired');
    if (stale.outcome === 'acquired') await stale.release();
    expect(await a.isLocked('allocate:k2')).toBe(true);
    if (fresh.outcome === 'acquired') await fresh.release();
  });
});

describe('RedisCache with Redis unreachable', () => {
  it('answers misses at once, skips writes, reports down and logs once per outage', async () => {
    const warnings: string[] = [];
    const cache = open(`redis://127.0.0.1:${await freePort()}`, { warn: (_o, msg) => warnings.push(msg), info() {} });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      expect(await cache.get(`k${i}`)).toBeNull();
      await cache.set(`k${i}`, 'v', 10);
    }
    expect((await cache.tryLock('k', 1000)).outcome).toBe('unavailable');
    expect(await cache.isLocked('k')).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(cache.state()).toBe('down');
    // Let a few reconnection attempts fail: still one line for the whole outage.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(warnings.length).toBe(1);
  });
});
