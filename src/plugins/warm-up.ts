// The request path's own first-call cost (Node's HTTP parser and socket writes, route, body
// parser, normalising, hashing, the thread hand-off, serialising: the main thread's code is
// compiled on first use too) is paid by a few paper-scale requests the process sends itself before
// it listens, after every solver thread has run its own warm-up solves (threads/warm-up.ts). They
// travel over a real loopback socket to a throwaway server that hands them to the app's router:
// app.inject() skipped the socket side, and the first caller still paid for it. They are sent once
// /ready says ready (every solver thread warm): sent before, they waited behind the threads' own
// warm-up, and on a loaded machine their 2 s limits ran out there (503), so the answer's half of the
// path (cache store, the 33 KB reply) stayed cold. In-process mode only: in queue mode the solves
// run on worker processes, which warm themselves.
import { randomInt } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { generateRequest } from '../model/generator.js';
import { markInternal } from './internal-requests.js';

/** Requests sent: the first compiles, the next ones let the hot paths be optimised. */
export const WARM_UP_REQUESTS = 3;
/**
 * How long the request-path warm-up waits for /ready before giving up on it (the server must
 * listen soon: liveness probes connect to it); the threads' own warm-up takes 5–15 s.
 */
const READY_WAIT_MS = 20_000;
/** One /ready probe's limit (a probe that hangs must not hold the start-up). */
const PROBE_TIMEOUT_MS = 2_000;

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(PROBE_TIMEOUT_MS, () => req.destroy(new Error('/ready probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/allocate', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends the warm-up requests (after app.ready()) once /ready says ready; returns their wall times, ms
 * (each answer is an ordinary cache entry). Not ready within `readyWaitMs`: none is sent (the server
 * goes on to listen; /ready tells the orchestrator the rest).
 */
export async function warmUpRequestPath(app: FastifyInstance, requests = WARM_UP_REQUESTS, readyWaitMs = READY_WAIT_MS): Promise<number[]> {
  // Marked as the service's own: not counted in the request metrics nor written to the access log.
  const server = createServer((req, res) => {
    markInternal(req);
    app.routing(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const times: number[] = [];
  try {
    const readyBy = performance.now() + readyWaitMs;
    let ready = false;
    while (!ready && performance.now() < readyBy) {
      ready = (await get(port, '/ready').catch(() => 0)) === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    if (!ready) {
      app.log.warn({ waitedMs: readyWaitMs }, 'not ready in time: the request-path warm-up is skipped');
      return times;
    }
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      // A seed of its own: a shared cache must not answer it (the miss path is the one to warm).
      const status = await post(port, JSON.stringify(generateRequest(randomInt(1_000_000_000))));
      times.push(performance.now() - t0);
      if (status !== 200) app.log.warn({ statusCode: status }, 'warm-up request did not succeed');
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return times;
}
