// An API instance started while Redis is down (as in a restart during an outage) serves jobs once
// Redis is back: 503 QUEUE_UNAVAILABLE meanwhile, never a lasting error from the queue's first
// commands (BullMQ keeps a failed connection check for good: every later call failed with it).
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createBullmqBackend } from '../src/backends/bullmq/backend.js';
import { isRedisUnavailableError } from '../src/backends/bullmq/connection.js';
import { createQueueJobs } from '../src/backends/bullmq/queue-jobs.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { ThrowawayRedis, freePort } from './fixtures/redis.js';

let redis: ThrowawayRedis | undefined;
let backend: ReturnType<typeof createBullmqBackend> | undefined;

afterAll(async () => {
  await backend?.close();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const submission = { kind: 'allocate' as const, input: { ...ALLOCATE_REQUEST_EXAMPLE, options: { seed: 7 } }, timeLimitMs: 1000 };

describe('queue mode, API started before Redis', () => {
  it('answers 503 while Redis is down, then accepts and reads jobs once it is up', async () => {
    redis = new ThrowawayRedis(await freePort());
    const queueName = `test-late-${randomUUID().slice(0, 8)}`;
    backend = createBullmqBackend({ url: redis.url, queueName, maxQueue: 100, waitMs: 5000 });
    const jobs = createQueueJobs({ queue: backend.queue, client: backend.client, queueName, ttlS: 60, maxQueue: 100 });

    await sleep(1500); // long enough for the connection to give up its first commands
    await expect(jobs.submit(submission)).rejects.toMatchObject({ name: 'OverloadedError', code: 'QUEUE_UNAVAILABLE' });

    await redis.start();
    const deadline = Date.now() + 8000;
    while (backend.client.status !== 'ready' && Date.now() < deadline) await sleep(50);
    expect(backend.client.status).toBe('ready');

    const { job, created } = await jobs.submit(submission);
    expect(created).toBe(true);
    expect(job.status).toBe('queued');
    expect(await jobs.get(job.id)).toMatchObject({ id: job.id, status: 'queued', kind: 'allocate' });
    expect((await jobs.list({ limit: 10 })).jobs.map((j) => j.id)).toEqual([job.id]);
    expect(await jobs.counts!()).toMatchObject({ queued: 1, running: 0 });
  }, 30_000);
});

describe('isRedisUnavailableError', () => {
  it('knows what ioredis and a restarting Redis throw, and nothing else', () => {
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });
    const unavailable = [
      named(
        'MaxRetriesPerRequestError',
        'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      ),
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Command timed out'),
      new Error('LOADING Redis is loading the dataset in memory'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    ];
    for (const err of unavailable) expect(isRedisUnavailableError(err), err.message).toBe(true);
    const bugs = [
      new TypeError("Cannot read properties of undefined (reading 'digest')"),
      new SyntaxError('Unexpected token } in JSON'),
      null,
    ];
    for (const err of bugs) expect(isRedisUnavailableError(err)).toBe(false);
  });
});
