// The BullMQ job store against a real Redis (no worker process: a test worker takes jobs by hand):
// its counts by state for the metrics, and Idempotency-Key answers (422 for another body, 409 when
// two such submissions race).
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueJobs } from '../src/backends/bullmq/queue-jobs.js';
import { IdempotencyConflictError, IdempotencyMismatchError, type JobService } from '../src/jobs/types.js';
import { BULL_PREFIX, consumerConnection, producerConnection } from '../src/backends/bullmq/connection.js';
import { SYNC_PRIORITY } from '../src/backends/bullmq/backend.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { SHARED_REDIS_URL, deleteKeys } from './fixtures/redis.js';

const QUEUE = `test-jobs-store-${randomUUID().slice(0, 8)}`;
let client: Redis;
let workerClient: Redis;
let queue: Queue;
let jobs: JobService;

beforeAll(async () => {
  client = producerConnection(SHARED_REDIS_URL);
  workerClient = consumerConnection(SHARED_REDIS_URL);
  queue = new Queue(QUEUE, { connection: client, prefix: BULL_PREFIX });
  await queue.waitUntilReady();
  jobs = createQueueJobs({ queue, client, queueName: QUEUE, ttlS: 60, maxQueue: 100 });
});
afterAll(async () => {
  await queue?.close();
  await deleteKeys(`${BULL_PREFIX}:${QUEUE}:`);
  client?.disconnect();
  workerClient?.disconnect();
});

const body = (seed: number) => ({
  kind: 'allocate' as const,
  input: { ...ALLOCATE_REQUEST_EXAMPLE, options: { seed } },
  timeLimitMs: 1000,
});

describe('BullMQ job store', () => {
  it('counts async jobs by state, not the sync solves sharing the queue', async () => {
    expect(await jobs.counts!()).toEqual({ queued: 0, running: 0, completed: 0, failed: 0 });
    const a = await jobs.submit(body(1));
    await jobs.submit(body(2));
    await jobs.submit(body(3));
    // A sync solve waiting in the same queue (what the sync routes enqueue in queue mode).
    await queue.add('allocate', { purpose: 'sync' }, { jobId: `sync-${randomUUID()}`, priority: SYNC_PRIORITY, removeOnComplete: true });
    expect(await jobs.counts!()).toEqual({ queued: 3, running: 0, completed: 0, failed: 0 });

    // A worker takes jobs in priority order: the sync solve first, then the first async job.
    const worker = new Worker(QUEUE, null, { connection: workerClient, prefix: BULL_PREFIX, autorun: false });
    try {
      const token = randomUUID();
      const sync = await worker.getNextJob(token);
      expect(sync?.data.purpose).toBe('sync');
      const first = await worker.getNextJob(token);
      expect(first?.id).toBe(a.job.id);
      expect(await jobs.counts!()).toEqual({ queued: 2, running: 1, completed: 0, failed: 0 });
      await first!.moveToCompleted({ outcome: 'completed', result: { status: 'OPTIMAL' }, resultStatusCode: 200 }, token, false);
      await sync!.moveToCompleted({}, token, false);
      const second = await worker.getNextJob(token);
      await second!.moveToFailed(new Error('solver crashed'), token, false);
      expect(await jobs.counts!()).toEqual({ queued: 1, running: 0, completed: 1, failed: 1 });
    } finally {
      await worker.close();
    }
  });

  it('Idempotency-Key: same body → the same job; another body → 422; a race with another body → 409', async () => {
    const key = `k-${randomUUID()}`;
    const first = await jobs.submit({ ...body(10), idempotencyKey: key });
    expect(first.created).toBe(true);
    const again = await jobs.submit({ ...body(10), idempotencyKey: key });
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    const other = jobs.submit({ ...body(11), idempotencyKey: key });
    await expect(other).rejects.toBeInstanceOf(IdempotencyMismatchError);
    await expect(other).rejects.toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_MISMATCH' });

    // The race: the store looks the key up before the other request's job is visible, then finds
    // it when it reads back after its own add. Replayed here by hiding the first lookup.
    const raceKey = `k-${randomUUID()}`;
    await jobs.submit({ ...body(20), idempotencyKey: raceKey });
    let lookups = 0;
    const racing = new Proxy(queue, {
      get(target, prop, receiver) {
        if (prop === 'getJob') return async (id: string) => (lookups++ === 0 ? undefined : target.getJob(id));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const racingJobs = createQueueJobs({ queue: racing, client, queueName: QUEUE, ttlS: 60, maxQueue: 100 });
    const raced = racingJobs.submit({ ...body(21), idempotencyKey: raceKey });
    await expect(raced).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(raced).rejects.toMatchObject({ statusCode: 409 });
  });
});
