// GET /metrics and the solve log line, through the real service and a real solver worker: what an
// operator scrapes and reads must match what the requests did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createSolveService } from '../src/compose.js';
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

  it('reports the worker pool and the default process metrics', () => {
    expect(sample(text, 'edge_allocator_workers')).toBe(1);
    expect(sample(text, 'edge_allocator_queue_depth')).toBe(0);
    expect(sample(text, 'edge_allocator_workers_busy')).toBe(0);
    expect(sample(text, 'edge_allocator_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'edge_allocator_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
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

describe('single flight', () => {
  it('counts the requests that joined an identical solve in flight', async () => {
    const body = { ...smallRequest(), options: { timeLimitMs: 1500, baselines: false, seed: 7 } };
    const answers = await Promise.all(Array.from({ length: 3 }, () => app.inject({ method: 'POST', url: '/allocate', payload: body })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(sample(await scrape(), 'edge_allocator_single_flight_joins_total', { kind: 'allocate' })).toBe(2);
  });
});
