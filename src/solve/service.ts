// The solve service: normalise → canonical hash → cache → single flight → solver backend → cache.
// Routes and the job runner call it; it knows nothing about HTTP. The backend runs solves in this
// process's threads or on queue workers (BullMQ); Redis, when configured, shares the cache.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config.js';
import type { Cache, LockProvider } from '../cache/cache.js';
import { cacheKey } from '../cache/key.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { RedisCache, type CacheLogger } from '../cache/redis-cache.js';
import { SingleFlight, computeOnceAcrossPeers } from '../cache/single-flight.js';
import {
  answerMeta,
  betterAnswer,
  decodeAnswer,
  encodeAnswer,
  servesRequest,
  storable,
  type StoredAnswer,
} from '../cache/stored-answer.js';
import type { AllocateRequest } from '../model/request.js';
import type { AllocateResult } from '../model/types.js';
import type { BackendTask, RunOutcome, SolverBackend } from './backend.js';
import { DEFAULTS } from '../model/defaults.js';
import { InputError } from '../model/normalize.js';
import { minParetoTimeLimitMs } from '../model/time-floor.js';
import { answerReserveMs } from './time-budget.js';
import { answerBy, gaveUpResult, giveUpAt } from './give-up.js';
import { firstNonFinite } from './finite.js';
import { PROBLEM_KINDS, type BodyOf, type InputOf, type ProblemKind, type ResultOf } from './kinds/index.js';
import { paretoSweep, pointRequest, solvePareto } from './pareto.js';
import { NonFiniteResultError, OverloadedError, StoppedBeforeStartError } from './errors.js';
import type { CallOptions, ParetoRequest, ParetoResult, Readiness, SolveObserver, SolveService, Solved } from './types.js';
import { checkScenarios, solveWhatIf, type WhatIfRequest, type WhatIfResult } from './what-if.js';

export type ServiceConfig = Pick<AppConfig, 'redisUrl' | 'solverThreads' | 'solverMaxQueue' | 'cacheTtlS' | 'cacheMaxEntries'> &
  Partial<Pick<AppConfig, 'paretoMaxParallel'>>;

/** Pieces a caller may supply instead of the ones built from config (tests, embedding). */
export interface SolveServiceDeps {
  /** Not closed by close(). */
  cache?: Cache;
  /**
   * Cross-instance lock; defaults to the cache when it can lock (Redis). false: none (queue workers:
   * BullMQ gives each job to one worker, and a lock left by a worker that died would hold up the
   * worker its job is handed to until the lock lapsed, eating the job's time).
   */
  lock?: LockProvider | false;
  /** Redis key namespace (default edge-allocator:v1:); tests use one per run. */
  keyPrefix?: string;
  logger?: CacheLogger;
  /** Told about cache outcomes, solves and single-flight joins (metrics); none by default. */
  observer?: SolveObserver;
}

/** Slack beyond a solve's own time limit for queueing, thread hand-off and the cache write. */
const HOLD_MARGIN_MS = 5000;

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

/**
 * Which cached answers a request accepts (gap at most this): the tolerance the solve stops at,
 * options.relativeGap (gapTolerance its former name; relativeGap wins), for every kind, and the
 * same default as the solve's (1e-4).
 */
function gapToleranceOf(body: unknown): number {
  const o = (body as { options?: { relativeGap?: unknown; gapTolerance?: unknown } } | null)?.options;
  const t = o?.relativeGap ?? o?.gapTolerance;
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 ? t : DEFAULTS.relativeGap;
}

/** What the observer is told about an answer. */
function outcomeOf(result: unknown): { status: string; limit: 'TIME' | undefined; gap: number | undefined } {
  const r = result as { status: string; limit?: 'TIME'; gap?: number };
  return { status: r.status, limit: r.limit, gap: r.gap };
}

/** The solver's "no allocation was complete within the time limit" (never the instance's fault above its floor). */
function ranOutOfTime(result: unknown): boolean {
  const r = result as { status?: string; limit?: string; infeasibilities?: { constraint?: string }[] };
  return r.status === 'NO_SOLUTION_FOUND' && r.limit === 'TIME' && r.infeasibilities?.[0]?.constraint === 'timeLimitMs';
}

/** Answer of one flight: from the store (bytes) or fresh from the backend. */
type Flown = { stored: StoredAnswer } | { outcome: RunOutcome };

/**
 * A normalised input with what the caller sets outside the body: `certify: false` (what-if scenarios).
 * In the options it is hashed, and it reaches the solver threads with them; queue workers get it in
 * the job (backends/bullmq).
 */
function withCallOptions<K extends ProblemKind>(kind: K, normalized: InputOf<K>, call: CallOptions): InputOf<K> {
  return kind === 'allocate' && call.certify === false
    ? ({ ...normalized, options: { ...(normalized as { options: object }).options, certify: false as const } } as InputOf<K>)
    : normalized;
}

/** The request hash of `input` as `call` solves it (a caller's timeLimitMs, a sweep slot's, replaces the body's). */
function requestHashOf(kind: ProblemKind, input: unknown, call: CallOptions): string {
  const hashed =
    call.timeLimitMs === undefined
      ? input
      : { ...(input as object), options: { ...(input as { options: object }).options, timeLimitMs: call.timeLimitMs } };
  return (PROBLEM_KINDS[kind].hash as (input: unknown) => string)(hashed);
}

/**
 * The service over a backend (compose.ts picks it: threads or BullMQ). close() closes the backend
 * when `closesBackend` (the caller handed it over) and the cache when the service made it.
 */
export function createSolveServiceOn(
  config: ServiceConfig,
  backend: SolverBackend,
  deps: SolveServiceDeps,
  own: { closesBackend: boolean },
): SolveService {
  const ownedCache =
    deps.cache !== undefined
      ? undefined
      : config.redisUrl
        ? new RedisCache({ url: config.redisUrl, keyPrefix: deps.keyPrefix, logger: deps.logger })
        : new MemoryCache({ maxEntries: config.cacheMaxEntries, defaultTtlS: config.cacheTtlS });
  const cache = deps.cache ?? ownedCache!;
  // Queue workers share solves by job id already; the lock is for instances that solve themselves.
  const lock = backend.name === 'bullmq' || deps.lock === false ? undefined : (deps.lock ?? (canLock(cache) ? cache : undefined));
  const flights = new SingleFlight();
  const observer = deps.observer;

  /**
   * backend.run, timed and reported to the observer (unless `internal`: the service's own request);
   * an answer holding NaN/Infinity is refused before it is cached.
   */
  async function runObserved(task: BackendTask, control: Parameters<SolverBackend['run']>[1], internal: boolean): Promise<RunOutcome> {
    const seen = internal ? undefined : observer;
    const t0 = performance.now();
    let outcome: RunOutcome;
    try {
      outcome = await backend.run(task, control);
    } catch (err) {
      seen?.solved(task.kind, err instanceof OverloadedError ? 'OVERLOADED' : 'FAILED', undefined, undefined, undefined);
      throw err;
    }
    if (outcome.result !== null) {
      // Before the cache: JSON would store NaN as null, and the serialiser would refuse it.
      const bad = firstNonFinite(outcome.result);
      if (bad !== null) throw new NonFiniteResultError(task.kind, bad.path, bad.value);
      const { status, limit, gap } = outcomeOf(outcome.result);
      seen?.solved(task.kind, status, limit, (performance.now() - t0) / 1000, gap);
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
  async function solve<R>(
    kind: ProblemKind,
    body: unknown,
    input: BackendTask['input'],
    timeLimitMs: number,
    call: CallOptions,
  ): Promise<Solved<R>> {
    const hash = requestHashOf(kind, input, call);
    call.onRequestHash?.(hash);
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
      ...(call.limitFromStart === true ? {} : { receivedAt: call.receivedAt ?? Date.now() }),
      ...(call.deadlineAt !== undefined ? { deadlineAt: call.deadlineAt } : {}),
    };
    if (flights.has(flightKey) && call.internal !== true) observer?.joined(kind);
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
            const control = { signal: stop, onProgress: call.onProgress, drain: call.drain, onBest: call.onBest };
            const outcome = await runObserved(task, control, call.internal === true);
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
    // A synchronous caller is never answered "no solution" for lack of CPU: a solve that found no
    // plan within its limit (too little CPU: a loaded machine, or the admission estimate was wrong)
    // is a 503 to retry, NO_PLAN_IN_TIME (not OVERLOADED: the queue may well be empty). The solve
    // itself is counted as what it answered (NO_SOLUTION_FOUND, limit TIME).
    if (call.waiting === true && call.deadlineAt === undefined && !outcome.stopped && ranOutOfTime(outcome.result)) {
      throw new OverloadedError(
        1,
        'no plan was found within the time limit (the solver got too little CPU time for this size); retry, or raise options.timeLimitMs',
        'NO_PLAN_IN_TIME',
      );
    }
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
  // (An uncertified solve of a body has a hash of its own: its fingerprint must not stand for the certified one's.)
  const bodyFingerprint = (kind: string, body: unknown, call: CallOptions) =>
    call.bodyDigest !== undefined
      ? `${kind}|${call.timeLimitMs ?? ''}|${call.certify ?? ''}|raw:${call.bodyDigest}`
      : `${kind}|${call.timeLimitMs ?? ''}|${call.certify ?? ''}|${createHash('sha256').update(JSON.stringify(body)).digest('base64')}`;

  async function remembered<R>(
    kind: ProblemKind,
    body: unknown,
    call: CallOptions,
  ): Promise<{ fingerprint: string; hit: Solved<R> | null }> {
    const fingerprint = bodyFingerprint(kind, body, call);
    const hash = knownBodies.get(fingerprint);
    const stored = hash === undefined ? null : await lookup(cacheKey(kind, hash), gapToleranceOf(body));
    return { fingerprint, hit: stored === null ? null : fromStore<R>(stored, hash!) };
  }

  /** One solve of one kind: a remembered body's cached answer, or normalise → hash → cache → backend. */
  async function solveKind<K extends ProblemKind>(kind: K, body: BodyOf<K>, call: CallOptions = {}): Promise<Solved<ResultOf<K>>> {
    call = { ...call, receivedAt: call.receivedAt ?? Date.now() }; // the time limit counts from here (see remainingLimitMs)
    const { fingerprint, hit } = await remembered<ResultOf<K>>(kind, body, call);
    // (The service's own requests, call.internal, are not traffic: no cache metrics.)
    const seen = call.internal === true ? undefined : observer;
    if (hit) {
      seen?.cache(kind, 'hit');
      return hit;
    }
    // InputError propagates: a 400, before any cache or pool work.
    const input = withCallOptions(kind, (PROBLEM_KINDS[kind].normalize as (body: unknown) => InputOf<K>)(body), call);
    const out = await solve<ResultOf<K>>(kind, body, input, call.timeLimitMs ?? input.options.timeLimitMs, call);
    knownBodies.set(fingerprint, out.requestHash);
    seen?.cache(kind, out.cache);
    return out;
  }

  const allocate = (body: AllocateRequest, call: CallOptions = {}): Promise<Solved<AllocateResult>> => solveKind('allocate', body, call);

  /**
   * A sweep's allocate solve (a Pareto point, the what-if base or a scenario), waited for until
   * `giveUpAt` at the latest (give-up.ts): past it the solve is stopped and the answer for it is
   * NO_SOLUTION_FOUND with `limit: TIME`, so the request's limit holds whatever the solve does.
   */
  function allocateBy(body: AllocateRequest, call: CallOptions, giveUpAt: number): Promise<Solved<AllocateResult>> {
    const startedAt = Date.now();
    let requestHash: string | undefined;
    const { signal: caller, ...rest } = call;
    return answerBy<Solved<AllocateResult>>(
      giveUpAt,
      (signal) => allocate(body, { ...rest, signal, onRequestHash: (h) => (requestHash = h) }),
      () => ({
        result: gaveUpResult(body.options?.algorithm ?? DEFAULTS.algorithm, gapToleranceOf(body), startedAt),
        cache: 'miss' as const,
        // (Known once the body is hashed, before the solve is sent: only a solve still waiting for the cache is unnamed.)
        requestHash: requestHash ?? hashOf(body, call),
      }),
      caller,
    );
  }

  /** The request hash allocate gives `body` under `call` (normalised and hashed again: the rare path of allocateBy). */
  function hashOf(body: AllocateRequest, call: CallOptions): string {
    return requestHashOf('allocate', withCallOptions('allocate', PROBLEM_KINDS.allocate.normalize(body), call), call);
  }

  return {
    solve: solveKind,

    /**
     * Each point is an ordinary allocate solve: its own cache entry (shared with POST /allocate for the
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
      const reserveMs = answerReserveMs(P * size.devices);
      const slotMs = Math.max(0, receivedAt + limitMs - reserveMs - startAt) / rounds;
      // A point not in by its deadline and what the contract leaves past it is given up (give-up.ts).
      const timing = { receivedAt, limitMs, reserveMs, solveReserveMs: answerReserveMs(size.devices) };
      // A point's body is not the request's: the request's byte digest must not stand for it.
      const { onProgress, onPoint, onBest: _onBest, onBase: _onBase, bodyDigest: _requestDigest, ...pointCall } = call;
      // A cancelled sweep still answers every point: one stopped before its solve started gets a
      // fallback due at once (time-limited, so never cached) instead of failing the whole sweep.
      const fallback = (point: AllocateRequest) => allocate(point, { ...pointCall, signal: undefined, receivedAt, deadlineAt: Date.now() });
      return solvePareto(
        sweep,
        async (weights, i) => {
          const point = pointRequest(body, weights);
          if (call.signal?.aborted) return fallback(point);
          const deadlineAt = Math.floor(startAt + slotMs * (Math.floor(i / parallel) + 1));
          try {
            return await allocateBy(point, { ...pointCall, receivedAt, deadlineAt }, giveUpAt(deadlineAt, timing));
          } catch (err) {
            if (err instanceof StoppedBeforeStartError) return fallback(point);
            throw err;
          }
        },
        { maxParallel: parallel, onProgress, onPoint },
      );
    },

    /**
     * The base and each scenario are ordinary allocate solves (their own cache entries and single
     * flights; the base is POST /allocate's entry for the snapshot). At most as many scenarios at
     * once as Pareto points; one time limit for the whole request, its floor a sweep's of
     * scenarios + 1 points.
     */
    async allocateWhatIf(body: WhatIfRequest, call: CallOptions = {}): Promise<WhatIfResult> {
      const receivedAt = call.receivedAt ?? Date.now();
      checkScenarios(body); // InputError → 400, before anything is solved
      const { threads } = await backend.stats();
      const parallel = Math.max(1, Math.min(config.paretoMaxParallel ?? 2, threads || 1));
      const limitMs = call.timeLimitMs ?? body.options?.timeLimitMs ?? DEFAULTS.timeLimitMs;
      const size = { devices: body.devices?.length ?? 0, servers: body.servers?.length ?? 0, layers: body.model?.layers ?? 0 };
      const points = body.scenarios.length + 1;
      const floorMs = minParetoTimeLimitMs(points, size);
      if (limitMs < floorMs) {
        throw new InputError(
          'options.timeLimitMs',
          `must be at least ${floorMs} ms for ${body.scenarios.length} scenarios at this size (docs/time-limits.md)`,
        );
      }
      const { onProgress: _progress, onBase, onPoint: _onPoint, bodyDigest: _requestDigest, ...solveCall } = call;
      const reserveMs = answerReserveMs(points * size.devices);
      // A solve not in by its deadline and what the contract leaves past it is given up (give-up.ts).
      const timing = { receivedAt, limitMs, reserveMs, solveReserveMs: answerReserveMs(size.devices) };
      return solveWhatIf(body, {
        // The time limit is the request's; each solve is due at its own slot's end.
        allocate: (snapshot, deadlineAt, certify) =>
          allocateBy(
            snapshot,
            { ...solveCall, timeLimitMs: undefined, receivedAt, deadlineAt, ...(certify ? {} : { certify: false }) },
            giveUpAt(deadlineAt, timing),
          ),
        parallel,
        receivedAt,
        limitMs,
        reserveMs,
        onBase,
      });
    },

    async readiness(): Promise<Readiness> {
      const { threads, queued, maxQueue, backend: name } = await backend.stats();
      return {
        // A down Redis only costs speed in-process; with a queue it stops solving (not ready).
        ready: backend.isReady(),
        workers: { threads, queued, maxQueue },
        redis: cache.backend === 'redis' ? cache.state() : 'disabled',
        // /ready has always named the threads backend 'in-process': its answers keep that value.
        queue: name === 'threads' ? 'in-process' : 'bullmq',
      };
    },

    workload() {
      return backend.workload?.();
    },

    drain(answerWithinMs) {
      backend.drain?.(answerWithinMs);
    },

    async close(): Promise<void> {
      await Promise.allSettled([own.closesBackend ? backend.close() : undefined, ownedCache?.close()]);
    },
  };
}
