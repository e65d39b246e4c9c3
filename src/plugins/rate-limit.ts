// Rate limits with @fastify/rate-limit: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS and caller
// (its API key when authentication is on, else its IP), counted in Redis when REDIS_URL is set so
// every instance shares one budget. Public paths (probes, docs) are not limited.
//
// Cold solves cost more than cache hits: every request is admitted at a cost of 1, and a request
// whose answer was computed rather than served from the cache is charged RATE_LIMIT_COLD_SOLVE_COST
// − 1 more per solve once it has finished (routes report their cold solves, see solve-report.ts),
// before the answer is sent, so its RateLimit-Remaining counts the surcharge. A client repeating
// one snapshot pays 1 per request; one sending fresh instances pays the full cost, so it reaches
// the limit after max/cost solves. Charging after the fact lets one request overshoot the budget;
// the next is refused.
//
// Headers: the current IETF draft's structured fields (draft-ietf-httpapi-ratelimit-headers-10),
//   RateLimit-Policy: "default";q=100;w=60      (quota q per window w seconds)
//   RateLimit: "default";r=42;t=17               (r left, t seconds until the window resets)
// and, for clients written against draft-06, RateLimit-Limit/-Remaining/-Reset with the same
// numbers (to be dropped in a later major version).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { HttpProblem } from './errors.js';
import { coldSolvesOf } from './solve-report.js';

interface RateLimitOptions {
  max: number;
  windowMs: number;
  coldSolveCost: number;
  redisUrl: string | undefined;
  /** Redis key namespace; tests use one per run. */
  keyPrefix?: string;
  isPublic: (url: string) => boolean;
}

interface Count {
  current: number;
  ttl: number;
}

/** A fixed-window counter that can add more than 1: what @fastify/rate-limit calls a store. */
interface WeightedStore {
  add(key: string, amount: number, windowMs: number): Promise<Count>;
  close(): Promise<void>;
}

function memoryStore(maxKeys = 100_000): WeightedStore {
  const windows = new LRUCache<string, { current: number; resetAt: number }>({ max: maxKeys });
  return {
    async add(key, amount, windowMs) {
      const now = Date.now();
      let w = windows.get(key);
      if (w === undefined || w.resetAt <= now) {
        w = { current: 0, resetAt: now + windowMs };
        windows.set(key, w);
      }
      w.current += amount;
      return { current: w.current, ttl: w.resetAt - now };
    },
    async close() {},
  };
}

// INCRBY, and start the window on the first increment (or if a key lost its expiry).
const ADD = `
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {current, ttl}`;

function redisStore(url: string, keyPrefix: string): WeightedStore {
  // Fail fast like the cache: a dead Redis must not hold requests; the plugin then admits them.
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 500,
    commandTimeout: 500,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
  client.on('error', () => {}); // reported by the cache's own client; here an error only admits the request
  return {
    async add(key, amount, windowMs) {
      const [current, ttl] = (await client.eval(ADD, 1, keyPrefix + key, amount, windowMs)) as [number, number];
      return { current, ttl };
    },
    async close() {
      client.disconnect();
    },
  };
}

/** The policy's name in RateLimit-Policy and RateLimit (a structured-field string). */
const RATE_LIMIT_POLICY = 'default';

/** RateLimit-Policy (draft-10): quota `q` per window of `w` seconds. */
const rateLimitPolicyHeader = (max: number, windowMs: number) =>
  `"${RATE_LIMIT_POLICY}";q=${max};w=${Math.max(1, Math.ceil(windowMs / 1000))}`;

/** RateLimit (draft-10): `r` units left, `t` seconds until the quota resets. */
const rateLimitHeader = (remaining: number, resetS: number) =>
  `"${RATE_LIMIT_POLICY}";r=${Math.max(0, remaining)};t=${Math.max(0, resetS)}`;

/** Caller identity: the API key's id when authenticated, else the client IP. */
const callerOf = (request: FastifyRequest) => request.apiKeyId ?? `ip-${request.ip}`;

/**
 * Registers the limiter as an onRequest hook of `app` itself (not per route), so it covers every
 * route, those registered earlier and 404s included, and runs where the caller puts it: after the
 * key is identified, before a request without one is refused (failed attempts count too).
 */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const store = options.redisUrl ? redisStore(options.redisUrl, options.keyPrefix ?? 'edge-allocator:ratelimit:') : memoryStore();
  app.addHook('onClose', async () => store.close());

  // @fastify/rate-limit's store protocol: a constructor; returning an object from it hands ours over.
  function PluginStore() {
    return {
      incr(key: string, cb: (err: Error | null, res?: Count) => void, windowMs: number) {
        store.add(key, 1, windowMs).then((res) => cb(null, res), cb);
      },
      child() {
        return this;
      },
    };
  }

  await app.register(rateLimit, {
    global: false, // no per-route hooks: the one hook below covers everything
    max: options.max,
    timeWindow: options.windowMs,
    store: PluginStore as never,
    keyGenerator: callerOf,
    allowList: (request) => request.method === 'OPTIONS' || options.isPublic(request.url),
    skipOnError: true, // Redis down: admit rather than refuse everyone
    // IETF draft headers (RateLimit-Limit/-Remaining/-Reset) and Retry-After on 429.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) => {
      const retryAfterS = Math.max(1, Math.ceil(context.ttl / 1000));
      return new HttpProblem(
        429,
        'RATE_LIMITED',
        `rate limit of ${context.max} requests per ${options.windowMs / 1000} s reached; retry after ${retryAfterS} s`,
        retryAfterS,
      );
    },
  });

  app.addHook('onRequest', app.rateLimit());

  const extra = options.coldSolveCost - 1;
  if (extra > 0) {
    app.addHook('onSend', async (request, reply, payload) => {
      const cold = coldSolvesOf(request);
      if (cold === 0) return payload;
      try {
        const { current } = await store.add(callerOf(request), extra * cold, options.windowMs);
        void reply.header('ratelimit-remaining', Math.max(0, options.max - current));
      } catch {
        // Redis down: the surcharge is lost, the answer goes out as it is
      }
      return payload;
    });
  }

  // Last, after the surcharge: the structured fields from the same numbers as the draft-06 ones.
  app.addHook('onSend', async (_request, reply, payload) => {
    const remaining = reply.getHeader('ratelimit-remaining');
    const reset = reply.getHeader('ratelimit-reset');
    if (remaining === undefined || reset === undefined) return payload; // not limited (probes, docs, OPTIONS)
    void reply.header('ratelimit-policy', rateLimitPolicyHeader(options.max, options.windowMs));
    void reply.header('ratelimit', rateLimitHeader(Number(remaining), Number(reset)));
    return payload;
  });
}
