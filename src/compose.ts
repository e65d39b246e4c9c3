// The composition root: the one module that picks implementations. SOLVER_QUEUE=threads (default):
// solves run in this process's piscina threads, jobs are kept in memory (no Redis needed).
// SOLVER_QUEUE=bullmq: this process only enqueues; `npm run worker` processes solve (each composed
// by createSolveService below, with threads of their own), jobs are BullMQ jobs in Redis.
import type { AppConfig } from './config.js';
import type { CacheLogger } from './cache/redis-cache.js';
import { createBullmqBackend } from './backends/bullmq/backend.js';
import { createQueueJobs } from './backends/bullmq/queue-jobs.js';
import { createInProcessBackend } from './backends/threads/backend.js';
import { createSolverPool, type SolverPool } from './backends/threads/solver-pool.js';
import { createMemoryJobs } from './jobs/memory-jobs.js';
import type { JobService } from './jobs/types.js';
import type { SolverBackend } from './solve/backend.js';
import { createSolveServiceOn, type ServiceConfig, type SolveServiceDeps } from './solve/service.js';
import type { SolveObserver, SolveService } from './solve/types.js';

export type { ServiceConfig } from './solve/service.js';

interface ComposeDeps extends SolveServiceDeps {
  /** Not destroyed by close(): whoever made it owns it. */
  pool?: SolverPool;
  /** Where solves run (default: this process's threads over `pool`). Closed by close(). */
  backend?: SolverBackend;
}

/**
 * A solve service on the threads backend (or on `deps.backend`): what tests, the queue worker and
 * SOLVER_QUEUE=threads use. A pool it creates itself it also destroys on close().
 */
export function createSolveService(config: ServiceConfig, deps: ComposeDeps = {}): SolveService {
  const { pool, backend, ...rest } = deps;
  if (backend !== undefined) return createSolveServiceOn(config, backend, rest, { closesBackend: true });
  const ownedPool = pool === undefined ? createSolverPool({ threads: config.solverThreads, maxQueue: config.solverMaxQueue }) : undefined;
  return createSolveServiceOn(config, createInProcessBackend(pool ?? ownedPool!), rest, { closesBackend: ownedPool !== undefined });
}

interface Services {
  service: SolveService;
  jobs: JobService;
}

/** The API's solve service and job store, as the configuration asks; injected ones are kept. */
export function composeServices(
  config: AppConfig,
  deps: { service?: SolveService; jobs?: JobService; logger?: CacheLogger; observer?: SolveObserver } = {},
): Services {
  const extra = { ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.observer ? { observer: deps.observer } : {}) };
  const memoryJobs = (service: SolveService) =>
    createMemoryJobs(service, { ttlS: config.jobTtlS, maxRunning: Math.max(1, config.solverThreads - 1) });
  if (deps.service !== undefined) return { service: deps.service, jobs: deps.jobs ?? memoryJobs(deps.service) };
  if (config.solverQueue !== 'bullmq') {
    const service = createSolveService(config, extra);
    return { service, jobs: deps.jobs ?? memoryJobs(service) };
  }
  const backend = createBullmqBackend({
    url: config.redisUrl!,
    queueName: config.queueName,
    maxQueue: config.solverMaxQueue,
    // A sync caller waits at most as long as its HTTP request may last.
    waitMs: config.requestTimeoutMs,
  });
  const service = createSolveService(config, { backend, ...extra });
  const jobs =
    deps.jobs ??
    createQueueJobs({ queue: backend.queue, client: backend.client, queueName: config.queueName, ttlS: config.jobTtlS, maxQueue: 10_000 });
  return { service, jobs };
}
