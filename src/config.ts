// Typed service configuration, read from the environment once at start-up. A bad value stops the
// process with a message naming the variable, rather than surfacing later as odd behaviour.

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
  /** 'threads': solve in this process; 'bullmq': enqueue every solve for `npm run worker` processes. */
  solverQueue: 'threads' | 'bullmq';
  /** BullMQ queue name (all API instances and workers of one deployment share it). */
  queueName: string;
  /** Finished jobs are kept this long, then GET /jobs/{id} answers 404. */
  jobTtlS: number;
  /** Solves one Pareto request may have queued or running at once, so a sweep never starves other callers. */
  paretoMaxParallel: number;
  /** Queue workers: a job whose worker stops renewing its lock for this long is handed to another worker. */
  workerLockMs: number;
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

export function loadConfig(env: Env = process.env): AppConfig {
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
    solverQueue: solverQueue(env, redisUrl(env)),
    queueName: queueName(env),
    jobTtlS: integer(env, 'JOB_TTL_S', 3600, 1, 30 * 24 * 3600),
    paretoMaxParallel: integer(env, 'PARETO_MAX_PARALLEL', 2, 1, 256),
    workerLockMs: integer(env, 'WORKER_LOCK_MS', 30_000, 500, 600_000),
  };
}
