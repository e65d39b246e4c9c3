// Admission that keeps its promises in queue mode: the API estimates the wait behind the jobs
// already in the queue (running ones: what is left of their limits; waiting sync ones: their
// limits) on the slots the live workers declare, and refuses at once (503 OVERLOADED + Retry-After)
// a sync request whose limit cannot be met, where it used to queue it and have the worker refuse
// it after the wait (503 SOLVE_FAILED). Real Redis (the shared one, a queue of our own) and real
// worker processes (`src/worker/main.ts`).
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { queueNames } from '../src/backends/bullmq/connection.js';
import { jobName, limitOfName, readQueueLoad } from '../src/backends/bullmq/queue-load.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { startWorker, type WorkerProcess } from './fixtures/queue-processes.js';
import { SHARED_REDIS_URL, deleteKeys } from './fixtures/redis.js';

describe('the queue load as admission reads it (no worker takes the jobs)', () => {
  const QUEUE = `test-load-${randomUUID().slice(0, 8)}`;
  const names = queueNames(QUEUE);
  let client: Redis;
  let queue: Queue;
  beforeAll(() => {
    client = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
    queue = new Queue(QUEUE, { connection: client, prefix: 'bull' });
  });
  afterAll(async () => {
    await queue.close();
    client.disconnect();
    await deleteKeys(`bull:${QUEUE}:`);
  });

  it('a job name carries its limit', () => {
    expect(limitOfName(jobName('allocate', 1500))).toBe(1500);
    expect(limitOfName('allocate')).toBeUndefined();
  });

  it('counts waiting sync jobs (not waiting async ones), each its limit capped at its due time, and the live workers’ slots', async () => {
    const now = Date.now();
    await queue.add(jobName('allocate', 3000), {}, { jobId: 's1', priority: 1, timestamp: now });
    await queue.add(jobName('allocate', 1000), {}, { jobId: 's2', priority: 1, timestamp: now - 600 }); // 400 ms left to its due time
    await queue.add('allocate', {}, { jobId: 's3', priority: 1, timestamp: now }); // an older API's name: the default limit
    await queue.add(jobName('allocate', 60_000), {}, { jobId: 'a1', priority: 10, timestamp: now }); // async, behind every sync job
    await client.sadd(names.workersKey, 'w-alive', 'w-dead');
    await client.set(names.slotsKey('w-alive'), '3', 'PX', 5000);
    const keys = { prioritized: queue.keys.prioritized, active: queue.keys.active, job: (id: string) => queue.toKey(id) };
    const load = await readQueueLoad(client, keys, names, { share: 0.5, defaultLimitMs: 2000, syncPriority: 1, now: () => now });
    expect(load.slots).toBe(3);
    expect(load.waitingSync).toBe(3); // the async job waits behind them: not ahead, not counted against the bound
    expect(load.flights).toEqual([
      { startedAt: undefined, expectedRunMs: 1500 },
      { startedAt: undefined, expectedRunMs: 400 },
      { startedAt: undefined, expectedRunMs: 1000 },
    ]);
    // The dead worker's name is dropped once its heartbeat has lapsed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await client.smembers(names.workersKey)).toEqual(['w-alive']);
  });
});

describe('queue mode admission (a worker process with 2 solver threads)', () => {
  const QUEUE = `test-admission-${randomUUID().slice(0, 8)}`;
  let app: App;
  let worker: WorkerProcess;
  beforeAll(async () => {
    // Warm threads, as in production (the suite turns the warm-up off): a cold thread's first solves
    // are slower than the floors assume, and the worker would refuse them for lack of time.
    worker = await startWorker({ REDIS_URL: SHARED_REDIS_URL, QUEUE_NAME: QUEUE, SOLVER_THREADS: '2', SOLVER_WARMUP: 'true' }, 60_000);
    app = buildApp({ ...loadConfig({ REDIS_URL: SHARED_REDIS_URL, SOLVER_QUEUE: 'bullmq', QUEUE_NAME: QUEUE }), logLevel: 'silent' });
    await app.ready();
    const deadline = Date.now() + 20_000;
    while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200) {
      if (Date.now() > deadline) throw new Error('API never ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    worker?.kill('SIGKILL');
    await deleteKeys(`bull:${QUEUE}:`);
  });

  // The answer cache lives in the shared Redis for an hour: bodies of an earlier run would be
  // answered from it and never reach the queue. The solver seed (part of the request hash) is this
  // run's own.
  const runSeed = 1 + Math.floor(Math.random() * 2 ** 30);
  const allocate = (seed: number, devices: number, servers: number, timeLimitMs: number) =>
    app.inject({
      method: 'POST',
      url: '/allocate',
      // relativeGap 0: each runs its whole limit, so the work ahead is what the limits say.
      payload: {
        ...generateRequest(seed, { devices, servers }),
        options: { baselines: false, timeLimitMs, relativeGap: 0, seed: runSeed },
      },
    });

  // First: the share of their limits solves use, which the API learns from the answers, is still 1
  // (each of these runs its whole limit; the later test's converge early and would teach less).
  it('overload probe: 12 distinct 200 × 20 requests 40 ms apart with 1500 ms limits: each a plan or a 503, the late ones refused at once by the API (OVERLOADED), not by the worker after their wait; none NO_SOLUTION_FOUND', async () => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, 40 * i));
        return allocate(600 + i, 200, 20, 1500);
      }),
    );
    const counts: Record<string, number> = {};
    for (const r of replies) {
      const key = r.statusCode === 200 ? r.json().status : `${r.statusCode} ${r.json().code}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    console.log(`queue overload probe: ${JSON.stringify(counts)}`);
    for (const r of replies) {
      if (r.statusCode === 200) expect(r.json().allocations).toHaveLength(200);
      else {
        expect(r.statusCode, r.body).toBe(503);
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    }
    expect(counts.NO_SOLUTION_FOUND ?? 0).toBe(0);
    expect(replies.filter((r) => r.statusCode === 200).length).toBeGreaterThan(0);
    // Refused at once by the API's estimate, where they used to be queued and refused by the worker
    // after their wait (all SOLVE_FAILED). An admitted request can still lose its CPU to other
    // processes on a shared machine and be refused by the worker (503, never an empty answer): at
    // most one of those.
    expect(counts['503 OVERLOADED'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(counts['503 SOLVE_FAILED'] ?? 0).toBeLessThanOrEqual(1);
  }, 60_000);

  it('refuses at once a request whose limit the queued work leaves too short, takes one whose limit covers the wait', async () => {
    // Two 4 s solves run on the two slots; an 8 s one waits for a slot (about 4 s: it is taken).
    const ahead = [allocate(1, 1000, 50, 4000), allocate(2, 1000, 50, 4000), allocate(3, 1000, 50, 8000)];
    // Until the queue holds them (normalising three 1,000 × 50 bodies takes a while on a loaded machine).
    const connection = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE, { connection, prefix: 'bull' });
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const counts = await queue.getJobCounts('active', 'prioritized');
        if (counts.active === 2 && counts.prioritized === 1) break;
        if (Date.now() > deadline) throw new Error(`queue never held the work ahead: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const sentAt = Date.now();
    const refused = await allocate(4, 200, 20, 1500);
    const refusedAfterMs = Date.now() - sentAt;
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json().code).toBe('OVERLOADED');
    const retryAfterS = Number(refused.headers['retry-after']);
    // A slot frees in about 3 s (the running ones' 4 s less the second gone); the waiting one takes it.
    expect(retryAfterS).toBeGreaterThanOrEqual(2);
    expect(retryAfterS).toBeLessThanOrEqual(5);
    const taken = await allocate(5, 200, 20, 12_000);
    expect(taken.statusCode, taken.body).toBe(200);
    expect(taken.json().allocations).toHaveLength(200);
    for (const r of await Promise.all(ahead)) expect(r.statusCode, r.body).toBe(200);
    console.log(`queue admission: refused in ${refusedAfterMs} ms with Retry-After ${retryAfterS} s`);
  }, 60_000);
});
