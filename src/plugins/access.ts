// Who may call, and how often: API keys and rate limits as hooks on the root instance, so they
// cover every route (those registered later, 404s included). Registered after helmet and CORS, so
// their headers are set before a 401 or 429 is thrown. Order: recognise the key, count the request
// (by key, or by address without a valid one: failed attempts count too), then refuse a missing key.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../config.js';
import { authHooks } from './auth.js';
import { registerRateLimit } from './rate-limit.js';

interface AccessOptions {
  config: Pick<AppConfig, 'apiKeyDigests' | 'rateLimitMax' | 'rateLimitWindowMs' | 'rateLimitColdSolveCost' | 'redisUrl'>;
  isPublic: (url: string) => boolean;
  /** Redis key namespace of the rate-limit counters. */
  rateLimitKeyPrefix?: string;
}

export function registerAccessControl(app: FastifyInstance, { config, isPublic, rateLimitKeyPrefix }: AccessOptions): void {
  void app.register(
    fp(async (root) => {
      const auth = authHooks({ keyDigests: config.apiKeyDigests, isPublic });
      root.addHook('onRequest', auth.identify);
      if (config.rateLimitMax !== undefined) {
        await registerRateLimit(root, {
          max: config.rateLimitMax,
          windowMs: config.rateLimitWindowMs,
          coldSolveCost: config.rateLimitColdSolveCost,
          redisUrl: config.redisUrl,
          keyPrefix: rateLimitKeyPrefix,
          isPublic,
        });
      }
      root.addHook('onRequest', auth.enforce);
    }),
  );
}
