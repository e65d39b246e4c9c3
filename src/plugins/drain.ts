// Shutting down without dropping anyone (SIGTERM): the server keeps listening while it drains, so
// a request arriving now (a new connection, or the next one on a keep-alive connection) gets a
// proper 503 with Retry-After, x-request-id and the error envelope instead of a refused connection
// or a bare answer; every request already in flight is answered (solves stop and answer their
// best so far, or a quick plan); only then does the caller close the app.
import type { FastifyInstance } from 'fastify';
import type { JobService } from '../jobs/types.js';
import type { SolveService } from '../solve/types.js';
import { HttpProblem } from './errors.js';

/** A caller refused during a drain retries after this long (on another instance, normally). */
const DRAIN_RETRY_AFTER_S = 2;

interface DrainReport {
  /** requests still unanswered when the wait ended (0 unless the grace ran out) */
  unanswered: number;
  /** how long the drain took, ms */
  tookMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Stops accepting work (503 + Retry-After), makes every solve in flight answer now, and waits
     * up to waitMs for the requests in flight to be answered. Idempotent; app.close() follows.
     */
    drain(waitMs: number): Promise<DrainReport>;
    /** true once drain() was called */
    readonly draining: boolean;
  }
}

/** Probes keep answering while draining: alive, and (routes/health.ts) not ready. */
const ALWAYS_ANSWERED = new Set(['/health', '/ready']);

export function registerDrain(app: FastifyInstance, parts: { service: SolveService; jobs: JobService }): void {
  let draining = false;
  let inFlight = 0;
  let drained: Promise<DrainReport> | undefined;

  app.addHook('onRequest', async (request, reply) => {
    if (draining) {
      if (ALWAYS_ANSWERED.has(request.url.split('?')[0])) return;
      void reply.header('connection', 'close');
      throw new HttpProblem(
        503,
        'SHUTTING_DOWN',
        `this instance is shutting down; retry after ${DRAIN_RETRY_AFTER_S} s`,
        DRAIN_RETRY_AFTER_S,
      );
    }
    inFlight += 1;
    reply.raw.once('close', () => (inFlight -= 1));
  });

  // A keep-alive client must not send its next request to an instance that is leaving.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) void reply.header('connection', 'close');
  });

  app.decorate('draining', {
    getter: () => draining,
  });

  app.decorate('drain', function drain(waitMs: number): Promise<DrainReport> {
    drained ??= (async () => {
      const t0 = Date.now();
      draining = true;
      // Queue mode: callers whose job no worker answers in time get 503 + Retry-After a second before the end.
      parts.service.drain?.(Math.max(0, waitMs - 1000));
      await parts.jobs.drain?.(waitMs);
      const deadline = t0 + waitMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      return { unanswered: inFlight, tookMs: Date.now() - t0 };
    })();
    return drained;
  });
}
