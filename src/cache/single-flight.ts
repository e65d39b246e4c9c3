// Identical requests should cost one solve. Within a process, concurrent callers share one promise;
// across processes sharing Redis, one lock holder solves and the others wait for its cached answer.
import type { LockProvider } from './cache.js';

/** Coalesces concurrent calls with the same key into one execution of `work`. */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing !== undefined) return existing as Promise<T>;
    const flight = (async () => {
      try {
        return await work();
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, flight);
    return flight;
  }

  /** Whether a call with this key is in flight (a run() now would join it). */
  has(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** Number of distinct keys being worked on right now. */
  get size(): number {
    return this.inFlight.size;
  }
}

export interface PeerCoordination<T> {
  key: string;
  /** Reads a finished answer from the shared store (null: not there). Must not throw. */
  lookup: () => Promise<T | null>;
  /** Solves and publishes the answer to the store before resolving, so waiters can see it. */
  compute: () => Promise<T>;
  /** Lock lifetime, and the longest a waiter waits for the holder before solving itself. */
  holdMs: number;
  /** First poll interval; grows to maxPollMs so long solves are not polled hot. */
  pollMs?: number;
  maxPollMs?: number;
}

export interface Coordinated<T> {
  value: T;
  /** True when another holder (or an earlier request) produced the answer. */
  fromStore: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One solve per key across instances. Never hangs and never fails because of the lock store:
 * if the lock is unavailable, the holder vanishes, or the wait runs out, this caller solves itself.
 */
export async function computeOnceAcrossPeers<T>(lock: LockProvider | undefined, c: PeerCoordination<T>): Promise<Coordinated<T>> {
  if (lock === undefined) return { value: await c.compute(), fromStore: false };

  const attempt = await lock.tryLock(c.key, c.holdMs);
  if (attempt.outcome === 'acquired') {
    try {
      // The previous holder may have published between our cache miss and our lock.
      const published = await c.lookup();
      if (published !== null) return { value: published, fromStore: true };
      return { value: await c.compute(), fromStore: false };
    } finally {
      await attempt.release();
    }
  }

  if (attempt.outcome === 'held') {
    const fromPeer = await waitForPeer(lock, c);
    if (fromPeer !== null) return { value: fromPeer, fromStore: true };
  }
  return { value: await c.compute(), fromStore: false };
}

async function waitForPeer<T>(lock: LockProvider, c: PeerCoordination<T>): Promise<T | null> {
  const deadline = Date.now() + c.holdMs;
  let pollMs = c.pollMs ?? 20;
  const maxPollMs = c.maxPollMs ?? 200;
  while (Date.now() < deadline) {
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    pollMs = Math.min(pollMs * 1.5, maxPollMs);
    const published = await c.lookup();
    if (published !== null) return published;
    // Lock gone and nothing published: the holder's answer was not cacheable (e.g. hit its time
    // limit) or it died. One last look covers a publish that landed just before the release.
    if (!(await lock.isLocked(c.key))) return c.lookup();
  }
  return null;
}
