// SIGTERM with real processes and real signals: the server (`tsx src/server.ts`, as `npm run dev`
// starts it) holds long solves, running and queued for a thread; on SIGTERM every one of them is
// answered with an allocation marked INTERRUPTED, requests arriving during the drain (a new
// connection, the next request on a keep-alive connection) get 503 + Retry-After + x-request-id in
// the error envelope, and the process exits 0 well inside its grace.
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { startServer, type ServerProcess } from './fixtures/server-process.js';
import { freePort } from './fixtures/redis.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

function send(port: number, method: string, path: string, body?: unknown, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: agent ?? false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, at: Date.now() }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

let server: ServerProcess | undefined;
afterAll(() => server?.kill('SIGKILL'));

describe('SIGTERM drains with answers', () => {
  it('answers every in-flight solve (running or queued) with its best allocation, refuses new requests with a proper 503, exits 0', async () => {
    const port = await freePort();
    server = await startServer({ PORT: String(port), SOLVER_THREADS: '2', LOG_LEVEL: 'info' });
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(port, 'GET', '/health', undefined, keepAlive)).status).toBe(200);

    // Four long solves on two threads: two running, two queued for a thread.
    // 5,000 × 100: proving it to the end takes far longer than the wait below (at 1,000 × 50 a solve
    // with relativeGap 0 now converges in 2–4 s, and one had ended before the signal).
    const sizes = { devices: 5000, servers: 100 };
    // The two queued ones have limits long enough for admission to take them behind the two running.
    // relativeGap 0: each runs its whole limit (no stop on a proven gap), so they are still in flight at the signal.
    const solve = (seed: number, timeLimitMs: number) =>
      send(port, 'POST', '/allocate', { ...generateRequest(seed, sizes), options: { baselines: false, timeLimitMs, relativeGap: 0 } });
    const solves = [solve(1, 30_000), solve(2, 30_000)];
    await new Promise((resolve) => setTimeout(resolve, 500));
    solves.push(solve(3, 60_000), solve(4, 60_000));
    // Let the first two reach their threads and find a plan (a 5,000 × 100 plan takes about a second).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(JSON.parse((await send(port, 'GET', '/ready')).body).workers.queued).toBe(2);
    const signalledAt = Date.now();
    server.kill('SIGTERM');
    // The signal reaches the process asynchronously: requests from here on arrive during the drain.
    while (!server.output().includes('"msg":"shutting down"')) await new Promise((resolve) => setTimeout(resolve, 5));
    const small = generateRequest(9, { devices: 10, servers: 3 });
    const [fresh, reused, ready] = await Promise.all([
      send(port, 'POST', '/allocate', small),
      send(port, 'POST', '/allocate', small, keepAlive),
      send(port, 'GET', '/ready'),
    ]);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).status).toBe('not ready');
    const answers = await Promise.all(solves);
    const exitCode = await server.exited;

    for (const refused of [fresh, reused]) {
      expect(refused.status, refused.body).toBe(503);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.headers['x-request-id']).toBeTruthy();
      expect(refused.headers.connection).toBe('close');
      // A problem (RFC 9457) like every other error answer.
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(refused.body);
      expect(problem).toMatchObject({
        status: 503,
        code: 'SHUTTING_DOWN',
        title: 'The instance is shutting down',
        retryAfterS: Number(refused.headers['retry-after']),
        requestId: refused.headers['x-request-id'],
      });
    }
    for (const answer of answers) {
      expect(answer.status, answer.body.slice(0, 300)).toBe(200);
      const result = JSON.parse(answer.body);
      expect(result.status, JSON.stringify({ ...result, allocations: result.allocations.length, baselines: undefined })).toBe('FEASIBLE');
      expect(result.termination).toBe('INTERRUPTED');
      expect(result.allocations).toHaveLength(sizes.devices);
      expect(Number.isFinite(result.objective)).toBe(true);
      // Answered within a few seconds of the signal, far inside the 60 s limit and the 25 s grace.
      expect(answer.at - signalledAt).toBeLessThan(10_000);
    }
    const slowest = Math.max(...answers.map((a) => a.at - signalledAt));
    console.log(`drain: 4 in-flight 5000x100 solves (30 and 60 s limits) answered within ${slowest} ms of SIGTERM; exit ${exitCode}`);
    expect(exitCode).toBe(0);
    keepAlive.destroy();
  }, 90_000);
});
