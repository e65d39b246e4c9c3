// A queue worker: takes solve jobs from BullMQ and runs them on this process's solver threads
// through an ordinary in-process SolveService (cache included, in the shared Redis). Sync jobs
// return the solve's answer to the API instance waiting for it; async jobs return what the sync
// endpoint would answer. Stop requests arrive on a Redis pub/sub channel (or as a marker a job
// finds when it starts) and become the solver's stop flag; progress goes to job.updateProgress.
import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../config.js';
import type { CacheLogger } from '../../cache/redis-cache.js';
import type { AsyncJobData, AsyncJobResult } from './queue-jobs.js';
import { runJob } from '../../jobs/run.js';
import type { SyncJobData, SyncJobResult } from './backend.js';
import { BULL_PREFIX, DRAIN_MESSAGE_PREFIX, consumerConnection, queueNames } from './connection.js';
import { beat, HEARTBEAT_INTERVAL_MS, leaveBeat } from './queue-load.js';
import { StoppedBeforeStartError } from '../../solve/errors.js';
import type { BodyOf, ProblemKind } from '../../solve/kinds/index.js';
import type { BestSoFar, CallOptions, SolveService } from '../../solve/types.js';

type QueueWorkerConfig = Pick<
  AppConfig,
  | 'redisUrl'
  | 'queueName'
  | 'solverThreads'
  | 'solverMaxQueue'
  | 'cacheTtlS'
  | 'cacheMaxEntries'
  | 'paretoMaxParallel'
  | 'workerLockMs'
  | 'workerMaxStalledCount'
>;

export interface QueueWorker {
  /** resolves once connected and taking jobs */
  ready(): Promise<void>;
  /** Stops taking jobs and waits up to graceMs for running ones; past it, hands the rest back (the caller then exits). */
  close(graceMs: number): Promise<void>;
  readonly service: SolveService;
}

/** An incumbent outlives the longest job (10 minutes) a little; GET shows it only while the job runs. */
const BEST_TTL_MS = 660_000;

/** Started before by a worker that stopped without finishing it (BullMQ's stalled-job recovery). */
const handedOver = (job: Job) => job.attemptsStarted > 1 || job.stalledCounter > 0;

async function processJob(
  service: SolveService,
  job: Job<SyncJobData | AsyncJobData>,
  signal: AbortSignal | undefined,
  drain: AbortSignal,
  cancelled: () => Promise<boolean>,
  nobodyWaits: () => Promise<boolean>,
  saveBest: (best: BestSoFar) => void,
) {
  const data = job.data;
  const call: CallOptions = {
    signal,
    drain,
    onProgress: (p) => void job.updateProgress(p as unknown as Record<string, unknown>).catch(() => undefined),
    // An async allocate job keeps its incumbent where GET /jobs/{id}?include=best reads it.
    ...(data.purpose === 'job' && data.kind === 'allocate' ? { onBest: saveBest } : {}),
    ...(data.timeLimitMs !== undefined ? { timeLimitMs: data.timeLimitMs } : {}),
    // What-if scenarios are solved search-only: the body, re-normalised here, does not say so.
    ...(data.purpose === 'sync' && data.certify === false ? { certify: false as const } : {}),
    // A sync caller's time limit counts from its request's arrival; a job's from when it starts.
    // A sync job handed over by a worker that died (stalled, started again) has lost its time to
    // the crash: it gets its whole limit afresh, so the waiting caller gets a real answer (late)
    // rather than NO_SOLUTION_FOUND at once.
    ...(data.purpose === 'sync' && !handedOver(job)
      ? { receivedAt: data.receivedAt, ...(data.deadlineAt !== undefined ? { deadlineAt: data.deadlineAt } : {}) }
      : {}),
  };
  if (data.purpose === 'sync') {
    call.waiting = true;
    // Every caller left before a worker took it up (their cancel found no one to stop): skip it.
    if (await nobodyWaits()) return { result: null, cache: 'miss', stopped: true } satisfies SyncJobResult;
    try {
      const out = await service.solve(data.kind, data.body as BodyOf<ProblemKind>, call);
      return { result: out.result, cache: out.cache, stopped: out.stopped === true } satisfies SyncJobResult;
    } catch (err) {
      // Stopped before its thread took it up: nobody is left to answer.
      if (err instanceof StoppedBeforeStartError || signal?.aborted)
        return { result: null, cache: 'miss', stopped: true } satisfies SyncJobResult;
      throw err;
    }
  }
  if (await cancelled()) return { outcome: 'cancelled' } satisfies AsyncJobResult;
  try {
    const answer = await runJob(service, data.kind, data.body, call);
    return {
      outcome: answer.stopped || signal?.aborted ? 'cancelled' : 'completed',
      result: answer.result,
      resultStatusCode: answer.resultStatusCode,
    } satisfies AsyncJobResult;
  } catch (err) {
    if (err instanceof StoppedBeforeStartError || signal?.aborted) return { outcome: 'cancelled' } satisfies AsyncJobResult;
    throw err;
  }
}

/**
 * Takes jobs for `service` (its own solve service: threads in this process, answers into the shared
 * Redis cache; built by the worker's composition root). close() closes the service too.
 */
export function startQueueWorker(
  config: QueueWorkerConfig,
  service: SolveService,
  logger?: CacheLogger & { error(obj: object, msg: string): void },
): QueueWorker {
  if (config.redisUrl === undefined) throw new Error('a queue worker needs REDIS_URL');
  const names = queueNames(config.queueName);
  const connection = consumerConnection(config.redisUrl);
  const subscriber: Redis = consumerConnection(config.redisUrl);
  const markers: Redis = consumerConnection(config.redisUrl);

  const drains = new Map<string, AbortController>();
  const worker = new Worker<SyncJobData | AsyncJobData>(
    config.queueName,
    async (job, _token, signal) => {
      // A sync job's API instance shutting down asks for the answer now (pub/sub, below).
      const drain = new AbortController();
      drains.set(job.id!, drain);
      try {
        return await processJob(
          service,
          job,
          signal,
          drain.signal,
          async () => (await markers.exists(names.cancelledKey(job.id!)).catch(() => 0)) === 1,
          async () => Number((await markers.get(names.waitersKey(job.id!)).catch(() => null)) ?? 1) <= 0,
          (best) => void markers.set(names.bestKey(job.id!), JSON.stringify(best), 'PX', BEST_TTL_MS).catch(() => undefined),
        );
      } finally {
        drains.delete(job.id!);
      }
    },
    {
      connection,
      prefix: BULL_PREFIX,
      concurrency: config.solverThreads,
      // A worker that dies (kill -9) stops renewing its lock: after lockDuration the stalled check
      // (every worker runs one, every half lock) hands its job to another worker, which solves it
      // again: within 1.5 × WORKER_LOCK_MS (6 s by default). Locks are renewed every half lock by
      // this process's event loop, which solves never hold (they run in solver threads), so a busy
      // worker is not mistaken for a dead one. A job survives maxStalledCount deaths; one more fails it.
      lockDuration: config.workerLockMs,
      stalledInterval: Math.max(250, Math.floor(config.workerLockMs / 2)),
      maxStalledCount: config.workerMaxStalledCount,
      // Takes no job before its solver threads have warmed up (see ready()).
      autorun: false,
      // Recorded on each job as processedBy: which process ran it (operators, fault tests).
      name: `worker-${process.pid}`,
    },
  );
  worker.on('error', (err) => logger?.error({ err: err.message }, 'queue worker error'));
  worker.on('failed', (job, err) => logger?.warn({ jobId: job?.id, purpose: job?.data.purpose, err: err.message }, 'job failed'));
  worker.on('completed', (job, value: SyncJobResult | AsyncJobResult) =>
    logger?.info(
      {
        jobId: job.id,
        purpose: job.data.purpose,
        cache: (value as SyncJobResult).cache,
        stopped: (value as SyncJobResult).stopped,
        outcome: (value as AsyncJobResult).outcome,
      },
      'job finished',
    ),
  );

  subscriber.on('message', (_channel: string, message: string) => {
    if (message.startsWith(DRAIN_MESSAGE_PREFIX)) {
      const jobId = message.slice(DRAIN_MESSAGE_PREFIX.length);
      const drain = drains.get(jobId);
      if (drain) {
        drain.abort();
        logger?.info({ jobId }, 'job asked to answer now (its API instance is shutting down)');
      }
      return;
    }
    if (worker.cancelJob(message, 'cancelled')) logger?.info({ jobId: message }, 'job stop requested');
  });
  const subscribed = subscriber.subscribe(names.cancelChannel);

  // The slots this worker offers, declared for the API's admission (queue-load.ts) while it takes
  // jobs. Its own id: worker names repeat across containers (every one is pid 1).
  const heartbeatId = `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  let heartbeat: NodeJS.Timeout | undefined;
  const declare = () => void beat(markers, names, heartbeatId, config.solverThreads).catch(() => undefined);
  const withdraw = () => {
    clearInterval(heartbeat);
    heartbeat = undefined;
    // Not awaited: with Redis gone the command would wait for it forever; the key lapses anyway.
    if (markers.status === 'ready') void leaveBeat(markers, names, heartbeatId).catch(() => undefined);
  };

  return {
    service,
    async ready() {
      // Every solver thread has loaded and run its warm-up solve: the first job pays no compile.
      while (!(await service.readiness()).ready) await new Promise((resolve) => setTimeout(resolve, 25));
      void worker.run().catch((err: Error) => logger?.error({ err: err.message }, 'queue worker stopped'));
      await Promise.all([worker.waitUntilReady(), subscribed]);
      declare();
      heartbeat = setInterval(declare, HEARTBEAT_INTERVAL_MS);
    },
    async close(graceMs: number) {
      // Finish what is running within the grace; past it, stop taking up the lock renewals and
      // leave: the stalled check gives the unfinished jobs to another worker. Its slots are no
      // longer offered from now.
      withdraw();
      const closing = worker.close();
      const graceful = await Promise.race([
        closing.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
      ]);
      if (!graceful) {
        // Hand back: drop the connections first, so the unfinished jobs are neither completed nor
        // failed from here; their locks lapse and the stalled check gives them to another worker.
        // (The process exits next; stopping the solver threads first would fail the jobs instead.)
        for (const client of [subscriber, markers, connection]) client.disconnect();
        return;
      }
      await service.close();
      for (const client of [subscriber, markers, connection]) client.disconnect();
    },
  };
}
