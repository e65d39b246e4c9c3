// The solve service: normalise → canonical hash → cache → single flight → solver backend → cache.
// Routes and the job runner call it; it knows nothing about HTTP. The backend runs solves in this
// process's threads or on queue workers (BullMQ); Redis, when configured, shares the cache.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config.js';
import type { Cache, LockProvider } from '../cache/cache.js';
import { allocateRequestHash, cacheKey, requestHash } from '../cache/key.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { RedisCache, type CacheLogger } from '../cache/redis-cache.js';
import { SingleFlight, computeOnceAcrossPeers } from '../cache/single-flight.js';
import { DEFAULT_GAP_TOLERANCE, answerMeta, betterAnswer, decodeAnswer, encodeAnswer, servesRequest, storable, type StoredAnswer } from '../cache/stored-answer.js';
import { normalizeBlocksRequest } from '../blocks/normalize.js';
import type { BlocksRequest } from '../blocks/request.js';
import type { BlocksResult } from '../blocks/types.js';
import { BLOCKS_SOLVER_VERSION } from '../blocks/version.js';
import type { AllocateRequest } from '../model/request.js';
import { normalize } from '../model/normalize.js';
import type { AllocateResult } from '../model/types.js';
import { createSolverPool, type SolverPool } from '../pool/solver-pool.js';
import type { BackendTask, RunOutcome, SolverBackend } from '../queue/backend.js';
import { createInProcessBackend } from '../queue/in-process.js';
import { SOLVER_VERSION } from '../solver/version.js';
import { DEFAULTS } from '../model/defaults.js';
import { InputError } from '../model/normalize.js';
import { minParetoTimeLimitMs } from '../model/time-floor.js';
import { answerReserveMs } from '../worker/time-budget.js';
import { firstNonFinite } from './finite.js';
import { paretoSweep, pointRequest, solvePareto } from './pareto.js';
import { NonFiniteResultError, OverloadedError, type CallOptions, type ParetoRequest, type ParetoResult, type Readiness, type SolveObserver, type SolveService, type Solved } from './types.js';

export type ServiceConfig = Pick<AppConfig, 'redisUrl' | 'solverThreads' | 'solverMaxQueue' | 'cacheTtlS' | 'cacheMaxEntries'> &
  Partial<Pick<AppConfig, 'paretoMaxParallel'>>;

/** Pieces a caller may supply instead of the ones built from config (tests, embedding). */
export interface SolveServiceDeps {
  /** Not destroyed by close(): whoever made it owns it. */
  pool?: SolverPool;
  /** Where solves run (default: this process's threads over `pool`). Closed by close(). */
  backend?: SolverBackend;
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

type Kind = BackendTask['kind'];


/** Slack beyond a solve's own time limit for queueing, thread hand-off and the cache write. */
const HOLD_MARGIN_MS = 5000;

const SOLVER_VERSIONS: Record<Kind, string> = { allocate: SOLVER_VERSION, blocks: BLOCKS_SOLVER_VERSION };

function canLock(cache: Cache): cache is Cache & LockProvider {
  return typeof (cache as Partial<LockProvider>).tryLock === 'function';
}

/** A Solved served from stored bytes: the result is parsed only if someone reads it (Pareto points do). */
function fromStore<R>(stored: StoredAnswer, hash: string): Solved<R> {
  let parsed: R | undefined;
  return {
    get result(): R {
      parsed ??= JSON.parse(stored.bytes) as R;
      return parsed;
    },
    cache: 'hit',
    requestHash: hash,
    stored: { bytes: stored.bytes, status: stored.meta.status },
  };
}

function gapToleranceOf(body: unknown): number {
  const t = (body as { options?: { gapTolerance?: unknown } } | null)?.options?.gapTolerance;
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 ? t : DEFAULT_GAP_TOLERANCE;
}

/** The request hash: allocate hashes long numeric arrays as bytes (fast at 10,000 devices). */
function hashOf(kind: Kind, input: unknown): string {
  if (kind === 'allocate') return allocateRequestHash(SOLVER_VERSION, input as Parameters<typeof allocateRequestHash>[1]);
  return requestHash({ kind, solverVersion: SOLVER_VERSIONS[kind], input });
}

/** What the observer is told about an answer. */
function outcomeOf(result: unknown): { status: string; limit: 'TIME' | undefined; gap: number | undefined } {
  const r = result as { status: string; limit?: 'TIME'; gap?: number };
  return { status: r.status, limit: r.limit, gap: r.gap };
}

/** Answer of one flight: from the store (bytes) or fresh from the backend. */
type Flown = { stored: StoredAnswer } | { outcome: RunOutcome };

export function createSolveService(config: ServiceConfig, deps: SolveServiceDeps = {}): SolveService {
  const ownedPool =
    deps.pool === undefined && deps.backend === undefined ? createSolverPool({ threads: config.solverThreads, maxQueue: config.solverMaxQueue }) : undefined;
  const backend = deps.backend ?? createInProcessBackend(deps.pool ?? ownedPool!);
  const ownedCache =
    deps.cache !== undefined
      ? undefined
      : config.redisUrl
        ? new RedisCache({ url: config.redisUrl, keyPrefix: deps.keyPrefix, logger: deps.logger })
        : new MemoryCache({ maxEntries: config.cacheMaxEntries, defaultTtlS: config.cacheTtlS });
  const cache = deps.cache ?? ownedCache!;
  // Queue workers share solves by job id already; the lock is for instances that solve themselves.
  const lock = backend.mode === 'bullmq' ? undefined : (deps.lock ?? (canLock(cache) ? cache : undefined));
  const flights = new SingleFlight();
  const observer = deps.observer;

  /** backend.run, timed and reported to the observer; an answer holding NaN/Infinity is refused before it is cached. */
  async function runObserved(task: BackendTask, control: Parameters<SolverBackend['run']>[1]): Promise<RunOutcome> {
    const t0 = performance.now();
    let outcome: RunOutcome;
    try {
      outcome = await backend.run(task, control);
    } catch (err) {
      observer?.solved(task.kind, err instanceof OverloadedError ? 'OVERLOADED' : 'FAILED', undefined, undefined, undefined);
      throw err;
    }
    if (outcome.result !== null) {
      // Before the cache: JSON would store NaN as null, and the serialiser would refuse it.
      const bad = firstNonFinite(outcome.result);
      if (bad !== null) throw new NonFiniteResultError(task.kind, bad.path, bad.value);
      const { status, limit, gap } = outcomeOf(outcome.result);
      observer?.solved(task.kind, status, limit, (performance.now() - t0) / 1000, gap);
    }
    return outcome;
  }

  async function lookup(key: string, gapTolerance: number): Promise<StoredAnswer | null> {
    const raw = await cache.get(key);
    const stored = raw === null ? null : decodeAnswer(raw);
    return stored !== null && servesRequest(stored.meta, gapTolerance) ? stored : null;
  }

  /** Stores an answer unless the cache holds a better one (final beats time-limited, then the smaller gap). */
  async function store(key: string, result: { status: string; limit?: string; gap?: number }): Promise<void> {
    const meta = answerMeta(result);
    if (!storable(meta)) return;
    const raw = await cache.get(key);
    const current = raw === null ? null : decodeAnswer(raw);
    if (!betterAnswer(meta, current?.meta ?? null)) return;
    await cache.set(key, encodeAnswer(result), config.cacheTtlS);
  }

  /** The path every problem kind shares once its input is normalised. */
  async function solve<R>(kind: Kind, body: unknown, input: BackendTask['input'], timeLimitMs: number, call: CallOptions): Promise<Solved<R>> {
    const hashedInput = call.timeLimitMs === undefined ? input : { ...(input as object), options: { ...(input as { options: object }).options, timeLimitMs } };
    const hash = hashOf(kind, hashedInput);
    const key = cacheKey(kind, hash);
    const tolerance = gapToleranceOf(body);
    // Callers share a flight only when they accept the same answers by the same time: a Pareto point
    // due early must not wait for a full-limit solve of the same request, nor cut one short.
    const flightKey = `${key}|${tolerance}|${call.deadlineAt ?? ''}`;

    const hit = await lookup(key, tolerance);
    if (hit !== null) return fromStore<R>(hit, hash);

    const task: BackendTask = {
      kind,
      requestHash: hash,
      input,
      body,
      ...(call.timeLimitMs !== undefined ? { timeLimitMs: call.timeLimitMs } : {}),
      receivedAt: call.receivedAt ?? Date.now(),
      ...(call.deadlineAt !== undefined ? { deadlineAt: call.deadlineAt } : {}),
    };
    if (flights.has(flightKey)) observer?.joined(kind);
    // Concurrent identical requests in this process share one flight (and so one result object:
    // callers must treat results as read-only). The flight stops when every caller has left.
    const flown = await flights.run<{ value: Flown; fromStore: boolean }>(
      flightKey,
      (stop) =>
        computeOnceAcrossPeers<Flown>(lock, {
          key,
          holdMs: timeLimitMs + HOLD_MARGIN_MS,
          lookup: async () => {
            const stored = await lookup(key, tolerance);
            return stored === null ? null : { stored };
          },
          compute: async () => {
            const outcome = await runObserved(task, { signal: stop, onProgress: call.onProgress, onBest: call.onBest });
            if (outcome.result !== null && !backend.cachesAnswers) await store(key, outcome.result as { status: string });
            return { outcome };
          },
        }),
      call.signal,
    );
    const value = flown.value;
    if ('stored' in value) return fromStore<R>(value.stored, hash);
    const { outcome } = value;
    if (outcome.result === null) throw new StoppedBeforeStartError();
    return {
      result: outcome.result as R,
      cache: flown.fromStore || outcome.shared === true ? 'hit' : 'miss',
      requestHash: hash,
      ...(outcome.stopped ? { stopped: true } : {}),
    };
  }

  // Normalising and canonically hashing a large body costs milliseconds; a repeated body (the
  // common cache hit) is recognised by a hash of its bytes as parsed, mapped to its request hash.
  const knownBodies = new LRUCache<string, string>({ max: Math.max(16, config.cacheMaxEntries) });
  const bodyFingerprint = (kind: string, body: unknown, call: CallOptions) =>
    call.bodyDigest !== undefined
      ? `${kind}|${call.timeLimitMs ?? ''}|raw:${call.bodyDigest}`
      : `${kind}|${call.timeLimitMs ?? ''}|${createHash('sha256').update(JSON.stringify(body)).digest('base64')}`;

  async function remembered<R>(kind: Kind, body: unknown, call: CallOptions): Promise<{ fingerprint: string; hit: Solved<R> | null }> {
    const fingerprint = bodyFingerprint(kind, body, call);
    const hash = knownBodies.get(fingerprint);
    const stored = hash === undefined ? null : await lookup(cacheKey(kind, hash), gapToleranceOf(body));
    return { fingerprint, hit: stored === null ? null : fromStore<R>(stored, hash!) };
  }

  async function allocate(body: AllocateRequest, call: CallOptions = {}): Promise<Solved<AllocateResult>> {
    call = { ...call, receivedAt: call.receivedAt ?? Date.now() }; // the time limit counts from here (see remainingLimitMs)
    const { fingerprint, hit } = await remembered<AllocateResult>('allocate', body, call);
    if (hit) {
      observer?.cache('allocate', 'hit');
      return hit;
    }
    const input = normalize(body); // InputError propagates: a 400, before any cache or pool work
    const out = await solve<AllocateResult>('allocate', body, input, call.timeLimitMs ?? input.options.timeLimitMs, call);
    knownBodies.set(fingerprint, out.requestHash);
    observer?.cache('allocate', out.cache);
    return out;
  }

  return {
    allocate,

    /**
     * Each point is an ordinary allocate(): its own cache entry (shared with POST /allocate for the
     * same weights and limit) and single flight; at most paretoMaxParallel of them at once, so a
     * sweep never starves other callers. The time limit is for the whole sweep: the points, run
     * `parallel` at a time, share what is left of it in equal slots, each point due at the end of
     * its slot (a point that starts early gets more).
     */
    async allocatePareto(body: ParetoRequest, call: CallOptions = {}): Promise<ParetoResult> {
      const receivedAt = call.receivedAt ?? Date.now();
      const sweep = paretoSweep(body); // InputError → 400
      const P = sweep.weights.length;
      const { threads } = await backend.stats();
      const parallel = Math.max(1, Math.min(config.paretoMaxParallel ?? 2, threads || 1));
      const rounds = Math.ceil(P / parallel);
      // Checked before normalising: refusing must not cost what it refuses.
      const limitMs = call.timeLimitMs ?? body.options?.timeLimitMs ?? DEFAULTS.timeLimitMs;
      const size = { devices: body.devices?.length ?? 0, servers: body.servers?.length ?? 0, layers: body.model?.layers ?? 0 };
      const floorMs = minParetoTimeLimitMs(P, size);
      if (limitMs < floorMs) {
        throw new InputError('options.timeLimitMs', `must be at least ${floorMs} ms for ${P} points at this size (docs/time-limits.md)`);
      }
      const startAt = Date.now();
      const slotMs = Math.max(0, receivedAt + limitMs - answerReserveMs(P * size.devices) - startAt) / rounds;
      // A point's body is not the request's: the request's byte digest must not stand for it.
      const { onProgress, onBest: _onBest, bodyDigest: _requestDigest, ...pointCall } = call;
      // A cancelled sweep still answers every point: one stopped before its solve started gets a
      // fallback due at once (time-limited, so never cached) instead of failing the whole sweep.
      const fallback = (point: AllocateRequest) => allocate(point, { ...pointCall, signal: undefined, receivedAt, deadlineAt: Date.now() });
      return solvePareto(
        sweep,
        async (weights, i) => {
          const point = pointRequest(body, weights);
          if (call.signal?.aborted) return fallback(point);
          try {
            return await allocate(point, { ...pointCall, receivedAt, deadlineAt: Math.floor(startAt + slotMs * (Math.floor(i / parallel) + 1)) });
          } catch (err) {
            if (err instanceof StoppedBeforeStartError) return fallback(point);
            throw err;
          }
        },
        { maxParallel: parallel, onProgress },
      );
    },

    async allocateBlocks(body: BlocksRequest, call: CallOptions = {}): Promise<Solved<BlocksResult>> {
      call = { ...call, receivedAt: call.receivedAt ?? Date.now() };
      const { fingerprint, hit } = await remembered<BlocksResult>('blocks', body, call);
      if (hit) {
        observer?.cache('blocks', 'hit');
        return hit;
      }
      const input = normalizeBlocksRequest(body); // InputError → 400, before any cache or pool work
      const out = await solve<BlocksResult>('blocks', body, input, call.timeLimitMs ?? input.options.timeLimitMs, call);
      knownBodies.set(fingerprint, out.requestHash);
      observer?.cache('blocks', out.cache);
      return out;
    },

    async readiness(): Promise<Readiness> {
      const { threads, queued, maxQueue, mode } = await backend.stats();
      return {
        // A down Redis only costs speed in-process; with a queue it stops solving (not ready).
        ready: backend.isReady(),
        workers: { threads, queued, maxQueue },
        redis: cache.backend === 'redis' ? cache.state() : 'disabled',
        queue: mode,
      };
    },

    workload() {
      return backend.workload?.();
    },

    async close(): Promise<void> {
      await Promise.allSettled([deps.backend === undefined && ownedPool === undefined ? undefined : backend.close(), ownedCache?.close()]);
    },
  };
}

/** A solve stopped before it started: its caller cancelled it (jobs report `cancelled`). */
export class StoppedBeforeStartError extends Error {
  constructor() {
    super('the solve was stopped before it started');
    this.name = 'StoppedBeforeStartError';
  }
}
