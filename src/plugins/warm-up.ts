// The request path's own first-call cost (route, body parser, normalising, hashing, the thread
// hand-off, serialising: the main thread's code is compiled on first use too) is paid by one
// paper-scale request the process sends itself before it listens, after every solver thread has
// run its own warm-up solve (worker/warm-up.ts). In-process mode only: in queue mode the solves
// run on worker processes, which warm themselves.
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generateRequest } from '../model/generator.js';

/** Sends the warm-up request; returns its wall time, ms (its answer is an ordinary cache entry). */
export async function warmUpRequestPath(app: FastifyInstance): Promise<number> {
  const t0 = performance.now();
  // A seed of its own: a shared cache must not answer it (the miss path is the one to warm).
  const res = await app.inject({ method: 'POST', url: '/allocate', payload: generateRequest(randomInt(1_000_000_000)) });
  if (res.statusCode !== 200) app.log.warn({ statusCode: res.statusCode }, 'warm-up request did not succeed');
  return performance.now() - t0;
}
