// An API in queue mode that gets SIGTERM while its Redis is gone exits 0 at once (real processes,
// a real signal, a redis-server of our own killed with -9). BullMQ's QueueEvents.close() waits for
// an 'end' event ioredis never emits between reconnection attempts: the close used to hang until
// the 25 s grace ran out, and the process exited 1.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ThrowawayRedis } from './fixtures/redis.js';
import { startServer, type ServerProcess } from './fixtures/server-process.js';

let redis: ThrowawayRedis | undefined;
let server: ServerProcess | undefined;
afterAll(async () => {
  server?.kill('SIGKILL');
  await redis?.stop();
});

describe('queue mode: SIGTERM with Redis gone', () => {
  it.each([200, 1500])(
    'exits 0 within seconds when Redis was killed %i ms before the signal',
    async (gapMs) => {
      redis = new ThrowawayRedis(await freePort());
      await redis.start();
      const port = await freePort();
      server = await startServer({
        PORT: String(port),
        REDIS_URL: redis.url,
        SOLVER_QUEUE: 'bullmq',
        QUEUE_NAME: `test-shutdown-${randomUUID().slice(0, 8)}`,
        LOG_LEVEL: 'info',
      });
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, gapMs)); // the clients are now between reconnection attempts
      const signalledAt = Date.now();
      server.kill('SIGTERM');
      const code = await server.exited;
      const tookMs = Date.now() - signalledAt;
      console.log(`SIGTERM ${gapMs} ms after Redis died: exit ${code} after ${tookMs} ms`);
      expect(code, server.output()).toBe(0);
      expect(tookMs).toBeLessThan(5000);
      server = undefined;
    },
    60_000,
  );
});
