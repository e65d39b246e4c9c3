// Builds the solve service and the job store the configuration asks for: in-process threads with
// in-memory jobs (no Redis needed), or BullMQ (SOLVER_QUEUE=bullmq) where this process only
// enqueues and worker processes solve.
import type { AppConfig } from './config.js';
import type { CacheLogger } from './cache/redis-cache.js';
import { createMemoryJobs } from './jobs/memory-jobs.js';
import { createQueueJobs } from './backends/bullmq/queue-jobs.js';
import type { JobService } from './jobs/types.js';
import { createSolveService } from './solve/service.js';
import type { SolveObserver, SolveService } from './solve/types.js';
import { createBullmqBackend } from './backends/bullmq/backend.js';

const backends = new WeakMap<SolveService, ReturnType<typeof createBullmqBackend>>();

export function createSolverService(config: AppConfig, logger?: CacheLogger, observer?: SolveObserver): SolveService {
  const extra = { ...(logger ? { logger } : {}), ...(observer ? { observer } : {}) };
  if (config.solverQueue !== 'bullmq') return createSolveService(config, extra);
  const backend = createBullmqBackend({
    url: config.redisUrl!,
    queueName: config.queueName,
    maxQueue: config.solverMaxQueue,
    // A sync caller waits at most as long as its HTTP request may last.
    waitMs: config.requestTimeoutMs,
  });
  const service = createSolveService(config, { backend, ...extra });
  backends.set(service, backend);
  return service;
}

export function createJobService(config: AppConfig, service: SolveService, _logger?: CacheLogger): JobService {
  const backend = backends.get(service);
  if (config.solverQueue === 'bullmq' && backend !== undefined) {
    return createQueueJobs({ queue: backend.queue, client: backend.client, queueName: config.queueName, ttlS: config.jobTtlS, maxQueue: 10_000 });
  }
  return createMemoryJobs(service, { ttlS: config.jobTtlS, maxRunning: Math.max(1, config.solverThreads - 1) });
}
