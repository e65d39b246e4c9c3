// The contracts the solve service needs from a result store. Implementations never throw: a store
// that cannot answer reports a miss, because a cache outage must never fail a request.

/** 'up': answering; 'down': configured but unreachable (requests still succeed, uncached). */
export type CacheState = 'up' | 'down' | 'disabled';

export interface Cache {
  /** Which store this is, so readiness can tell "no Redis configured" from "Redis down". */
  readonly backend: 'memory' | 'redis';
  /** The cached value, or null on a miss or on any store error. */
  get(key: string): Promise<string | null>;
  /** Stores value for ttlS seconds; a failed write is skipped silently. */
  set(key: string, value: string, ttlS: number): Promise<void>;
  state(): CacheState;
  close(): Promise<void>;
}

/**
 * A lock shared by every service instance, so identical requests arriving at different processes
 * trigger one solve. 'unavailable' (store down) means "proceed without coordination".
 */
export type LockAttempt = { outcome: 'acquired'; release: () => Promise<void> } | { outcome: 'held' } | { outcome: 'unavailable' };

export interface LockProvider {
  /** Takes the lock for key unless someone holds it; it expires by itself after ttlMs. */
  tryLock(key: string, ttlMs: number): Promise<LockAttempt>;
  /** Whether anyone holds the lock; false when the store cannot tell (so waiters stop waiting). */
  isLocked(key: string): Promise<boolean>;
}
