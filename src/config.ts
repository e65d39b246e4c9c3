// Typed service configuration, read from the environment once at start-up. A bad value stops the
// process with a message naming the variable, rather than surfacing later as odd behaviour.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  port: number;
  host: string;
  /** 'silent' turns the logger off (tests). */
  logLevel: LogLevel;
  /** Absent: in-memory LRU cache, no Redis. */
  redisUrl: string | undefined;
  solverThreads: number;
  /** Solves waiting for a worker beyond this answer 503 + Retry-After. */
  solverMaxQueue: number;
  bodyLimitBytes: number;
  cacheTtlS: number;
  cacheMaxEntries: number;
  /** Whole-request budget of the HTTP server; must exceed the longest solve time limit (60 s). */
  requestTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this; above typical load-balancer idle timeouts. */
  keepAliveTimeoutMs: number;

  // Operations: metrics, authentication, rate limits, browser access, overload.
  /** GET /metrics served (Prometheus text). */
  metricsEnabled: boolean;
  /** /metrics answers without an API key (scrapers on a private network). */
  metricsPublic: boolean;
  /** sha256 digests of the accepted API keys; empty = authentication off. Keys themselves are not kept. */
  apiKeyDigests: Buffer[];
  /** Requests per window and key (per IP without keys); undefined = rate limiting off. */
  rateLimitMax: number | undefined;
  rateLimitWindowMs: number;
  /** What a cold solve (a cache miss) costs against the rate limit, in requests. */
  rateLimitColdSolveCost: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (rate limits per IP, logs):
   * false (none, the default), true (any), a hop count, or addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** Origins allowed by CORS; empty = no cross-origin access. */
  corsOrigins: string[];
  /**
   * Event-loop delay above which new requests get 503 + Retry-After; 0 = unchecked (the default:
   * solves run in worker threads, so a lagging loop means the process itself is swamped).
   */
  maxEventLoopDelayMs: number;
  /** Heap use above which new requests get 503 + Retry-After; 0 = unchecked. */
  maxHeapUsedBytes: number;
  /** 'threads': solve in this process; 'bullmq': enqueue every solve for `npm run worker` processes. */
  solverQueue: 'threads' | 'bullmq';
  /** BullMQ queue name (all API instances and workers of one deployment share it). */
  queueName: string;
  /** Finished jobs are kept this long, then GET /jobs/{id} answers 404. */
  jobTtlS: number;
  /** Solves one Pareto request may have queued or running at once, so a sweep never starves other callers. */
  paretoMaxParallel: number;
  /**
   * Queue workers: a job whose worker stops renewing its lock for this long is handed to another
   * worker (stalled checks run every half of it, so a dead worker's job runs elsewhere within 1.5×).
   * The lock is renewed by the worker's event loop, which solves never block (they run in threads).
   */
  workerLockMs: number;
  /** Queue workers: worker deaths (stalls) a job survives; one more fails it (a job that kills every worker stops somewhere). */
  workerMaxStalledCount: number;
  /**
   * One paper-scale solve per solver thread before /ready says ready (the thread's first solve
   * compiles the solver's code paths). The threads read SOLVER_WARMUP themselves (worker/warm-up.ts);
   * here it is validated. false: benches measuring the cold penalty.
   */
  solverWarmup: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`invalid environment variable ${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  // Number('') and Number('1e3') are accepted by Number(); insist on plain digits for clarity.
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function logLevel(env: Env): LogLevel {
  const value = raw(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

function redisUrl(env: Env): string | undefined {
  const value = raw(env, 'REDIS_URL');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('REDIS_URL', `not a URL: "${value}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `expected a redis:// or rediss:// URL, got "${url.protocol}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, `expected true or false, got "${value}"`);
}

function list(env: Env, name: string): string[] {
  return (raw(env, name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * API_KEYS: the keys, comma-separated. API_KEYS_FILE: a file of sha256 hex digests of keys, one a
 * line (# comments allowed), so the keys need not sit in the environment. Both may be given.
 */
function apiKeyDigests(env: Env, readText: (path: string) => string): Buffer[] {
  const keys = list(env, 'API_KEYS');
  for (const key of keys) {
    if (key.length < 16) throw new ConfigError('API_KEYS', 'every key must have at least 16 characters');
  }
  const digests = keys.map(sha256);
  const file = raw(env, 'API_KEYS_FILE');
  if (file !== undefined) {
    let text: string;
    try {
      text = readText(file);
    } catch (err) {
      throw new ConfigError('API_KEYS_FILE', `cannot read "${file}": ${(err as Error).message}`);
    }
    text.split('\n').forEach((line, i) => {
      const entry = line.replace(/#.*/, '').trim().toLowerCase().replace(/^sha256:/, '');
      if (entry === '') return;
      if (!/^[0-9a-f]{64}$/.test(entry)) throw new ConfigError('API_KEYS_FILE', `line ${i + 1}: expected a sha256 hex digest`);
      digests.push(Buffer.from(entry, 'hex'));
    });
    if (digests.length === keys.length) throw new ConfigError('API_KEYS_FILE', `"${file}" lists no key digest`);
  }
  return digests;
}

function trustProxy(env: Env): boolean | number | string[] {
  const value = raw(env, 'TRUST_PROXY');
  if (value === undefined) return false;
  if (/^\d+$/.test(value)) return integer(env, 'TRUST_PROXY', 0, 1, 100);
  if (/^(true|false|yes|no|on|off|0|1)$/i.test(value)) return bool(env, 'TRUST_PROXY', false);
  const entries = list(env, 'TRUST_PROXY');
  for (const entry of entries) {
    if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry)) throw new ConfigError('TRUST_PROXY', `expected true, false, a hop count or IP addresses/CIDRs, got "${entry}"`);
  }
  return entries;
}

function origins(env: Env): string[] {
  const values = list(env, 'CORS_ORIGINS');
  for (const origin of values) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `not an origin: "${origin}"`);
    }
    if (url.origin !== origin) throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin (expected e.g. ${url.origin})`);
  }
  return values;
}

const MIB = 1024 * 1024;

function solverQueue(env: Env, redis: string | undefined): AppConfig['solverQueue'] {
  const value = raw(env, 'SOLVER_QUEUE') ?? 'threads';
  if (value !== 'threads' && value !== 'bullmq') throw new ConfigError('SOLVER_QUEUE', `expected threads or bullmq, got "${value}"`);
  if (value === 'bullmq' && redis === undefined) throw new ConfigError('SOLVER_QUEUE', 'bullmq needs REDIS_URL');
  return value;
}

function queueName(env: Env): string {
  const value = raw(env, 'QUEUE_NAME') ?? 'edge-allocator-solve';
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(value)) throw new ConfigError('QUEUE_NAME', `letters, digits, _ . - only, got "${value}"`);
  return value;
}

export function loadConfig(env: Env = process.env, readText = (path: string) => readFileSync(path, 'utf8')): AppConfig {
  const rateLimitMax = raw(env, 'RATE_LIMIT_MAX') === undefined ? undefined : integer(env, 'RATE_LIMIT_MAX', 0, 1, 1_000_000_000);
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: raw(env, 'HOST') ?? '127.0.0.1',
    logLevel: logLevel(env),
    redisUrl: redisUrl(env),
    solverThreads: integer(env, 'SOLVER_THREADS', 2, 1, 256),
    solverMaxQueue: integer(env, 'SOLVER_MAX_QUEUE', 64, 0, 1_000_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 5 * MIB, 1024, 1024 * MIB),
    cacheTtlS: integer(env, 'CACHE_TTL_S', 3600, 1, 365 * 24 * 3600),
    cacheMaxEntries: integer(env, 'CACHE_MAX_ENTRIES', 1000, 1, 10_000_000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 90_000, 1000, 3_600_000),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 3_600_000),
    metricsEnabled: bool(env, 'METRICS_ENABLED', true),
    metricsPublic: bool(env, 'METRICS_PUBLIC', true),
    apiKeyDigests: apiKeyDigests(env, readText),
    rateLimitMax,
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 100, 24 * 3_600_000),
    rateLimitColdSolveCost: integer(env, 'RATE_LIMIT_COLD_SOLVE_COST', 10, 1, 1_000_000),
    trustProxy: trustProxy(env),
    corsOrigins: origins(env),
    maxEventLoopDelayMs: integer(env, 'MAX_EVENT_LOOP_DELAY_MS', 0, 0, 3_600_000),
    maxHeapUsedBytes: integer(env, 'MAX_HEAP_USED_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
    solverQueue: solverQueue(env, redisUrl(env)),
    queueName: queueName(env),
    jobTtlS: integer(env, 'JOB_TTL_S', 3600, 1, 30 * 24 * 3600),
    paretoMaxParallel: integer(env, 'PARETO_MAX_PARALLEL', 2, 1, 256),
    workerLockMs: integer(env, 'WORKER_LOCK_MS', 4_000, 500, 600_000),
    workerMaxStalledCount: integer(env, 'WORKER_MAX_STALLED_COUNT', 3, 0, 1000),
    solverWarmup: bool(env, 'SOLVER_WARMUP', true),
  };
}
