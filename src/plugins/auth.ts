// API keys. With keys configured, every route but the public ones needs `Authorization: Bearer
// <key>` or `x-api-key: <key>`; a missing or wrong key is a 401 problem (RFC 9457). Keys are
// compared as sha256 digests with timingSafeEqual against every configured digest (no early exit),
// so neither the comparison nor the number of keys tried leaks through timing; the key itself is
// never stored or logged (the logger redacts both headers).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Short, non-secret identity of the caller's valid API key (rate limits, logs); undefined without auth. */
    apiKeyId?: string;
  }
}

interface AuthOptions {
  /** sha256 digests of the accepted keys; empty turns authentication off. */
  keyDigests: readonly Buffer[];
  isPublic: (url: string) => boolean;
}

/** The key a request presents, from Authorization: Bearer or x-api-key. */
function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** Index of the matching digest, or -1; always compares against all of them. */
function matchKey(key: string, digests: readonly Buffer[]): number {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  let found = -1;
  digests.forEach((d, i) => {
    if (timingSafeEqual(digest, d) && found === -1) found = i;
  });
  return found;
}

const unauthorized = (message: string) => new HttpProblem(401, 'UNAUTHORIZED', message, undefined, { 'WWW-Authenticate': 'Bearer' });

/**
 * Authentication in two hooks, so that something can run between them (the rate limit, which must
 * count failed attempts too, against the caller's address): `identify` recognises a valid key
 * (request.apiKeyId) and notes why a request has none; `enforce` then refuses it with a 401.
 */
export function authHooks(options: AuthOptions) {
  const enabled = options.keyDigests.length > 0;
  // Identity for rate limiting and logs: a prefix of the key's digest, not the key.
  const ids = options.keyDigests.map((d) => `key-${d.subarray(0, 6).toString('hex')}`);
  const refusals = new WeakMap<FastifyRequest, string>();
  return {
    identify: async (request: FastifyRequest) => {
      // CORS preflights carry no credentials by design; @fastify/cors answers them.
      if (!enabled || request.method === 'OPTIONS' || options.isPublic(request.url)) return;
      const key = presentedKey(request);
      if (key === undefined) {
        refusals.set(request, 'an API key is required: Authorization: Bearer <key> or x-api-key: <key>');
        return;
      }
      const index = matchKey(key, options.keyDigests);
      if (index === -1) refusals.set(request, 'the API key is not valid');
      else request.apiKeyId = ids[index];
    },
    enforce: async (request: FastifyRequest) => {
      const refusal = refusals.get(request);
      if (refusal !== undefined) throw unauthorized(refusal);
    },
  };
}
