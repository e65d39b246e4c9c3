// Identical requests should cost one solve. Within a process, concurrent callers share one promise;
// across processes sharing Redis, one lock holder solves and the others wait for its cached answer.
import type { LockProvider } from './cache.js';

interface Flight {
  promise: Promise<unknown>;
  /** callers still waiting for this flight */
  callers: number;
  /** aborted when the last caller leaves before the work is done */
  stop: AbortController;
}

/** The error a caller gets when its own signal aborts (its client went away): nobody reads it. */
class CallerGoneError extends Error {
  constructor() {
    super('caller went away');
    this.name = 'CallerGoneError';
  }
}

/**
 * Coalesces concurrent calls with the same key into one execution of `work`. A caller may pass a
 * signal (client gone, job cancelled): it leaves the flight with a CallerGoneError while others
 * still wait (the shared solve goes on for them); the last caller to leave aborts the work's own
 * signal, so the solve stops, and receives the work's early answer.
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Flight>();

  run<T>(key: string, work: (stop: AbortSignal) => Promise<T>, caller?: AbortSignal): Promise<T> {
    let flight = this.inFlight.get(key);
    if (flight === undefined) {
      const stop = new AbortController();
      const created: Flight = { promise: Promise.resolve(), callers: 0, stop };
      created.promise = (async () => {
        try {
          return await work(stop.signal);
        } finally {
          if (this.inFlight.get(key) === created) this.inFlight.delete(key);
        }
      })();
      this.inFlight.set(key, created);
      flight = created;
    }
    const joined = flight;
    joined.callers += 1;
    if (caller === undefined) return joined.promise as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        joined.callers -= 1;
        if (joined.callers > 0) return reject(new CallerGoneError()); // the others keep the solve going
        // The last caller stops the work and still gets its early answer (a cancelled job keeps
        // its best allocation). A stopping flight answers early: later callers start a fresh one.
        joined.stop.abort();
        if (this.inFlight.get(key) === joined) this.inFlight.delete(key);
      };
      // Already gone on arrival: leave at once, but still take the early answer if this was the last caller.
      if (caller.aborted) leave();
      else caller.addEventListener('abort', leave, { once: true });
      (joined.promise as Promise<T>).then(
        (v) => {
          caller.removeEventListener('abort', leave);
          resolve(v);
        },
        (e: unknown) => {
          caller.removeEventListener('abort', leave);
          reject(e);
        },
      );
    });
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

interface PeerCoordination<T> {
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

interface Coordinated<T> {
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
