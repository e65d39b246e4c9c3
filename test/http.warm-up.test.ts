// The request path's warm-up (src/server.ts runs it before listening): paper-scale requests sent
// over a real loopback socket into the app's router, so the first caller does not pay for the
// socket side of the HTTP path either (app.inject() never touched it).
import { IncomingMessage } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { WARM_UP_REQUESTS, warmUpRequestPath } from '../src/plugins/warm-up.js';

let app: App | undefined;
afterAll(async () => {
  await app?.close();
});

describe('request path warm-up', () => {
  it('sends several paper-scale POST /allocate over a real socket, each answered 200, before the app listens', async () => {
    app = buildApp({ ...loadConfig({ SOLVER_THREADS: '1' }), logLevel: 'silent' });
    const seen: { realSocket: boolean; status: number }[] = [];
    const order: string[] = [];
    app.addHook('onResponse', async (request, reply) => {
      order.push(`${request.url} ${reply.statusCode}`);
      if (request.url === '/allocate') seen.push({ realSocket: request.raw instanceof IncomingMessage, status: reply.statusCode });
    });
    await app.ready();
    const times = await warmUpRequestPath(app);
    expect(WARM_UP_REQUESTS).toBeGreaterThan(1);
    expect(times).toHaveLength(WARM_UP_REQUESTS);
    expect(seen).toEqual(Array.from({ length: WARM_UP_REQUESTS }, () => ({ realSocket: true, status: 200 })));
    expect(app.server.listening).toBe(false);
    // Sent once /ready said ready (the solver threads warm), not queued behind their warm-up.
    const firstAllocate = order.findIndex((line) => line.startsWith('/allocate'));
    expect(order.slice(0, firstAllocate).at(-1)).toBe('/ready 200');
  }, 60_000);

  it('its requests (the /ready polls, the POST /allocate) are not in the request metrics nor in the access log; callers are', async () => {
    const lines: { msg?: string; req?: { url?: string }; res?: unknown }[] = [];
    const own = buildApp(
      { ...loadConfig({ SOLVER_THREADS: '1' }), logLevel: 'info' },
      { logStream: { write: (line) => void lines.push(JSON.parse(line)) } },
    );
    try {
      await own.ready();
      const times = await warmUpRequestPath(own, 1);
      expect(times).toHaveLength(1);
      const accessLines = () => lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
      expect(accessLines()).toEqual([]);
      const scrape = async () => (await own.inject({ method: 'GET', url: '/metrics' })).body;
      const before = await scrape();
      expect(before).not.toMatch(/edge_allocator_http_request_duration_seconds_count\{[^}]*route="\/ready"/);
      expect(before).not.toMatch(/edge_allocator_http_request_duration_seconds_count\{[^}]*route="\/allocate"/);
      // A caller's request is counted and logged as before.
      expect((await own.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
      expect(await scrape()).toMatch(/edge_allocator_http_request_duration_seconds_count\{[^}]*route="\/ready"[^}]*\} 1/);
      // (/ready logs at warn only, like every probe: a 404 shows the access log at work.)
      expect((await own.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
      expect(accessLines().some((l) => l.req?.url === '/nope')).toBe(true);
    } finally {
      await own.close();
    }
  }, 60_000);

  it('its solves are not in the solve or cache metrics and log no info line: /metrics counts none until a caller solves', async () => {
    const lines: { level?: number; msg?: string }[] = [];
    const own = buildApp(
      { ...loadConfig({ SOLVER_THREADS: '1' }), logLevel: 'debug' },
      { logStream: { write: (line) => void lines.push(JSON.parse(line)) } },
    );
    // Every sample of the solve-side metrics (solves, their duration and gap, cache requests, joins).
    const SOLVE_SERIES =
      /^edge_allocator_(solves_total|solve_duration_seconds_count|solve_gap_ratio_count|cache_requests_total|single_flight_joins_total)\{[^}]*\} (\S+)$/gm;
    const solveSamples = async () =>
      [...(await own.inject({ method: 'GET', url: '/metrics' })).body.matchAll(SOLVE_SERIES)].map((m) => m[0]);
    const solveLines = (level: number) => lines.filter((l) => l.level === level && l.msg?.startsWith('solve allocate '));
    try {
      await own.ready();
      const times = await warmUpRequestPath(own);
      expect(times).toHaveLength(WARM_UP_REQUESTS);
      expect(await solveSamples()).toEqual([]);
      // One debug line per warm-up solve, no info line.
      expect(solveLines(30)).toEqual([]);
      expect(solveLines(20)).toHaveLength(WARM_UP_REQUESTS);
      // A caller's solve is counted and logged as before.
      const body = generateRequest(7, { devices: 6, servers: 2 });
      const res = await own.inject({
        method: 'POST',
        url: '/allocate',
        payload: { ...body, options: { ...body.options, timeLimitMs: 2000 } },
      });
      expect(res.statusCode).toBe(200);
      const samples = await solveSamples();
      expect(samples).toContainEqual(expect.stringMatching(/^edge_allocator_cache_requests_total\{kind="allocate",outcome="miss"\} 1$/));
      expect(samples).toContainEqual(expect.stringMatching(/^edge_allocator_solves_total\{[^}]*kind="allocate"[^}]*\} 1$/));
      expect(samples).toContainEqual(expect.stringMatching(/^edge_allocator_solve_duration_seconds_count\{[^}]*kind="allocate"[^}]*\} 1$/));
      expect(solveLines(30)).toHaveLength(1);
    } finally {
      await own.close();
    }
  }, 60_000);

  it('sends nothing and returns soon when /ready never says ready (the server must go on to listen)', async () => {
    const notReady = buildApp({ ...loadConfig({ SOLVER_THREADS: '1' }), logLevel: 'silent' });
    const allocates: number[] = [];
    notReady.addHook('onRequest', async (request, reply) => {
      if (request.url === '/ready') return reply.code(503).send({ ready: false });
      if (request.url === '/allocate') allocates.push(1);
    });
    try {
      await notReady.ready();
      const t0 = performance.now();
      const times = await warmUpRequestPath(notReady, WARM_UP_REQUESTS, 300);
      expect(times).toEqual([]);
      expect(allocates).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(3_000);
    } finally {
      await notReady.close();
    }
  }, 30_000);
});
