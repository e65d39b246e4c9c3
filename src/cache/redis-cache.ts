// Redis-backed cache and cross-instance lock. Redis is an optimisation here, never a dependency:
// every error is a miss or a skipped write, commands fail fast instead of queueing while Redis is
// down, and the client reconnects by itself.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Cache, CacheState, LockAttempt, LockProvider } from './cache.js';

/** The subset of a pino logger this module uses. */
export interface CacheLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

interface RedisCacheOptions {
  url: string;
  /** Namespaces every key, so several apps (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** Upper bound on one command and on connecting; small, since a slow cache is worse than none. */
  timeoutMs?: number;
  logger?: CacheLogger;
}

const DEFAULT_KEY_PREFIX = 'edge-allocator:v1:';

// Deletes the lock only if it still carries our token: after our TTL lapsed, another instance
// may hold it, and a plain DEL would release their lock.
const RELEASE_IF_OWNER = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;

const consoleLogger: CacheLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
  info: (obj, msg) => console.info(msg, obj),
};

export class RedisCache implements Cache, LockProvider {
  readonly backend = 'redis' as const;
  readonly keyPrefix: string;
  private readonly client: Redis;
  private readonly logger: CacheLogger;
  /** True from the first error of an outage until Redis answers again: one log line per outage. */
  private degraded = false;
  private closed = false;

  constructor(options: RedisCacheOptions) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.logger = options.logger ?? consoleLogger;
    const timeoutMs = options.timeoutMs ?? 500;
    this.client = new Redis(options.url, {
      // Without these, ioredis queues commands forever while Redis is unreachable.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      // Reconnect quickly and keep trying: capped backoff, never give up.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    });
    this.client.on('error', (err: Error) => this.noteFailure(err));
    // A dropped connection starts an outage even before a reconnection attempt errors.
    this.client.on('close', () => this.noteFailure(new Error('connection closed')));
    this.client.on('ready', () => this.noteSuccess());
  }

  state(): CacheState {
    return this.client.status === 'ready' ? 'up' : 'down';
  }

  /** Resolves once connected, or false after timeoutMs; for start-up logs and tests. */
  async waitUntilUp(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.state() !== 'up') {
      if (Date.now() >= deadline || this.closed) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  async get(key: string): Promise<string | null> {
    return this.attempt(() => this.client.get(this.keyPrefix + key), null);
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    // Redis wants whole seconds for EX; PX keeps fractional TTLs (tests) exact.
    await this.attempt(() => this.client.set(this.keyPrefix + key, value, 'PX', Math.max(1, Math.round(ttlS * 1000))), null);
  }

  async tryLock(key: string, ttlMs: number): Promise<LockAttempt> {
    const lockKey = this.lockKey(key);
    const token = randomUUID();
    const reply = await this.attempt(() => this.client.set(lockKey, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'), undefined);
    if (reply === undefined) return { outcome: 'unavailable' };
    if (reply !== 'OK') return { outcome: 'held' };
    return {
      outcome: 'acquired',
      release: async () => {
        await this.attempt(() => this.client.eval(RELEASE_IF_OWNER, 1, lockKey, token), null);
      },
    };
  }

  async isLocked(key: string): Promise<boolean> {
    const exists = await this.attempt(() => this.client.exists(this.lockKey(key)), 0);
    return exists === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => undefined);
    }
    // Also stops any pending reconnection when Redis was down.
    this.client.disconnect();
  }

  private lockKey(key: string): string {
    return `${this.keyPrefix}${key}:lock`;
  }

  /** Runs one command; any failure becomes `fallback`, so callers treat it as a miss. */
  private async attempt<T, F>(command: () => Promise<T>, fallback: F): Promise<T | F> {
    // Not connected: fail at once rather than create an error per request.
    if (this.closed || this.client.status !== 'ready') return fallback;
    try {
      const reply = await command();
      this.noteSuccess();
      return reply;
    } catch (err) {
      this.noteFailure(err as Error);
      return fallback;
    }
  }

  private noteFailure(err: Error): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.logger.warn({ err: err.message }, 'redis unavailable: serving without cache until it returns');
  }

  private noteSuccess(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.info({}, 'redis reachable again: cache restored');
  }
}
