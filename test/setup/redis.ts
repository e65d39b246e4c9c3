// vitest globalSetup: the Redis the tests share. REDIS_URL (default redis://127.0.0.1:6379) when
// something answers there; otherwise a throwaway redis-server on a free port, stopped after the
// run, so a fresh machine needs only `redis-server` on the PATH. Tests read the URL through
// test/fixtures/redis.ts (SHARED_REDIS_URL).
import type { TestProject } from 'vitest/node';
import { Redis } from 'ioredis';
import { ThrowawayRedis, freePort } from '../fixtures/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  if (await answers(configured)) {
    project.provide('redisUrl', configured);
    return async () => {};
  }
  const server = new ThrowawayRedis(await freePort());
  try {
    await server.start();
  } catch (err) {
    throw new Error(`no Redis answers at ${configured} and starting redis-server failed (is it installed?): ${(err as Error).message}`);
  }
  console.log(`test setup: no Redis at ${configured}; started redis-server at ${server.url} for this run`);
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
