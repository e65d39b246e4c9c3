// Typed service configuration, read from the environment once at start-up. One schema (TypeBox)
// lists every variable with its type, range, default and meaning: it validates the environment,
// fills the defaults, and generates the README's table (npm run docs:config). A bad environment
// stops the process with every problem at once, each naming its variable; a variable that looks
// like one of ours but is not (a misspelling, a prefix of ours) is warned about, not ignored.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';

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
   * compiles the solver's code paths). The threads read SOLVER_WARMUP themselves (backends/threads/warm-up.ts);
   * here it is validated. false: benches measuring the cold penalty.
   */
  solverWarmup: boolean;
  /** Queue workers: on SIGTERM, milliseconds running jobs get to finish before they are handed back (stalled check). */
  workerShutdownGraceMs: number;
}

const MIB = 1024 * 1024;

const int = (fallback: number | undefined, minimum: number, maximum: number, description: string) =>
  fallback === undefined
    ? Type.Optional(Type.Integer({ minimum, maximum, description }))
    : Type.Integer({ minimum, maximum, default: fallback, description });
const bool = (fallback: boolean, description: string) => Type.Boolean({ default: fallback, description });
const text = (description: string, options: { default?: string; pattern?: string } = {}) =>
  options.default === undefined ? Type.Optional(Type.String({ ...options, description })) : Type.String({ ...options, description });
const oneOf = <T extends string>(values: readonly T[], fallback: T, description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: fallback, description },
  );

/**
 * Every variable the service and its queue workers read. Values are strings in the environment:
 * integers are plain digits, booleans true/false/1/0/yes/no/on/off, lists comma-separated; empty
 * counts as unset. `description` is the README's "meaning" column.
 */
const ConfigSchema = Type.Object({
  PORT: int(3000, 0, 65_535, 'listen port'),
  HOST: text('listen address (`0.0.0.0` in the container image)', { default: '127.0.0.1' }),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info', 'log level of the API (pino) and of queue workers; `silent` turns logs off'),
  REDIS_URL: text(
    '`redis://` or `rediss://` URL: shared cache, cross-instance single-flight, rate-limit counters, the queue; unset = in-memory LRU',
  ),
  SOLVER_THREADS: int(2, 1, 256, 'worker threads solving (per API process, or per queue worker: also the jobs it takes at once)'),
  SOLVER_MAX_QUEUE: int(64, 0, 1_000_000, 'solves waiting for a thread beyond this answer 503 + Retry-After'),
  BODY_LIMIT_BYTES: int(5 * MIB, 1024, 1024 * MIB, 'request body limit (413 above)'),
  CACHE_TTL_S: int(3600, 1, 365 * 24 * 3600, 'cache entry lifetime, seconds'),
  CACHE_MAX_ENTRIES: int(1000, 1, 10_000_000, 'in-memory LRU size (answers)'),
  REQUEST_TIMEOUT_MS: int(90_000, 1000, 3_600_000, 'whole-request budget of the HTTP server (above the 60 s longest sync solve)'),
  KEEP_ALIVE_TIMEOUT_MS: int(
    72_000,
    1000,
    3_600_000,
    "idle keep-alive sockets are closed after this (above load balancers' idle timeouts)",
  ),
  METRICS_ENABLED: bool(true, 'serve `GET /metrics` (Prometheus text)'),
  METRICS_PUBLIC: bool(true, '`/metrics` answers without an API key'),
  API_KEYS: text('accepted API keys, comma-separated, 16 characters or more each: turns authentication on'),
  API_KEYS_FILE: text('a file of the sha256 hex digests of accepted keys, one a line (`#` comments): turns authentication on'),
  RATE_LIMIT_MAX: int(undefined, 1, 1_000_000_000, 'requests per window and API key (or client IP); unset = no rate limit'),
  RATE_LIMIT_WINDOW_MS: int(60_000, 100, 24 * 3_600_000, 'rate-limit window'),
  RATE_LIMIT_COLD_SOLVE_COST: int(10, 1, 1_000_000, 'what a cold solve (cache miss) counts against the rate limit, in requests'),
  TRUST_PROXY: text(
    'proxies whose `X-Forwarded-For` gives the client address: `true`, a hop count, or addresses/CIDRs (comma-separated); unset = none',
  ),
  CORS_ORIGINS: text('origins allowed to call from a browser, comma-separated; unset = none'),
  MAX_EVENT_LOOP_DELAY_MS: int(0, 0, 3_600_000, 'event-loop delay above which new requests get 503 + Retry-After; 0 = off'),
  MAX_HEAP_USED_BYTES: int(0, 0, Number.MAX_SAFE_INTEGER, 'heap use above which new requests get 503 + Retry-After; 0 = off'),
  SOLVER_QUEUE: oneOf(
    ['threads', 'bullmq'] as const,
    'threads',
    '`bullmq`: solves run on `npm run worker` processes through Redis (needs `REDIS_URL`; see docs/scaling.md)',
  ),
  QUEUE_NAME: text('BullMQ queue name, shared by every API instance and worker of one deployment', {
    default: 'edge-allocator-solve',
    pattern: '^[A-Za-z0-9_.-]{1,100}$',
  }),
  JOB_TTL_S: int(3600, 1, 30 * 24 * 3600, 'finished async jobs are kept this long, then `GET /jobs/{id}` answers 404'),
  PARETO_MAX_PARALLEL: int(2, 1, 256, 'solves one Pareto request may have queued or running at once'),
  WORKER_LOCK_MS: int(
    4_000,
    500,
    600_000,
    'queue workers: a job whose worker stops renewing its lock this long is handed to another worker ' +
      "(stalled checks every half of it: a dead worker's job runs elsewhere within 1.5 × the lock)",
  ),
  WORKER_MAX_STALLED_COUNT: int(3, 0, 1000, 'queue workers: worker deaths (stalls) a job survives; one more fails it'),
  SOLVER_WARMUP: bool(
    true,
    'paper-scale solves and one 500 × 30 solve per solver thread (within a 4 s budget), then paper-scale requests through the API, ' +
      'before `/ready` says ready; `false` for benches of the cold start',
  ),
  WORKER_SHUTDOWN_GRACE_MS: int(
    25_000,
    0,
    3_600_000,
    'queue workers: on SIGTERM, time running jobs get to finish before they are handed back',
  ),
});
type ConfigEnv = Static<typeof ConfigSchema>;

/** What a text variable accepts, in words (a pattern's reason too: the schema only knows the regular expression). */
const ACCEPTS: Record<string, string> = {
  HOST: 'address or host name',
  REDIS_URL: 'URL',
  API_KEYS: 'list',
  API_KEYS_FILE: 'file path',
  TRUST_PROXY: 'true / false / hop count / list of addresses, CIDRs',
  CORS_ORIGINS: 'list of origins',
  QUEUE_NAME: 'letters, digits, _ . - only (1 to 100)',
};

interface ConfigProblem {
  variable: string;
  reason: string;
}

/** The environment is wrong: every problem found, each naming its variable. */
export class ConfigError extends Error {
  readonly variable: string;
  readonly problems: ConfigProblem[];
  constructor(variableOrProblems: string | ConfigProblem[], reason?: string) {
    const problems =
      typeof variableOrProblems === 'string' ? [{ variable: variableOrProblems, reason: reason ?? 'invalid' }] : variableOrProblems;
    super(
      problems.length === 1
        ? `invalid environment variable ${problems[0]!.variable}: ${problems[0]!.reason}`
        : `invalid environment variables (${problems.length}):\n${problems.map((p) => `  ${p.variable}: ${p.reason}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.variable = problems[0]!.variable;
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

const properties = ConfigSchema.properties as unknown as Record<keyof ConfigEnv, TSchema & Json>;
/** The variables the service knows, in the schema's (the README's) order. */
export const CONFIG_VARIABLES = Object.keys(properties) as (keyof ConfigEnv)[];

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** Strings to the schema's types where they read as such; anything else is left for the check to reject. */
function coerce(schema: Json, value: string): unknown {
  if (schema.type === 'integer') return /^\d+$/.test(value) ? Number(value) : value;
  if (schema.type === 'boolean') {
    const v = value.toLowerCase();
    return TRUE.includes(v) ? true : FALSE.includes(v) ? false : value;
  }
  return value;
}

/** The reason a value fails its property schema, in the words an operator reads. */
function reasonFor(name: string, schema: Json, value: unknown): string {
  if (schema.type === 'integer') {
    if (typeof value !== 'number') return `expected an integer, got "${String(value)}"`;
    return `must be between ${String(schema.minimum)} and ${String(schema.maximum)}, got ${value}`;
  }
  if (schema.type === 'boolean') return `expected true or false, got "${String(value)}"`;
  if (Array.isArray(schema.anyOf))
    return `expected one of ${(schema.anyOf as { const: string }[]).map((s) => s.const).join(', ')}, got "${String(value)}"`;
  if (typeof schema.pattern === 'string') return `${ACCEPTS[name] ?? `must match ${schema.pattern}`}, got "${String(value)}"`;
  return `invalid value "${String(value)}"`;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const sha256 = (textValue: string) => createHash('sha256').update(textValue, 'utf8').digest();

/**
 * Checks beyond the schema (the meaning of strings: URLs, origins, key files), each returning the
 * parsed value or a reason. Run only on variables the schema accepted.
 */
type Check<T> = { ok: T } | { reason: string };

function checkRedisUrl(value: string): Check<string> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { reason: `not a URL: "${value}"` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return { reason: `expected a redis:// or rediss:// URL, got "${url.protocol}"` };
  return { ok: value };
}

function checkTrustProxy(value: string | undefined): Check<boolean | number | string[]> {
  if (value === undefined) return { ok: false };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    // 0 and 1 read as booleans elsewhere; here 1 is one hop (what a single reverse proxy needs).
    if (hops === 0) return { ok: false };
    return hops <= 100 ? { ok: hops } : { reason: `a hop count must be between 1 and 100, got ${hops}` };
  }
  const v = value.toLowerCase();
  if (TRUE.includes(v)) return { ok: true };
  if (FALSE.includes(v)) return { ok: false };
  const entries = list(value);
  const bad = entries.find((entry) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry));
  return bad === undefined ? { ok: entries } : { reason: `expected true, false, a hop count or IP addresses/CIDRs, got "${bad}"` };
}

function checkOrigins(value: string | undefined): Check<string[]> {
  const origins = list(value);
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return { reason: `not an origin: "${origin}"` };
    }
    if (url.origin !== origin) return { reason: `"${origin}" is not an origin (expected e.g. ${url.origin})` };
  }
  return { ok: origins };
}

function checkApiKeys(value: string | undefined): Check<Buffer[]> {
  const keys = list(value);
  return keys.some((key) => key.length < 16) ? { reason: 'every key must have at least 16 characters' } : { ok: keys.map(sha256) };
}

function checkApiKeysFile(file: string | undefined, readText: (path: string) => string): Check<Buffer[]> {
  if (file === undefined) return { ok: [] };
  let content: string;
  try {
    content = readText(file);
  } catch (err) {
    return { reason: `cannot read "${file}": ${(err as Error).message}` };
  }
  const digests: Buffer[] = [];
  const lines = content.split('\n');
  for (const [i, line] of lines.entries()) {
    const entry = line
      .replace(/#.*/, '')
      .trim()
      .toLowerCase()
      .replace(/^sha256:/, '');
    if (entry === '') continue;
    if (!/^[0-9a-f]{64}$/.test(entry)) return { reason: `line ${i + 1}: expected a sha256 hex digest` };
    digests.push(Buffer.from(entry, 'hex'));
  }
  return digests.length === 0 ? { reason: `"${file}" lists no key digest` } : { ok: digests };
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps: PROT is one edit from PORT). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Name prefixes that are the service's own: a variable starting with one of them is meant for it.
 * Generic first words (MAX_, LOG_, API_) are given with their second word, so MAX_OLD_SPACE_SIZE
 * or another tool's API_TOKEN is not flagged.
 */
const OWN_PREFIXES = [
  'SOLVER_',
  'CACHE_',
  'RATE_LIMIT',
  'REDIS_',
  'QUEUE_',
  'JOB_',
  'PARETO_',
  'WORKER_',
  'METRICS_',
  'API_KEY',
  'BODY_LIMIT',
  'REQUEST_TIMEOUT',
  'KEEP_ALIVE',
  'MAX_EVENT_LOOP',
  'MAX_HEAP',
  'CORS_',
  'TRUST_PROXY',
  'LOG_LEVEL',
];

/**
 * Variables in `env` that look meant for this service but are not among its names: a close
 * misspelling of a known name (one edit for short names, two for longer ones) or one of its
 * prefixes. Each with the closest known name, when one is close.
 */
export function unknownVariables(env: Env): { variable: string; suggestion?: string }[] {
  const known = new Set<string>(CONFIG_VARIABLES);
  const found: { variable: string; suggestion?: string }[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || env[name] === undefined) continue;
    const upper = name.toUpperCase();
    let best: { name: string; distance: number } | undefined;
    for (const candidate of CONFIG_VARIABLES) {
      const distance = editDistance(upper, candidate);
      if (best === undefined || distance < best.distance) best = { name: candidate, distance };
    }
    const close = best !== undefined && best.distance <= (best.name.length <= 5 ? 1 : 2);
    const ours = OWN_PREFIXES.some((prefix) => upper.startsWith(prefix));
    if (!close && !ours) continue;
    found.push(best !== undefined && best.distance <= 4 ? { variable: name, suggestion: best.name } : { variable: name });
  }
  return found;
}

const defaultWarn = (message: string) => process.emitWarning(message, { code: 'EDGE_ALLOCATOR_CONFIG' });

/**
 * Reads the configuration from `env`. Throws a ConfigError listing every invalid variable; calls
 * `warn` once per variable that looks meant for the service but is unknown (it is ignored).
 */
export function loadConfig(
  env: Env = process.env,
  readText = (path: string) => readFileSync(path, 'utf8'),
  warn: (message: string) => void = defaultWarn,
): AppConfig {
  for (const { variable, suggestion } of unknownVariables(env)) {
    warn(`unknown environment variable ${variable} ignored${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
  }

  // Trimmed; empty = unset; converted to the schema's types where the text reads as one.
  const given: Json = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') given[name] = coerce(properties[name], value);
  }
  const values = Value.Default(ConfigSchema, structuredClone(given)) as Json;

  const problems: ConfigProblem[] = [];
  const failed = new Set<string>();
  // Variable by variable: Value.Errors on the whole object can stop listing after a type error.
  for (const name of CONFIG_VARIABLES) {
    if (values[name] === undefined || Value.Check(properties[name], values[name])) continue;
    failed.add(name);
    problems.push({ variable: name, reason: reasonFor(name, properties[name], values[name]) });
  }
  const v = values as ConfigEnv;
  const checked = <T>(name: keyof ConfigEnv, check: () => Check<T>, fallback: T): T => {
    if (failed.has(name)) return fallback;
    const result = check();
    if ('ok' in result) return result.ok;
    failed.add(name);
    problems.push({ variable: name, reason: result.reason });
    return fallback;
  };

  const redisUrl = checked('REDIS_URL', () => (v.REDIS_URL === undefined ? { ok: undefined } : checkRedisUrl(v.REDIS_URL)), undefined);
  const apiKeys = checked('API_KEYS', () => checkApiKeys(v.API_KEYS), []);
  const apiKeyFileDigests = checked('API_KEYS_FILE', () => checkApiKeysFile(v.API_KEYS_FILE, readText), []);
  const trustProxy = checked('TRUST_PROXY', () => checkTrustProxy(v.TRUST_PROXY), false);
  const corsOrigins = checked('CORS_ORIGINS', () => checkOrigins(v.CORS_ORIGINS), []);
  checked(
    'SOLVER_QUEUE',
    () => (v.SOLVER_QUEUE === 'bullmq' && v.REDIS_URL === undefined ? { reason: 'bullmq needs REDIS_URL' } : { ok: v.SOLVER_QUEUE }),
    'threads',
  );

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    redisUrl,
    solverThreads: v.SOLVER_THREADS,
    solverMaxQueue: v.SOLVER_MAX_QUEUE,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    cacheTtlS: v.CACHE_TTL_S,
    cacheMaxEntries: v.CACHE_MAX_ENTRIES,
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: v.KEEP_ALIVE_TIMEOUT_MS,
    metricsEnabled: v.METRICS_ENABLED,
    metricsPublic: v.METRICS_PUBLIC,
    apiKeyDigests: [...apiKeys, ...apiKeyFileDigests],
    rateLimitMax: v.RATE_LIMIT_MAX,
    rateLimitWindowMs: v.RATE_LIMIT_WINDOW_MS,
    rateLimitColdSolveCost: v.RATE_LIMIT_COLD_SOLVE_COST,
    trustProxy,
    corsOrigins,
    maxEventLoopDelayMs: v.MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: v.MAX_HEAP_USED_BYTES,
    solverQueue: v.SOLVER_QUEUE,
    queueName: v.QUEUE_NAME,
    jobTtlS: v.JOB_TTL_S,
    paretoMaxParallel: v.PARETO_MAX_PARALLEL,
    workerLockMs: v.WORKER_LOCK_MS,
    workerMaxStalledCount: v.WORKER_MAX_STALLED_COUNT,
    solverWarmup: v.SOLVER_WARMUP,
    workerShutdownGraceMs: v.WORKER_SHUTDOWN_GRACE_MS,
  };
}

/** The README's configuration table (Markdown), generated from ConfigSchema: `npm run docs:config`. */
export function configTable(): string {
  const accepted = (name: string, s: Json): string => {
    if (ACCEPTS[name] !== undefined) return ACCEPTS[name];
    if (s.type === 'integer') return `integer ${String(s.minimum)}–${s.maximum === Number.MAX_SAFE_INTEGER ? '2⁵³−1' : String(s.maximum)}`;
    if (s.type === 'boolean') return 'true / false';
    if (Array.isArray(s.anyOf)) return (s.anyOf as { const: string }[]).map((x) => `\`${x.const}\``).join(', ');
    return 'text';
  };
  const rows = CONFIG_VARIABLES.map((name) => {
    const s = properties[name];
    const fallback = s.default === undefined ? 'unset' : String(s.default);
    return `| \`${name}\` | ${fallback} | ${accepted(name, s)} | ${String(s.description).replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | default | accepted | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
