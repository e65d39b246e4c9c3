// In-process LRU: the cache when no REDIS_URL is configured (one instance, nothing to share).
import { LRUCache } from 'lru-cache';
import type { Cache, CacheState } from './cache.js';

interface MemoryCacheOptions {
  maxEntries: number;
  /** Used when set() is called without a positive ttl. */
  defaultTtlS: number;
}

export class MemoryCache implements Cache {
  readonly backend = 'memory' as const;
  private readonly lru: LRUCache<string, string>;

  constructor(options: MemoryCacheOptions) {
    this.lru = new LRUCache<string, string>({
      max: options.maxEntries,
      ttl: options.defaultTtlS * 1000,
      // Expired entries are dropped when touched; no timers, so tests and shutdown stay clean.
      ttlAutopurge: false,
    });
  }

  async get(key: string): Promise<string | null> {
    return this.lru.get(key) ?? null;
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    this.lru.set(key, value, ttlS > 0 ? { ttl: ttlS * 1000 } : undefined);
  }

  state(): CacheState {
    return 'up';
  }

  get size(): number {
    return this.lru.size;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
