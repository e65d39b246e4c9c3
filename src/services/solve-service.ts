// The solve service: normalise → canonical hash → cache → single flight → worker pool → cache.
// Routes call it; it knows nothing about HTTP. Redis, when configured, only ever speeds things up.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config.js';
import type { Cache, LockProvider } from '../cache/cache.js';
import { allocateHash, allocateRequestHash, cacheKey, requestHash, snapshotDigest } from '../cache/key.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { RedisCache, type CacheLogger } from '../cache/redis-cache.js';
import { SingleFlight, computeOnceAcrossPeers } from '../cache/single-flight.js';
import { normalizeBlocksRequest } from '../blocks/normalize.js';
import type { BlocksRequest } from '../blocks/request.js';
import type { BlocksResult } from '../blocks/types.js';
import { BLOCKS_SOLVER_VERSION } from '../blocks/version.js';
import type { AllocateRequest } from '../model/request.js';
import { InputError, normalize } from '../model/normalize.js';
import { minTimeLimitMs } from '../model/time-floor.js';
import { DEFAULTS } from '../model/defaults.js';
import type { AllocateResult } from '../model/types.js';
import { createSolverPool, type SolverPool } from '../pool/solver-pool.js';
import { SOLVER_VERSION } from '../solver/version.js';
import type { SolveTask } from '../worker/solve-worker.js';
import { firstNonFinite } from './finite.js';
import { packInstance } from '../worker/transfer.js';
import { paretoSweep, pointRequest, solvePareto } from './pareto.js';
import { answerReserveMs } from '../worker/time-budget.js';
import { NonFiniteResultError, OverloadedError, type CallTiming, type ParetoRequest, type ParetoResult, type Readiness, type SolveObserver, type SolveService, type Solved } from './types.js';

export type ServiceConfig = Pick<AppConfig, 'redisUrl' | 'solverThreads' | 'solverMaxQueue' | 'cacheTtlS' | 'cacheMaxEntries'>;

/** Pieces a caller may supply instead of the ones built from config (tests, embedding). */
export interface SolveServiceDeps {
  /** Not destroyed by close(): whoever made it owns it. */
  pool?: SolverPool;
  /** Not closed by close(). */
  cache?: Cache;
  /** Cross-instance lock; defaults to the cache when it can lock (Redis). */
  lock?: LockProvider;
  /** Redis key namespace (default edge-allocator:v1:); tests use one per run. */
  keyPrefix?: string;
  logger?: CacheLogger;
  /** Told about cache outcomes, solves and single-flight joins (metrics); none by default. */
  observer?: SolveObserver;
}

/** What the service must know about one problem kind to cache it correctly. */
interface ProblemKindSpec<R> {
  kind: SolveTask['kind'];
  solverVersion: string;
  /** Whether an answer may be served to later callers. */
  cacheable(result: R): boolean;
  /** What the observer is told about a finished solve. */
  outcome(result: R): { status: string; limit: 'TIME' | undefined; gap: number | undefined };
}

const ALLOCATE: ProblemKindSpec<AllocateResult> = {
  kind: 'allocate',
  solverVersion: SOLVER_VERSION,
  // A time-limited answer depends on machine load, so a later solve may do better: not cached.
  // INFEASIBLE is a property of the instance and is cached; ERROR is a fault and is not.
  cacheable: (result) => result.limit !== 'TIME' && result.status !== 'ERROR',
  outcome: (result) => ({ status: result.status, limit: result.limit, gap: result.gap }),
};

const BLOCKS: ProblemKindSpec<BlocksResult> = {
  kind: 'blocks',
  solverVersion: BLOCKS_SOLVER_VERSION,
  // Same policy as allocate: time-limited answers and faults are not cached, INFEASIBLE is.
  cacheable: (result) => result.limit !== 'TIME' && result.status !== 'ERROR',
  outcome: (result) => ({ status: result.status, limit: result.limit, gap: result.gap }),
};

/** Least time a Pareto point costs whatever its size: a round trip through the pool and the cache. */
const PARETO_POINT_MIN_MS = 5;

/** Slack beyond a solve's own time limit for queueing, thread hand-off and the cache write. */
const HOLD_MARGIN_MS = 5000;

function canLock(cache: Cache): cache is Cache & LockProvider {
  return typeof (cache as Partial<LockProvider>).tryLock === 'function';
}

export function createSolveService(config: ServiceConfig, deps: SolveServiceDeps = {}): SolveService {
  const ownedPool = deps.pool === undefined ? createSolverPool({ threads: config.solverThreads, maxQueue: config.solverMaxQueue }) : undefined;
  const pool = deps.pool ?? ownedPool!;
  const ownedCache =
    deps.cache !== undefined
      ? undefined
      : config.redisUrl
        ? new RedisCache({ url: config.redisUrl, keyPrefix: deps.keyPrefix, logger: deps.logger })
        : new MemoryCache({ maxEntries: config.cacheMaxEntries, defaultTtlS: config.cacheTtlS });
  const cache = deps.cache ?? ownedCache!;
  const lock = deps.lock ?? (canLock(cache) ? cache : undefined);
  const flights = new SingleFlight();
  const observer = deps.observer;

  /** pool.run, timed and reported to the observer. */
  async function runObserved<R>(spec: ProblemKindSpec<R>, task: SolveTask): Promise<R> {
    const t0 = performance.now();
    let result: R;
    try {
      result = (await pool.run(task)) as R;
    } catch (err) {
      observer?.solved(spec.kind, err instanceof OverloadedError ? 'OVERLOADED' : 'FAILED', undefined, undefined, undefined);
      throw err;
    }
    const { status, limit, gap } = spec.outcome(result);
    observer?.solved(spec.kind, status, limit, (performance.now() - t0) / 1000, gap);
    return result;
  }

  async function cached<R>(key: string): Promise<R | null> {
    const raw = await cache.get(key);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as R;
    } catch {
      return null; // a corrupt entry is a miss; the next solve overwrites it
    }
  }

  /** The path every problem kind shares once its input is normalised and hashed. */
  async function solve<R>(spec: ProblemKindSpec<R>, task: SolveTask, timeLimitMs: number, hash: string): Promise<Solved<R>> {
    const key = cacheKey(spec.kind, hash);

    const hit = await cached<R>(key);
    if (hit !== null) return { result: hit, cache: 'hit', requestHash: hash };
    if (flights.has(key)) observer?.joined(spec.kind);

    // Concurrent identical requests in this process share one flight (and so one result object:
    // callers must treat results as read-only).
    const { value, fromStore } = await flights.run(key, () =>
      computeOnceAcrossPeers<R>(lock, {
        key,
        holdMs: timeLimitMs + HOLD_MARGIN_MS,
        lookup: () => cached<R>(key),
        compute: async () => {
          const result = await runObserved(spec, task);
          // Before the cache: JSON would store NaN as null, and the serialiser would refuse it.
          const bad = firstNonFinite(result);
          if (bad !== null) throw new NonFiniteResultError(spec.kind, bad.path, bad.value);
          if (spec.cacheable(result)) await cache.set(key, JSON.stringify(result), config.cacheTtlS);
          return result;
        },
      }),
    );
    return { result: value, cache: fromStore ? 'hit' : 'miss', requestHash: hash };
  }

  // Normalising and canonically hashing a large body costs milliseconds; a repeated body (the
  // common cache hit) is recognised by a hash of its bytes as parsed, mapped to its request hash.
  const knownBodies = new LRUCache<string, string>({ max: Math.max(16, config.cacheMaxEntries) });
  const bodyFingerprint = (kind: string, body: unknown) => createHash('sha256').update(kind).update('\0').update(JSON.stringify(body)).digest('hex');

  async function remembered<R>(kind: string, body: unknown): Promise<{ fingerprint: string; hit: Solved<R> | null }> {
    const fingerprint = bodyFingerprint(kind, body);
    const hash = knownBodies.get(fingerprint);
    const hit = hash === undefined ? null : await cached<R>(cacheKey(kind as SolveTask['kind'], hash));
    return { fingerprint, hit: hit === null ? null : { result: hit, cache: 'hit', requestHash: hash! } };
  }

  async function allocate(body: AllocateRequest, { receivedAt = Date.now() }: CallTiming = {}): Promise<Solved<AllocateResult>> {
    // The time limit counts from receivedAt (see remainingLimitMs).
    const { fingerprint, hit } = await remembered<AllocateResult>('allocate', body);
    if (hit) {
      observer?.cache('allocate', 'hit');
      return hit;
    }
    const input = normalize(body); // InputError propagates: a 400, before any cache or pool work
    const task: SolveTask = { kind: 'allocate', input: { packed: packInstance(input.instance), options: input.options }, receivedAt };
    const out = await solve(ALLOCATE, task, input.options.timeLimitMs, allocateRequestHash(SOLVER_VERSION, input));
    knownBodies.set(fingerprint, out.requestHash);
    observer?.cache('allocate', out.cache);
    return out;
  }

  /**
   * The sweep's time limit is for the whole request: the snapshot is normalised, hashed and packed
   * once, and the points, which run `threads` at a time, share what is left of the limit in equal
   * slots, each point's deadline the end of its slot (a point that starts late gets less).
   */
  async function allocatePareto(body: ParetoRequest, { receivedAt = Date.now() }: CallTiming = {}): Promise<ParetoResult> {
    const sweep = paretoSweep(body); // InputError → 400
    const P = sweep.weights.length;
    const threads = Math.max(1, pool.stats().threads);
    const rounds = Math.ceil(P / threads);
    // Every point needs an allocate floor of its own (its first plan; the threads share the
    // machine's cores with everything else, so no credit is taken for running in parallel), and
    // the sweep one more for what it does once (normalising and hashing the snapshot, the answer).
    // Checked before normalising: refusing must not cost what it refuses.
    const limitMs = body.options?.timeLimitMs ?? DEFAULTS.timeLimitMs;
    const size = { devices: body.devices?.length ?? 0, servers: body.servers?.length ?? 0, layers: body.model?.layers ?? 0 };
    const floorMs = (P + 1) * Math.max(PARETO_POINT_MIN_MS, minTimeLimitMs(size));
    if (limitMs < floorMs) {
      throw new InputError('options.timeLimitMs', `must be at least ${floorMs} ms for ${P} points at this size (docs/time-limits.md)`);
    }
    const base = normalize(pointRequest(body, sweep.weights[0]));
    const digest = snapshotDigest(SOLVER_VERSION, base.instance);
    const packed = packInstance(base.instance);
    const reserveMs = answerReserveMs(P * base.instance.devices.length);
    // A point is keyed like POST /allocate with the sweep's limit (so they share cache entries) but
    // must answer by the end of its slot; an answer cut short there is marked limit TIME and, like
    // every time-limited answer, not cached.
    const options = base.options;
    const startAt = Date.now();
    const slotMs = Math.max(0, receivedAt + base.options.timeLimitMs - reserveMs - startAt) / rounds;
    return solvePareto(sweep, (weights, i) => {
      const deadlineAt = Math.floor(startAt + slotMs * (Math.floor(i / threads) + 1));
      const task: SolveTask = { kind: 'allocate', input: { packed: { ...packed, instance: { ...packed.instance, weights } }, options }, receivedAt, deadlineAt };
      return solve(ALLOCATE, task, options.timeLimitMs, allocateHash(digest, weights, options)).then((out) => {
        observer?.cache('allocate', out.cache);
        return out;
      });
    });
  }

  return {
    allocate,

    // Each point is an ordinary allocate solve: its own cache entry (shared with POST /allocate for
    // the same weights and limit), single flight and pool slot, so the points solve in parallel.
    allocatePareto,

    async allocateBlocks(body: BlocksRequest, { receivedAt = Date.now() }: CallTiming = {}): Promise<Solved<BlocksResult>> {
      const { fingerprint, hit } = await remembered<BlocksResult>('blocks', body);
      if (hit) {
        observer?.cache('blocks', 'hit');
        return hit;
      }
      const input = normalizeBlocksRequest(body); // InputError → 400, before any cache or pool work
      const hash = requestHash({ kind: 'blocks', solverVersion: BLOCKS_SOLVER_VERSION, input });
      const out = await solve(BLOCKS, { kind: 'blocks', input, receivedAt }, input.options.timeLimitMs, hash);
      knownBodies.set(fingerprint, out.requestHash);
      observer?.cache('blocks', out.cache);
      return out;
    },

    async readiness(): Promise<Readiness> {
      const { threads, queued, maxQueue } = pool.stats();
      return {
        // A down Redis only costs speed, so it never makes the service unready.
        ready: pool.isReady(),
        workers: { threads, queued, maxQueue },
        redis: cache.backend === 'redis' ? cache.state() : 'disabled',
      };
    },

    workload() {
      const { threads, queued, busy } = pool.stats();
      return { threads, queued, busy };
    },

    async close(): Promise<void> {
      await Promise.allSettled([ownedPool?.destroy(), ownedCache?.close()]);
    },
  };
}
