// loadConfig: defaults, parsing, start-up failures that name every bad variable at once, warnings
// about variables that look like ours, and the README table generated from the schema.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, configTable, loadConfig, unknownVariables } from '../src/config.js';
import { withConfigTable } from '../scripts/config-docs.js';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      redisUrl: undefined,
      solverThreads: 2,
      solverMaxQueue: 64,
      bodyLimitBytes: 5 * 1024 * 1024,
      cacheTtlS: 3600,
      cacheMaxEntries: 1000,
      requestTimeoutMs: 90_000,
      keepAliveTimeoutMs: 72_000,
      metricsEnabled: true,
      metricsPublic: true,
      apiKeyDigests: [],
      rateLimitMax: undefined,
      rateLimitWindowMs: 60_000,
      rateLimitColdSolveCost: 10,
      trustProxy: false,
      corsOrigins: [],
      maxEventLoopDelayMs: 0,
      maxHeapUsedBytes: 0,
      solverQueue: 'threads',
      queueName: 'edge-allocator-solve',
      jobTtlS: 3600,
      paretoMaxParallel: 2,
      workerLockMs: 4_000,
      workerMaxStalledCount: 3,
      solverWarmup: true,
      workerShutdownGraceMs: 25_000,
    });
  });

  it("reads the queue worker's shutdown grace, within 0 to 1 h", () => {
    expect(loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '300' }).workerShutdownGraceMs).toBe(300);
    expect(loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '0' }).workerShutdownGraceMs).toBe(0);
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '-1' })).toThrow(/WORKER_SHUTDOWN_GRACE_MS/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '3600001' })).toThrow(/WORKER_SHUTDOWN_GRACE_MS: must be between 0 and 3600000/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '25s' })).toThrow(/WORKER_SHUTDOWN_GRACE_MS: expected an integer/);
  });

  it('reads the queue settings; bullmq without REDIS_URL or an unknown queue is a start-up error', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379',
      SOLVER_QUEUE: 'bullmq',
      QUEUE_NAME: 'q-1',
      JOB_TTL_S: '60',
      PARETO_MAX_PARALLEL: '4',
      WORKER_LOCK_MS: '2000',
    });
    expect(config).toMatchObject({ solverQueue: 'bullmq', queueName: 'q-1', jobTtlS: 60, paretoMaxParallel: 4, workerLockMs: 2000 });
    expect(() => loadConfig({ SOLVER_QUEUE: 'bullmq' })).toThrow(/SOLVER_QUEUE: bullmq needs REDIS_URL/);
    expect(() => loadConfig({ SOLVER_QUEUE: 'kafka' })).toThrow(/SOLVER_QUEUE/);
    expect(() => loadConfig({ QUEUE_NAME: 'a:b' })).toThrow(/QUEUE_NAME/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      REDIS_URL: 'redis://127.0.0.1:6379/1',
      SOLVER_THREADS: '4',
      SOLVER_MAX_QUEUE: '10',
      BODY_LIMIT_BYTES: '2048',
      CACHE_TTL_S: '60',
      CACHE_MAX_ENTRIES: '5',
      REQUEST_TIMEOUT_MS: '30000',
      KEEP_ALIVE_TIMEOUT_MS: '5000',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      redisUrl: 'redis://127.0.0.1:6379/1',
      solverThreads: 4,
    });
    expect(config).toMatchObject({ solverMaxQueue: 10, bodyLimitBytes: 2048, cacheTtlS: 60, cacheMaxEntries: 5, requestTimeoutMs: 30_000 });
  });

  it('reads the operations variables; API keys are kept as sha256 digests only', () => {
    const config = loadConfig({
      METRICS_ENABLED: 'false',
      METRICS_PUBLIC: '0',
      API_KEYS: 'first-key-0123456789, second-key-0123456789',
      RATE_LIMIT_MAX: '100',
      RATE_LIMIT_WINDOW_MS: '1000',
      RATE_LIMIT_COLD_SOLVE_COST: '5',
      CORS_ORIGINS: 'https://a.example, http://127.0.0.1:5173',
      MAX_EVENT_LOOP_DELAY_MS: '500',
      MAX_HEAP_USED_BYTES: '1000000',
    });
    expect(config).toMatchObject({
      metricsEnabled: false,
      metricsPublic: false,
      rateLimitMax: 100,
      rateLimitWindowMs: 1000,
      rateLimitColdSolveCost: 5,
    });
    expect(config).toMatchObject({
      corsOrigins: ['https://a.example', 'http://127.0.0.1:5173'],
      maxEventLoopDelayMs: 500,
      maxHeapUsedBytes: 1e6,
    });
    expect(config.apiKeyDigests.map((d) => d.toString('hex'))).toEqual([
      createHash('sha256').update('first-key-0123456789').digest('hex'),
      createHash('sha256').update('second-key-0123456789').digest('hex'),
    ]);
    expect(JSON.stringify(config)).not.toContain('first-key');
    expect([loadConfig({ TRUST_PROXY: 'true' }).trustProxy, loadConfig({ TRUST_PROXY: '2' }).trustProxy]).toEqual([true, 2]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('treats an empty REDIS_URL as unset (in-memory cache)', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc', /PORT: expected an integer/],
    ['PORT', '70000', /PORT: must be between 0 and 65535/],
    ['SOLVER_THREADS', '0', /SOLVER_THREADS/],
    ['SOLVER_THREADS', '1.5', /SOLVER_THREADS: expected an integer/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL/],
    ['REDIS_URL', 'http://x', /REDIS_URL: expected a redis:\/\//],
    ['API_KEYS', 'short', /API_KEYS: every key must have at least 16 characters/],
    ['API_KEYS_FILE', '/nonexistent/keys', /API_KEYS_FILE: cannot read/],
    ['RATE_LIMIT_MAX', '0', /RATE_LIMIT_MAX/],
    ['METRICS_PUBLIC', 'maybe', /METRICS_PUBLIC: expected true or false/],
    ['TRUST_PROXY', 'proxy.example', /TRUST_PROXY: expected true, false, a hop count or IP addresses/],
    ['CORS_ORIGINS', 'https://a.example/path', /CORS_ORIGINS: "https:\/\/a.example\/path" is not an origin/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every invalid variable at once, each with its reason', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        SOLVER_THREADS: '0',
        LOG_LEVEL: 'loud',
        CORS_ORIGINS: 'https://a.example/path',
        SOLVER_QUEUE: 'bullmq',
        CACHE_TTL_S: '60',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.variable).sort()).toEqual(['CORS_ORIGINS', 'LOG_LEVEL', 'PORT', 'SOLVER_QUEUE', 'SOLVER_THREADS']);
    expect(message).toMatch(/^invalid environment variables \(5\):/);
    expect(message).toMatch(/PORT: expected an integer, got "abc"/);
    expect(message).toMatch(/SOLVER_THREADS: must be between 1 and 256, got 0/);
    expect(message).toMatch(/LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
    expect(message).toMatch(/SOLVER_QUEUE: bullmq needs REDIS_URL/);
    expect(message).toMatch(/CORS_ORIGINS: "https:\/\/a.example\/path" is not an origin/);
  });

  it('warns about misspelt names and unknown names with its prefixes, and nothing else', () => {
    const env = {
      SOLVER_THREAD: '4',
      PROT: '80',
      RATE_LIMIT_MAXIMUM: '5',
      CACHE_TTL: '9',
      PATH: '/usr/bin',
      HOME: '/root',
      NODE_ENV: 'production',
      MAX_OLD_SPACE_SIZE: '1',
      PORT: '8080',
    };
    expect(unknownVariables(env)).toEqual([
      { variable: 'CACHE_TTL', suggestion: 'CACHE_TTL_S' },
      { variable: 'PROT', suggestion: 'PORT' },
      { variable: 'RATE_LIMIT_MAXIMUM', suggestion: 'RATE_LIMIT_MAX' },
      { variable: 'SOLVER_THREAD', suggestion: 'SOLVER_THREADS' },
    ]);
    const warnings: string[] = [];
    const config = loadConfig(env, undefined, (message) => warnings.push(message));
    expect(config.port).toBe(8080);
    expect(config.solverThreads).toBe(2); // the misspelt variable is not read
    expect(warnings).toContain('unknown environment variable SOLVER_THREAD ignored (did you mean SOLVER_THREADS?)');
    expect(warnings).toHaveLength(4);
    expect(unknownVariables(Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '1'])))).toEqual([]);
  });
});

describe('the README configuration table', () => {
  it('is the one generated from the schema (npm run docs:config), one row per variable', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withConfigTable(readme), 'README.md is out of step: run npm run docs:config').toBe(readme);
    const rows = configTable().split('\n').slice(2);
    expect(rows.map((row) => /^\| `(\w+)`/.exec(row)?.[1])).toEqual(CONFIG_VARIABLES);
  });

  it('lists every variable the code reads from the environment', () => {
    const read = new Set<string>();
    const sources = ['src/config.ts', 'src/server.ts', 'src/worker/main.ts'].map((path) =>
      readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'),
    );
    for (const source of sources) for (const m of source.matchAll(/process\.env\.([A-Z_]+)/g)) read.add(m[1]!);
    for (const name of read) expect(CONFIG_VARIABLES, name).toContain(name);
    expect(configTable()).toContain('`WORKER_SHUTDOWN_GRACE_MS`');
  });

  it('the queue worker takes its settings from loadConfig, none straight from process.env', () => {
    const source = readFileSync(new URL('../src/worker/main.ts', import.meta.url), 'utf8');
    expect(source.match(/process\.env\.[A-Z_]+/g)).toBeNull();
    expect(source).toContain('config.workerShutdownGraceMs');
    expect(source).toContain('config.logLevel');
  });
});
