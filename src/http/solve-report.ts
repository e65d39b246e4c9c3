// What a solve route did, told once per solve: one log line (request hash, kind, status, limit,
// objective, gap, cache, solve time; the request id comes with the request's logger) and the
// number of cold solves, which the rate limit charges extra for.
import type { FastifyRequest } from 'fastify';
import type { CacheOutcome } from '../services/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Solves this request computed (cache misses); 0 until a route reports. */
    coldSolves?: number;
  }
}

/** The fields of a result the log line reads; every solve kind has them. */
export interface SolveSummary {
  status: string;
  limit?: 'TIME';
  objective?: number;
  gap?: number;
  solver: { solveTimeMs: number };
}

export interface SolveReport {
  kind: string;
  result: SolveSummary;
  cache: CacheOutcome;
  requestHash: string;
  /** Index of a Pareto point. */
  point?: number;
}

export function reportSolve(request: FastifyRequest, report: SolveReport): void {
  const { kind, result, cache, requestHash, point } = report;
  if (cache === 'miss') request.coldSolves = (request.coldSolves ?? 0) + 1;
  request.log.info(
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
        solveTimeMs: result.solver.solveTimeMs,
      },
    },
    `solve ${kind} ${result.status} (${cache})`,
  );
}

export const coldSolvesOf = (request: FastifyRequest) => request.coldSolves ?? 0;
