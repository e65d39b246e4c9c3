// A dead worker costs seconds: with the default lock settings (WORKER_LOCK_MS 4000, stalled checks
// every 2 s) a job whose worker is kill -9-ed runs on another worker within 10 s, survives as many
// deaths as WORKER_MAX_STALLED_COUNT says, and a worker busy solving is never taken for a dead one
// (its lock is renewed by its event loop while the solve runs in a thread). Real processes: our own
// redis-server on a free port and `npm run worker` processes from sources.
import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { DurableRedis, startWorker, type WorkerProcess } from './fixtures/queue-processes.js';
import { freePort } from './fixtures/redis.js';

const QUEUE = `test-recovery-${randomUUID().slice(0, 8)}`;
let redis: DurableRedis;
let app: App;
let client: Redis;
let queue: Queue;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = new DurableRedis(await freePort());
  await redis.start();
  // The defaults under test: no WORKER_LOCK_MS, no WORKER_MAX_STALLED_COUNT.
  const env = { REDIS_URL: redis.url, QUEUE_NAME: QUEUE, SOLVER_THREADS: '1' };
  workers.push(...(await Promise.all([startWorker(env), startWorker(env), startWorker(env)])));
  app = buildApp({ ...loadConfig({ REDIS_URL: redis.url, SOLVER_QUEUE: 'bullmq', QUEUE_NAME: QUEUE }), logLevel: 'silent' });
  await app.ready();
  // Ready means the API's queue connection is up (app.ready() does not wait for Redis).
  const deadline = Date.now() + 10_000;
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200) {
    if (Date.now() > deadline) throw new Error('API never ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue(QUEUE, { connection: client, prefix: 'bull' });
}, 90_000);

afterAll(async () => {
  await queue?.close();
  client?.disconnect();
  await app?.close();
  for (const w of workers) w.kill('SIGKILL');
  await redis?.destroy();
});

/** Polls until the job is active on a worker other than `not`; returns that worker and when it was seen. */
async function activeOn(id: string, not: string | undefined, timeoutMs = 20_000): Promise<{ worker: WorkerProcess; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await queue.getJob(id)) as Job | undefined;
    if (job && (await job.getState()) === 'active' && job.processedBy !== undefined && job.processedBy !== not) {
      const worker = workers.find((w) => job.processedBy === `worker-${w.pid}`);
      if (worker) return { worker, at: Date.now() };
    }
    if (Date.now() > deadline) throw new Error(`job ${id} not active elsewhere within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('queue mode: recovery from dead workers at the default lock settings', () => {
  it('kill -9 twice: each time the job runs elsewhere within 10 s; it completes on the third worker with no false stall', async () => {
    // relativeGap 0: it runs its whole limit, so a worker is still solving it when it is killed.
    const input = { ...generateRequest(5, { devices: 1000, servers: 50 }), options: { baselines: false, relativeGap: 0 } };
    const submitted = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'allocate', input, timeLimitMs: 12_000 } });
    expect(submitted.statusCode, submitted.body).toBe(202);
    const id = submitted.json().id as string;

    let runner = (await activeOn(id, undefined)).worker;
    const handovers: number[] = [];
    for (let death = 0; death < 2; death++) {
      await new Promise((resolve) => setTimeout(resolve, 500)); // solving, lock held
      const killedAt = Date.now();
      runner.kill('SIGKILL');
      const next = await activeOn(id, `worker-${runner.pid}`);
      handovers.push(next.at - killedAt);
      runner = next.worker;
    }
    console.log(`kill -9 of the worker running a job: running elsewhere after ${handovers.join(' ms, ')} ms (lock 4 s, stalled check 2 s)`);
    for (const ms of handovers) expect(ms).toBeLessThan(10_000);

    // The third run is left alone for its 12 s: three lock periods with the solve holding a thread.
    const deadline = Date.now() + 60_000;
    let view;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
    } while (view.status !== 'completed' && view.status !== 'failed' && Date.now() < deadline);
    expect(view.status, JSON.stringify(view.error)).toBe('completed');
    expect(view.result.allocations).toHaveLength(1000);
    const job = (await queue.getJob(id)) as Job;
    // Two deaths counted, none added by the busy survivor (a false stall would count a third).
    expect(job.stalledCounter).toBe(2);
    expect(job.processedBy).toBe(`worker-${runner.pid}`);
  }, 120_000);
});
