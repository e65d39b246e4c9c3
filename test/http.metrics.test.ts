// GET /metrics and the solve log line, through the real service and a real solver worker: what an
// operator scrapes and reads must match what the requests did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createSolveService } from '../src/compose.js';
import { BLOCKS_SOLVER_VERSION } from '../src/blocks/version.js';
import { SOLVER_VERSION } from '../src/solver/version.js';
import { readFileSync } from 'node:fs';
import { smallRequest } from './fixtures/allocate-requests.js';

const config = { ...loadConfig({}), logLevel: 'info' as const, solverThreads: 1 };
const lines: Record<string, unknown>[] = [];
let app: App;

beforeAll(async () => {
  const metrics = createMetrics();
  const service = createSolveService(config, { observer: metrics });
  app = buildApp(config, { service, metrics, logStream: { write: (line) => void lines.push(JSON.parse(line)) } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

/** Value of one sample line `name{labels} value` of the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const labelText = open === -1 ? '' : line.slice(open + 1, line.lastIndexOf('}'));
    const got = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const scrape = async () => {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
  return res.body;
};

describe('GET /metrics after a cold solve, a cache hit and a bad request', () => {
  let text: string;
  let first: { status: string; gap?: number; requestHash: string };

  beforeAll(async () => {
    const r1 = await app.inject({ method: 'POST', url: '/allocate', payload: smallRequest(), headers: { 'x-request-id': 'solve-1' } });
    expect(r1.statusCode, r1.body).toBe(200);
    first = r1.json();
    const r2 = await app.inject({ method: 'POST', url: '/allocate', payload: smallRequest() });
    expect(r2.json().cache).toBe('hit');
    const bad = await app.inject({ method: 'POST', url: '/allocate', payload: { ...smallRequest(), devices: [] } });
    expect(bad.statusCode).toBe(400);
    text = await scrape();
  });

  it('counts one miss and one hit, and one solve with its status and limit', () => {
    expect(sample(text, 'edge_allocator_cache_requests_total', { kind: 'allocate', outcome: 'miss' })).toBe(1);
    expect(sample(text, 'edge_allocator_cache_requests_total', { kind: 'allocate', outcome: 'hit' })).toBe(1);
    expect(sample(text, 'edge_allocator_solves_total', { kind: 'allocate', status: first.status, limit: 'none' })).toBe(1);
    expect(sample(text, 'edge_allocator_solve_duration_seconds_count', { kind: 'allocate', status: first.status })).toBe(1);
    expect(sample(text, 'edge_allocator_solve_gap_ratio_count', { kind: 'allocate' })).toBe(first.gap === undefined ? undefined : 1);
  });

  it('times requests by route pattern and status code', () => {
    expect(sample(text, 'edge_allocator_http_request_duration_seconds_count', { route: '/allocate', status_code: '200' })).toBe(2);
    expect(sample(text, 'edge_allocator_http_request_duration_seconds_count', { route: '/allocate', status_code: '400' })).toBe(1);
  });

  it('reports the worker pool, and the default process metrics under their stock (unprefixed) names', () => {
    expect(sample(text, 'edge_allocator_workers')).toBe(1);
    expect(sample(text, 'edge_allocator_queue_depth')).toBe(0);
    expect(sample(text, 'edge_allocator_workers_busy')).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).not.toMatch(/^edge_allocator_(process|nodejs)_/m);
  });

  it('says what runs in build_info: service, Node.js and solver versions', () => {
    const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const labels = { version, node_version: process.version, solver_version: SOLVER_VERSION, blocks_solver_version: BLOCKS_SOLVER_VERSION };
    expect(sample(text, 'edge_allocator_build_info', labels)).toBe(1);
    expect(text.split('\n').filter((l) => l.startsWith('edge_allocator_build_info{'))).toHaveLength(1);
  });

  it('has solve-duration buckets up to the 600 s of the longest job, and the solve counted in the last', () => {
    const les = [...text.matchAll(/^edge_allocator_solve_duration_seconds_bucket\{[^}]*le="([^"]+)"/gm)].map((m) => m[1]);
    expect(les).toEqual(expect.arrayContaining(['60', '120', '300', '600', '+Inf']));
    expect(sample(text, 'edge_allocator_solve_duration_seconds_bucket', { kind: 'allocate', status: first.status, le: '600' })).toBe(1);
  });

  it('logs one line per solve with hash, kind, status, limit, objective, gap, cache and time, under the request id', () => {
    const solveLines = lines.filter((l) => l.solve !== undefined);
    expect(solveLines).toHaveLength(2);
    const [cold, warm] = solveLines as { reqId: string; solve: Record<string, unknown> }[];
    expect(cold.reqId).toBe('solve-1');
    expect(cold.solve).toEqual({
      kind: 'allocate',
      requestHash: first.requestHash,
      status: first.status,
      limit: null,
      objective: expect.any(Number),
      gap: first.gap ?? null,
      cache: 'miss',
      solveTimeMs: expect.any(Number),
    });
    expect(warm.solve).toMatchObject({ cache: 'hit', requestHash: first.requestHash });
    // Every line the first request produced carries its id.
    const ofFirst = lines.filter((l) => l.reqId === 'solve-1');
    expect(ofFirst.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });
});

describe('job gauges by state', () => {
  it('follow an async job from submitted to completed (in-memory jobs)', async () => {
    const states = async () => {
      const text = await scrape();
      return Object.fromEntries(
        ['queued', 'running', 'completed', 'failed', 'cancelled'].map((state) => [state, sample(text, 'edge_allocator_jobs', { state })]),
      );
    };
    expect(await states()).toEqual({ queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 });
    const accepted = await app.inject({
      method: 'POST',
      url: '/jobs',
      payload: { kind: 'allocate', input: { ...smallRequest(), options: { seed: 11 } } },
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const during = await states();
    expect(during.queued! + during.running! + during.completed!).toBe(1);
    const deadline = Date.now() + 20_000;
    while ((await app.inject({ method: 'GET', url: `/jobs/${accepted.json().id}` })).json().status !== 'completed') {
      if (Date.now() > deadline) throw new Error('job did not complete');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await states()).toEqual({ queued: 0, running: 0, completed: 1, failed: 0, cancelled: 0 });
  });
});

describe('single flight', () => {
  it('counts the requests that joined an identical solve in flight', async () => {
    const body = { ...smallRequest(), options: { timeLimitMs: 1500, baselines: false, seed: 7 } };
    const answers = await Promise.all(Array.from({ length: 3 }, () => app.inject({ method: 'POST', url: '/allocate', payload: body })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(sample(await scrape(), 'edge_allocator_single_flight_joins_total', { kind: 'allocate' })).toBe(2);
  });
});
