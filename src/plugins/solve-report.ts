// What a solve route did, told once per solve: one log line (request hash, kind, status, limit,
// objective, gap, cache, solve time; the request id comes with the request's logger) and the
// number of cold solves, which the rate limit charges extra for.
import type { FastifyRequest } from 'fastify';
import { isInternal } from './internal-requests.js';
import type { CacheOutcome } from '../solve/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Solves this request computed (cache misses); 0 until a route reports. */
    coldSolves?: number;
  }
}

/** The fields of a result the log line reads; every solve kind has them. */
interface SolveSummary {
  status: string;
  limit?: 'TIME';
  objective?: number;
  gap?: number;
  solver: { solveTimeMs: number };
}

/** What a route got from the service: a result, or (a cache hit) the stored bytes and their status. */
interface SolveReport {
  result: SolveSummary;
  cache: CacheOutcome;
  requestHash: string;
  stored?: { status: string };
}

/** `point`: index of a Pareto point. */
export function reportSolve(request: FastifyRequest, kind: string, out: SolveReport, point?: number): void {
  const { cache, requestHash } = out;
  if (cache === 'miss') request.coldSolves = (request.coldSolves ?? 0) + 1;
  // A hit served from stored bytes is not parsed for its log line: status only.
  const result: Partial<SolveSummary> & { status: string } = out.stored ?? out.result;
  // The service's own warm-up requests are start-up work: their line at debug level only.
  const log = isInternal(request.raw) ? request.log.debug.bind(request.log) : request.log.info.bind(request.log);
  log(
    {
      solve: {
        kind,
        ...(point !== undefined ? { point } : {}),
        requestHash,
        status: result.status,
        limit: result.limit ?? null,
        objective: result.objective ?? null,
        gap: result.gap ?? null,
        cache,
        // For a hit this is the time of the solve that produced the cached answer.
        solveTimeMs: result.solver?.solveTimeMs ?? null,
      },
    },
    `solve ${kind} ${result.status} (${cache})`,
  );
}

export const coldSolvesOf = (request: FastifyRequest) => request.coldSolves ?? 0;
