// Queue mode (SOLVER_QUEUE=bullmq) with real processes: a redis-server of our own (append-only, so
// it can be killed and restarted on the same data), worker processes started as `npm run worker`
// starts them, and API instances built in this process. Each fault of the issue is one test.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { DurableRedis, startWorker, type WorkerProcess } from './fixtures/queue-processes.js';
import { freePort } from './fixtures/redis.js';

const QUEUE = `test-${randomUUID().slice(0, 8)}`;
let redis: DurableRedis;
const apps: App[] = [];
const workers: WorkerProcess[] = [];

// Workers warm their solver thread up as in production (the suite turns warm-up off elsewhere): a
// cold thread's first 400 × 20 solve can miss its 1.5 s limit on a loaded machine.
const workerEnv = () => ({
  REDIS_URL: redis.url,
  QUEUE_NAME: QUEUE,
  SOLVER_THREADS: '1',
  WORKER_LOCK_MS: '1000',
  WORKER_SHUTDOWN_GRACE_MS: '20000',
  SOLVER_WARMUP: 'true',
});

async function api(): Promise<App> {
  const app = buildApp({ ...loadConfig({ REDIS_URL: redis.url, SOLVER_QUEUE: 'bullmq', QUEUE_NAME: QUEUE }), logLevel: 'silent' });
  await app.ready();
  apps.push(app);
  const deadline = Date.now() + 5000;
  // Ready (queue connection up) and the cache's own connection up too.
  while (
    (await app.inject({ method: 'GET', url: '/ready' })).json().redis !== 'up' ||
    (await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200
  ) {
    if (Date.now() > deadline) throw new Error('API never ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return app;
}

async function worker(): Promise<WorkerProcess> {
  const w = await startWorker(workerEnv());
  workers.push(w);
  return w;
}

/** The sync solve a worker holds right now (polls). */
async function activeJob(timeoutMs = 10_000): Promise<{ id: string; processedBy?: string }> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: client, prefix: 'bull' });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await queue.getActive()).find((j) => (j.data as { purpose?: string }).purpose === 'sync');
      if (job?.processedBy) return { id: job.id!, processedBy: job.processedBy };
      if (Date.now() > deadline) throw new Error('no active job');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await queue.close();
    client.disconnect();
  }
}

const finished = (w: WorkerProcess, jobId: string) => w.lines.filter((l) => l.msg === 'job finished' && l.jobId === jobId);
/** The answer reaches the API through Redis before the worker's log line reaches this process: wait for it. */
async function loggedFinish(w: WorkerProcess, jobId: string, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (finished(w, jobId).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  return finished(w, jobId).length;
}
const solveBody = (seed: number, timeLimitMs: number) => ({
  ...generateRequest(seed, { devices: 400, servers: 20 }),
  options: { baselines: false, timeLimitMs },
});

beforeAll(async () => {
  redis = new DurableRedis(await freePort());
  await redis.start();
  await Promise.all([worker(), worker()]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(apps.map((a) => a.close()));
  for (const w of workers) w.kill('SIGKILL');
  await redis?.destroy();
});

describe('queue mode with real workers', () => {
  it('sync requests run on workers; identical requests on two API instances share one solve; then the cache answers', async () => {
    const [a, b] = await Promise.all([api(), api()]);
    const ready = (await a.inject({ method: 'GET', url: '/ready' })).json();
    expect(ready).toMatchObject({ status: 'ready', queue: 'bullmq', redis: 'up' });
    expect(ready.workers.threads).toBe(2); // two worker processes connected
    const body = solveBody(1, 1500);
    const answers = await Promise.all([a, b, a].map((app) => app.inject({ method: 'POST', url: '/allocate', payload: body })));
    for (const r of answers) expect(r.statusCode, r.body).toBe(200);
    const hashes = new Set(answers.map((r) => r.json().requestHash));
    expect(hashes.size).toBe(1);
    const jobId = `allocate-${[...hashes][0]}`;
    // Exactly one solve across both instances and both workers. (The answers come through Redis
    // before the workers' log lines reach this process: wait for the first, then a little for any
    // second one.)
    const solvesLogged = () => workers.flatMap((w) => finished(w, jobId));
    for (const deadline = Date.now() + 5000; solvesLogged().length === 0 && Date.now() < deadline; )
      await new Promise((resolve) => setTimeout(resolve, 25));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(solvesLogged()).toHaveLength(1);
    expect(new Set(answers.map((r) => r.json().objective)).size).toBe(1);
    // The answer may have hit its time limit: a tolerance above its gap takes it from the cache
    // (gapTolerance is not part of the problem: same requestHash).
    const tolerant = { ...body, options: { ...body.options, gapTolerance: 1 } };
    const again = await b.inject({ method: 'POST', url: '/allocate', payload: tolerant });
    expect(again.json().cache).toBe('hit');
    expect(again.json().requestHash).toBe(answers[0].json().requestHash);
    expect(again.json().objective).toBe(answers[0].json().objective);
  }, 60_000);

  it('jobs: progress while running, cancel stops the solve with its best allocation, a cancelled queued job never runs', async () => {
    const app = apps[0];
    const long = {
      kind: 'allocate',
      // relativeGap 0: it runs until cancelled (at the default tolerance 1,000 × 50 is proven in under a second).
      input: { ...generateRequest(3, { devices: 1000, servers: 50 }), options: { baselines: false, relativeGap: 0 } },
      timeLimitMs: 120_000,
    };
    const ids: string[] = [];
    // Two workers of one thread each: the third job waits in the queue.
    for (let seed = 0; seed < 3; seed++) {
      const r = await app.inject({
        method: 'POST',
        url: '/jobs',
        payload: { ...long, input: { ...long.input, options: { ...long.input.options, seed } } },
      });
      expect(r.statusCode, r.body).toBe(202);
      ids.push(r.json().id);
    }
    const get = async (id: string) => (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
    const deadline = Date.now() + 20_000;
    let running = await get(ids[0]);
    while (!(running.status === 'running' && running.progress?.objective !== undefined)) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(running));
      await new Promise((resolve) => setTimeout(resolve, 50));
      running = await get(ids[0]);
    }
    expect(running.progress.elapsedMs).toBeGreaterThan(0);
    expect((await get(ids[2])).status).toBe('queued');
    const queuedCancel = (await app.inject({ method: 'DELETE', url: `/jobs/${ids[2]}` })).json();
    expect(queuedCancel.status).toBe('cancelled');
    expect(queuedCancel.startedAt).toBeUndefined();
    const t0 = performance.now();
    const cancelled = (await app.inject({ method: 'DELETE', url: `/jobs/${ids[0]}` })).json();
    const stopMs = performance.now() - t0;
    console.log(`queue mode: cancel of a running 1000x50 job answered cancelled after ${stopMs.toFixed(0)} ms`);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.result.allocations).toHaveLength(1000);
    expect((await app.inject({ method: 'DELETE', url: `/jobs/${ids[1]}` })).json().status).toBe('cancelled');
    // The queued one never reached a worker.
    expect(workers.flatMap((w) => finished(w, ids[2]))).toHaveLength(0);
    expect((await get(ids[2])).status).toBe('cancelled');
  }, 60_000);

  it('jobs: Idempotency-Key across API instances; unknown ids are 404; bad kinds 400', async () => {
    const [a, b] = apps;
    const key = `key-${randomUUID()}`;
    const body = { kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE, timeLimitMs: 1000 };
    const first = await a.inject({ method: 'POST', url: '/jobs', payload: body, headers: { 'idempotency-key': key } });
    expect(first.statusCode).toBe(202);
    const again = await b.inject({ method: 'POST', url: '/jobs', payload: body, headers: { 'idempotency-key': key } });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const other = await b.inject({
      method: 'POST',
      url: '/jobs',
      payload: { ...body, timeLimitMs: 1001 },
      headers: { 'idempotency-key': key },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    expect((await a.inject({ method: 'GET', url: '/jobs/job-unknown' })).statusCode).toBe(404);
    expect((await a.inject({ method: 'POST', url: '/jobs', payload: { kind: 'nope', input: {} } })).statusCode).toBe(400);
  }, 30_000);

  it('a sync client that disconnects stops its job on the worker (no other caller waits for it)', async () => {
    const app = apps[1];
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/allocate', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify(solveBody(21, 30_000)));
    const job = await activeJob();
    const t0 = Date.now();
    req.destroy();
    const deadline = Date.now() + 10_000;
    let done: Record<string, unknown>[] = [];
    while (done.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = workers.flatMap((w) => finished(w, job.id));
    }
    expect(done).toHaveLength(1);
    expect(done[0].stopped).toBe(true);
    console.log(`queue mode: client gone → its job stopped on the worker after ${Date.now() - t0} ms (limit 30 s)`);
  }, 30_000);

  it('kill -9 of the worker running a sync solve: another worker finishes it and the caller gets its answer', async () => {
    const app = apps[0];
    const pending = app.inject({ method: 'POST', url: '/allocate', payload: solveBody(11, 4000) });
    const job = await activeJob();
    const victim = workers.find((w) => job.processedBy === `worker-${w.pid}`)!;
    expect(victim).toBeDefined();
    victim.kill('SIGKILL');
    const res = await pending;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().allocations, res.body.slice(0, 400)).toHaveLength(400);
    const others = workers.filter((w) => w !== victim);
    await Promise.all(others.map((w) => loggedFinish(w, job.id)));
    const survivor = others.find((w) => finished(w, job.id).length === 1);
    expect(survivor).toBeDefined();
    workers.splice(workers.indexOf(victim), 1);
  }, 60_000);

  it('SIGTERM of a worker mid-solve: it finishes the job, then exits 0', async () => {
    const app = apps[0];
    const w = workers[0];
    const pending = app.inject({ method: 'POST', url: '/allocate', payload: solveBody(12, 2500) });
    const job = await activeJob();
    expect(job.processedBy).toBe(`worker-${w.pid}`);
    w.kill('SIGTERM');
    const res = await pending;
    expect(res.statusCode, res.body).toBe(200);
    expect(await w.exited).toBe(0);
    expect(await loggedFinish(w, job.id)).toBe(1);
    workers.splice(0, 1);
  }, 60_000);

  it('SIGTERM of a worker whose job outlasts its grace: it exits and hands the job back to another worker', async () => {
    const app = apps[0];
    const quick = await startWorker({ ...workerEnv(), WORKER_SHUTDOWN_GRACE_MS: '300' });
    // Long enough that time is left when the other worker takes it over. relativeGap 0: no gap stop.
    // The quick worker is stopped as soon as it holds the job and the other one starts only after
    // it has exited (a worker is ready once its solver threads have warmed up, which may take longer
    // than the solve would on its own): the job waits in the queue, handed back, not answered.
    const long = solveBody(14, 25_000);
    const pending = app.inject({ method: 'POST', url: '/allocate', payload: { ...long, options: { ...long.options, relativeGap: 0 } } });
    const job = await activeJob();
    expect(job.processedBy).toBe(`worker-${quick.pid}`);
    quick.kill('SIGTERM');
    await quick.exited;
    const other = await worker();
    const res = await pending;
    expect(res.statusCode, res.body).toBe(200);
    expect(await loggedFinish(other, job.id)).toBe(1);
    expect(finished(quick, job.id)).toHaveLength(0);
    other.kill('SIGTERM');
    await other.exited;
    workers.splice(workers.indexOf(other), 1);
  }, 60_000);

  it('Redis down: sync requests get 503 + Retry-After at once, /ready is not ready; an accepted job survives and completes', async () => {
    const app = apps[0];
    // No worker is running: the job waits in the queue.
    const accepted = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE } });
    expect(accepted.statusCode).toBe(202);
    const id = accepted.json().id;
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t0 = performance.now();
    const down = await app.inject({ method: 'POST', url: '/allocate', payload: solveBody(13, 1000) });
    const downMs = performance.now() - t0;
    expect(down.statusCode).toBe(503);
    expect(Number(down.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(down.json().code).toBe('QUEUE_UNAVAILABLE');
    expect(downMs).toBeLessThan(500);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: `/jobs/${id}` })).statusCode).toBe(503);
    await redis.start();
    await worker();
    const deadline = Date.now() + 20_000;
    let job;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const r = await app.inject({ method: 'GET', url: `/jobs/${id}` });
      job = r.statusCode === 200 ? r.json() : { status: `http ${r.statusCode}` };
    } while (job.status !== 'completed' && Date.now() < deadline);
    expect(job.status).toBe('completed');
    expect(job.result.allocations.length).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  }, 60_000);
});
