import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/cache/memory-cache.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemoryCache', () => {
  it('round-trips values and misses unknown keys', async () => {
    const cache = new MemoryCache({ maxEntries: 10, defaultTtlS: 60 });
    await cache.set('a', '{"x":1}', 60);
    expect(await cache.get('a')).toBe('{"x":1}');
    expect(await cache.get('b')).toBeNull();
    expect(cache.state()).toBe('up');
    expect(cache.backend).toBe('memory');
    await cache.close();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2, defaultTtlS: 60 });
    await cache.set('a', '1', 60);
    await cache.set('b', '2', 60);
    await cache.get('a'); // a is now more recent than b
    await cache.set('c', '3', 60);
    expect(await cache.get('b')).toBeNull();
    expect(await cache.get('a')).toBe('1');
    expect(await cache.get('c')).toBe('3');
    expect(cache.size).toBe(2);
  });

  it('expires entries after their TTL', async () => {
    const cache = new MemoryCache({ maxEntries: 10, defaultTtlS: 60 });
    await cache.set('short', 'x', 0.05);
    await cache.set('long', 'y', 60);
    expect(await cache.get('short')).toBe('x');
    await sleep(80);
    expect(await cache.get('short')).toBeNull();
    expect(await cache.get('long')).toBe('y');
  });
});
