// The async job API in embedded mode (no Redis): real app, real solver threads, in-memory jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';

let app: App;
beforeAll(async () => {
  // Two threads: one job solves at a time, the other thread stays for sync requests.
  app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 2, jobTtlS: 2 });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const submit = (payload: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/jobs', payload, headers });
const getJob = (id: string) => app.inject({ method: 'GET', url: `/jobs/${id}` });

async function until(id: string, done: (job: { status: string; progress?: unknown }) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = getJob(id).then((r) => r.json());
    const j = await job;
    if (done(j)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck at ${JSON.stringify(j).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('jobs in memory', () => {
  it('runs an allocate job whose result is what POST /allocate answers', async () => {
    const accepted = await submit({ kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const job = accepted.json();
    expect(accepted.headers.location).toBe(`/jobs/${job.id}`);
    expect(job.status).toMatch(/queued|running/);
    const done = await until(job.id, (j) => j.status === 'completed');
    expect(done.finishedAt).toBeTypeOf('string');
    expect(done.resultStatusCode).toBe(200);
    const sync = await app.inject({ method: 'POST', url: '/allocate', payload: ALLOCATE_REQUEST_EXAMPLE });
    expect(sync.statusCode).toBe(200);
    // The sync call finds the job's answer in the cache: same answer, only `cache` differs.
    expect(sync.json()).toEqual({ ...done.result, cache: 'hit' });
  });

  it('answers infeasible inputs as the sync endpoint does (422 body, resultStatusCode 422)', async () => {
    const input = structuredClone(ALLOCATE_REQUEST_EXAMPLE) as { devices: { memoryBytes?: number }[] };
    input.devices[0].memoryBytes = 1; // nothing fits in one byte
    const job = (await submit({ kind: 'allocate', input })).json();
    const done = await until(job.id, (j) => j.status === 'completed');
    const sync = await app.inject({ method: 'POST', url: '/allocate', payload: input });
    expect(sync.statusCode).toBe(422);
    expect(done.resultStatusCode).toBe(422);
    expect(sync.headers['content-type']).toMatch(/^application\/problem\+json/);
    // A problem (RFC 9457) whose extension members are the solve's fields; only the sync answer has an instance.
    expect(done.result).toMatchObject({ type: 'https://edge-allocator.dev/problems/infeasible', status: 422, code: 'INFEASIBLE' });
    expect(done.result.infeasibilities.length).toBeGreaterThan(0);
    expect(sync.json()).toEqual({ ...done.result, instance: '/allocate', cache: 'hit' });
  });

  it('Idempotency-Key: same key and body → the same job; other body → 422 (IETF draft)', async () => {
    const key = `k-${Date.now()}`;
    const body = { kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE, timeLimitMs: 1500 };
    const first = await submit(body, { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const again = await submit(body, { 'idempotency-key': key });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const other = await submit({ ...body, timeLimitMs: 1600 }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    // The key stays bound to its first job.
    expect((await submit(body, { 'idempotency-key': key })).json().id).toBe(first.json().id);
  });

  it('rejects bad kinds, bad inputs and bad ids; unknown ids are 404', async () => {
    const badKind = await submit({ kind: 'solve', input: {} });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().field).toBe('kind');
    const input = structuredClone(ALLOCATE_REQUEST_EXAMPLE) as { devices: { kappa: unknown }[] };
    input.devices[0].kappa = 'x';
    const badInput = await submit({ kind: 'allocate', input });
    expect(badInput.statusCode).toBe(400);
    expect(badInput.json().field).toBe('input.devices[0].kappa');
    const tooLong = await submit({ kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE, timeLimitMs: 600_001 });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().field).toBe('timeLimitMs');
    expect((await getJob('no-such-job')).statusCode).toBe(404);
    expect((await getJob('bad%20id!')).statusCode).toBe(400);
    expect((await app.inject({ method: 'DELETE', url: '/jobs/no-such-job' })).statusCode).toBe(404);
    const oversize = await submit({ kind: 'allocate', input: { padding: 'x'.repeat(6 * 1024 * 1024) } });
    expect(oversize.statusCode).toBe(413);
  });

  it('reports progress while running; DELETE stops the solve at once with its best allocation', async () => {
    const input = generateRequest(7, { devices: 1000, servers: 50 });
    // relativeGap 0: still solving when cancelled (at the default tolerance 1,000 × 50 is proven in under a second).
    const job = (
      await submit({ kind: 'allocate', input: { ...input, options: { baselines: false, relativeGap: 0 } }, timeLimitMs: 60_000 })
    ).json();
    const running = await until(
      job.id,
      (j) => j.status === 'running' && (j.progress as { objective?: number } | undefined)?.objective !== undefined,
    );
    expect(running.progress.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(running.best).toBeUndefined(); // only when asked for
    // ?include=best: the incumbent, shaped as the answer's allocations, its totals their sums.
    const best = (await app.inject({ method: 'GET', url: `/jobs/${job.id}?include=best` })).json().best;
    expect(best.allocations).toHaveLength(1000);
    expect(best.elapsedMs).toBeGreaterThanOrEqual(0);
    const sum = (f: (a: { delayS: { total: number }; energyJ: { total: number } }) => number) =>
      best.allocations.reduce((s: number, a: never) => s + f(a), 0);
    expect(sum((a) => a.delayS.total)).toBeCloseTo(best.totals.delayS, 6);
    expect(sum((a) => a.energyJ.total)).toBeCloseTo(best.totals.energyJ, 6);
    expect(Number.isFinite(best.objective)).toBe(true);
    const t0 = performance.now();
    const cancelled = await app.inject({ method: 'DELETE', url: `/jobs/${job.id}` });
    const stopMs = performance.now() - t0;
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    expect(cancelled.json().result.allocations).toHaveLength(1000);
    expect(cancelled.json().result.limit).toBe('TIME');
    // The answer is the best found by the end: never worse than an incumbent reported before.
    expect(cancelled.json().result.objective).toBeLessThanOrEqual(best.objective * (1 + 1e-9));
    expect(cancelled.json().best).toBeUndefined();
    console.log(`cancel of a running 1000x50 job: ${stopMs.toFixed(0)} ms until cancelled`);
    expect(stopMs).toBeLessThan(1000);
  });

  it('a cancelled Pareto job answers every point: those not started get a fallback instead of failing the sweep', async () => {
    const { objective: _objective, ...snapshot } = generateRequest(8, { devices: 1000, servers: 50 });
    const input = { ...snapshot, options: { baselines: false, relativeGap: 0 }, pareto: { grid: { steps: 2 } } };
    const job = (await submit({ kind: 'pareto', input, timeLimitMs: 12_000 })).json();
    await until(job.id, (j) => j.status === 'running');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the first points are solving, the rest wait
    await app.inject({ method: 'DELETE', url: `/jobs/${job.id}` });
    const done = await until(job.id, (j) => j.status !== 'running' && j.status !== 'queued');
    expect(done.status).toBe('cancelled');
    expect(done.result.points).toHaveLength(6);
  });

  it('GET /jobs lists newest first, filters by status and kind, and pages with a cursor', async () => {
    const input = { ...ALLOCATE_REQUEST_EXAMPLE, options: { ...ALLOCATE_REQUEST_EXAMPLE.options, seed: 77 } };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await submit({ kind: 'allocate', input, timeLimitMs: 1000 + i })).json().id);
      await new Promise((resolve) => setTimeout(resolve, 3)); // distinct creation times
    }
    const list = (query: string) => app.inject({ method: 'GET', url: `/jobs${query}` });
    for (const id of ids) await until(id, (j) => j.status === 'completed');
    // Pages of two, newest first, until the cursor runs out: exactly our five, once each, in order.
    const seen: { id: string; createdAt: string; result?: unknown }[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(`?kind=allocate&status=completed&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      expect(page.json().jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.json().jobs);
      cursor = page.json().nextCursor;
    } while (cursor !== undefined);
    const ours = seen.filter((j) => ids.includes(j.id));
    expect(ours.map((j) => j.id)).toEqual([...ids].reverse());
    expect(new Set(seen.map((j) => j.id)).size).toBe(seen.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1].createdAt >= seen[i].createdAt).toBe(true);
    expect(seen.every((j) => j.result === undefined)).toBe(true); // listed without results
    // Filters: no completed pareto jobs among ours, and every listed job matches.
    const pareto = (await list('?kind=pareto&status=completed')).json().jobs as { id: string; kind: string }[];
    expect(pareto.every((j) => j.kind === 'pareto' && !ids.includes(j.id))).toBe(true);
    expect((await list('?status=queued')).json().jobs.every((j: { status: string }) => j.status === 'queued')).toBe(true);
    // Bad parameters name the field.
    expect((await list('?cursor=nonsense')).json()).toMatchObject({ status: 400, field: 'cursor' });
    expect((await list('?limit=0')).json()).toMatchObject({ status: 400, field: 'limit' });
    expect((await list('?status=done')).json()).toMatchObject({ status: 400, field: 'status' });
  });

  it('a queued job that is cancelled never runs; finished jobs expire after JOB_TTL_S', async () => {
    const big = generateRequest(8, { devices: 1000, servers: 50 });
    const first = (
      await submit({ kind: 'allocate', input: { ...big, options: { baselines: false, relativeGap: 0 } }, timeLimitMs: 60_000 })
    ).json();
    const second = (
      await submit({ kind: 'allocate', input: { ...big, options: { baselines: false, seed: 2 } }, timeLimitMs: 60_000 })
    ).json();
    expect(second.status).toBe('queued');
    const cancelled = (await app.inject({ method: 'DELETE', url: `/jobs/${second.id}` })).json();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.startedAt).toBeUndefined();
    await app.inject({ method: 'DELETE', url: `/jobs/${first.id}` });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await getJob(second.id)).statusCode).toBe(404);
  });
});
