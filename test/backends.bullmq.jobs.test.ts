// The async job API in queue mode against the shared real Redis: an API instance built here and a
// queue worker (the one `npm run worker` starts) running in this process, on a queue of its own.
// GET /jobs pages through the job index; ?include=best reads the incumbent the worker keeps.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { queueNames } from '../src/backends/bullmq/connection.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { startQueueWorker, type QueueWorker } from '../src/backends/bullmq/queue-worker.js';
import { createSolveService } from '../src/compose.js';
import { SHARED_REDIS_URL, deleteKeys } from './fixtures/redis.js';

const QUEUE = `test-jobs-${randomUUID().slice(0, 8)}`;
let app: App;
let worker: QueueWorker;

beforeAll(async () => {
  const config = {
    ...loadConfig({ REDIS_URL: SHARED_REDIS_URL, SOLVER_QUEUE: 'bullmq', QUEUE_NAME: QUEUE, SOLVER_THREADS: '1' }),
    logLevel: 'silent' as const,
  };
  worker = startQueueWorker(config, createSolveService(config));
  await worker.ready();
  app = buildApp(config);
  await app.ready();
  // The job store answers 503 QUEUE_UNAVAILABLE until its Redis connection is up, as a client would
  // see it right after start: wait for /ready as a load balancer does.
  const deadline = Date.now() + 20_000;
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await worker?.close(5000);
  await deleteKeys(`bull:${QUEUE}:`);
});

const submit = async (payload: object) => {
  const res = await app.inject({ method: 'POST', url: '/jobs', payload });
  expect(res.statusCode, res.body).toBe(202);
  return res;
};
const getJob = async (id: string, query = '') => (await app.inject({ method: 'GET', url: `/jobs/${id}${query}` })).json();

async function until(id: string, done: (job: { status: string; best?: unknown }) => boolean, query = '', timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(id, query);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck at ${JSON.stringify(job).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('jobs in BullMQ (real Redis, an in-process queue worker)', () => {
  it('GET /jobs pages newest first through every job, with status and kind filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const input = { ...ALLOCATE_REQUEST_EXAMPLE, options: { ...ALLOCATE_REQUEST_EXAMPLE.options, seed: 100 + i } };
      ids.push((await submit({ kind: 'allocate', input, timeLimitMs: 500 })).json().id);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    for (const id of ids) await until(id, (j) => j.status === 'completed');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await app.inject({ method: 'GET', url: `/jobs?limit=2&kind=allocate${cursor ? `&cursor=${cursor}` : ''}` });
      expect(page.statusCode, page.body).toBe(200);
      const body = page.json();
      expect(body.jobs.length).toBeLessThanOrEqual(2);
      for (const j of body.jobs) expect(j.result).toBeUndefined();
      seen.push(...body.jobs.map((j: { id: string }) => j.id));
      cursor = body.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual([...ids].reverse());
    const completed = (await app.inject({ method: 'GET', url: '/jobs?status=completed&limit=100' })).json().jobs;
    expect(completed.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());
    expect((await app.inject({ method: 'GET', url: '/jobs?status=running' })).json().jobs).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/jobs?kind=blocks' })).json().jobs).toEqual([]);
    // A job that expired (its BullMQ record gone) leaves the index as the listing meets it.
    const names = queueNames(QUEUE);
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      await redis.zadd(names.jobsIndexKey, Date.now() + 60_000, 'job-gone');
      const first = (await app.inject({ method: 'GET', url: '/jobs?limit=1' })).json();
      expect(first.jobs[0].id).toBe(ids[4]);
      expect(await redis.zscore(names.jobsIndexKey, 'job-gone')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('?include=best shows the incumbent of a running allocate job; the answer is never worse', async () => {
    // relativeGap 0: still running when cancelled (at the default tolerance 600 × 30 may be proven first).
    const input = { ...generateRequest(11, { devices: 600, servers: 30 }), options: { baselines: false, relativeGap: 0 } };
    const job = (await submit({ kind: 'allocate', input, timeLimitMs: 20_000 })).json();
    const running = await until(job.id, (j) => j.status === 'running' && j.best !== undefined, '?include=best');
    expect((await getJob(job.id)).best).toBeUndefined(); // only when asked for
    const best = running.best;
    expect(best.allocations).toHaveLength(600);
    const delay = best.allocations.reduce((s: number, a: { delayS: { total: number } }) => s + a.delayS.total, 0);
    expect(delay).toBeCloseTo(best.totals.delayS, 6);
    const cancelled = (await app.inject({ method: 'DELETE', url: `/jobs/${job.id}` })).json();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.result.objective).toBeLessThanOrEqual(best.objective * (1 + 1e-9));
    expect((await getJob(job.id, '?include=best')).best).toBeUndefined(); // finished: the answer is in `result`
  });
});
