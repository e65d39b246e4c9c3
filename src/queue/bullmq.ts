// The queue backend (API side): every solve becomes a BullMQ job that `npm run worker` processes
// run; this process only enqueues and waits. Identical requests share one job (its id is the
// request hash), across every API instance on the Redis. A client that leaves decrements the
// job's waiter count; the last one to leave cancels the job (pub/sub to the worker running it).
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { OverloadedError } from '../services/types.js';
import type { BackendTask, ProgressUpdate, RunControl, RunOutcome, SolverBackend } from './backend.js';
import { BULL_PREFIX, consumerConnection, producerConnection, queueNames } from './connection.js';

/** What a sync solve job carries (the worker re-normalises `body`). */
export interface SyncJobData {
  purpose: 'sync';
  kind: BackendTask['kind'];
  body: unknown;
  timeLimitMs?: number;
  receivedAt: number;
}

/** What a sync solve job returns. */
export interface SyncJobResult {
  result: unknown;
  cache: 'hit' | 'miss';
  stopped: boolean;
}

export interface BullmqBackendOptions {
  url: string;
  queueName: string;
  /** waiting jobs beyond this: 503 */
  maxQueue: number;
  /** longest a sync caller waits for its job before a 503 */
  waitMs: number;
}

const RETRY_AFTER_S = 2;
/** BullMQ priorities (lower runs first): a waiting sync request goes before waiting async jobs. */
export const SYNC_PRIORITY = 1;
export const JOB_PRIORITY = 10;
const unavailable = () => new OverloadedError(RETRY_AFTER_S, 'solver queue unavailable (Redis down)', 'QUEUE_UNAVAILABLE');

/** Job ids may not contain ':' (BullMQ's key separator). */
export const syncJobId = (task: Pick<BackendTask, 'kind' | 'requestHash'>) => `${task.kind}-${task.requestHash}`;

export function createBullmqBackend(options: BullmqBackendOptions): SolverBackend & { queue: Queue; client: Redis } {
  const names = queueNames(options.queueName);
  const client = producerConnection(options.url);
  const eventsClient = consumerConnection(options.url);
  const queue = new Queue(options.queueName, { connection: client, prefix: BULL_PREFIX, skipWaitingForReady: true });
  const events = new QueueEvents(options.queueName, { connection: eventsClient, prefix: BULL_PREFIX });
  events.on('error', () => undefined);
  queue.on('error', () => undefined);
  // Every waiting caller listens on both (waitUntilFinished): as many listeners as callers in flight.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  const up = () => client.status === 'ready';

  const progressListeners = new Map<string, Set<(p: ProgressUpdate) => void>>();
  events.on('progress', ({ jobId, data }) => {
    for (const listener of progressListeners.get(jobId) ?? []) listener(data as unknown as ProgressUpdate);
  });

  async function leave(jobId: string): Promise<void> {
    try {
      const left = await client.decr(names.waitersKey(jobId));
      if (left <= 0) await client.publish(names.cancelChannel, jobId);
    } catch {
      // Redis down: the job finishes into the cache instead; nothing to undo.
    }
  }

  /** Resolves with the job's return value; rejects with 503 when Redis goes away while waiting. */
  function waitFor(job: Job, signal?: AbortSignal): Promise<SyncJobResult> {
    return new Promise<SyncJobResult>((resolve, reject) => {
      let downSince: number | undefined;
      const watch = setInterval(() => {
        if (up()) downSince = undefined;
        else if ((downSince ??= Date.now()) < Date.now() - 1000) finish(() => reject(unavailable()));
      }, 250);
      const onAbort = () => finish(() => reject(new Error('caller left')));
      signal?.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      function finish(settle: () => void) {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        signal?.removeEventListener('abort', onAbort);
        settle();
      }
      job.waitUntilFinished(events, options.waitMs).then(
        (value: SyncJobResult) => finish(() => resolve(value)),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  return {
    mode: 'bullmq',
    cachesAnswers: true,
    queue,
    client,

    async run(task: BackendTask, control: RunControl = {}): Promise<RunOutcome> {
      if (!up()) throw unavailable();
      const waiting = await queue.getJobCountByTypes('waiting', 'prioritized').catch(() => {
        throw unavailable();
      });
      if (options.maxQueue > 0 && waiting >= options.maxQueue) throw new OverloadedError(Math.max(RETRY_AFTER_S, Math.ceil(waiting / 4)));
      const jobId = syncJobId(task);
      const data: SyncJobData = {
        purpose: 'sync',
        kind: task.kind,
        body: task.body,
        ...(task.timeLimitMs !== undefined ? { timeLimitMs: task.timeLimitMs } : {}),
        receivedAt: task.receivedAt,
      };
      const listener = control.onProgress;
      if (listener) progressListeners.set(jobId, (progressListeners.get(jobId) ?? new Set()).add(listener));
      let joined = false;
      try {
        // A finished job is removed at once (its answer is in the cache); one that vanished between
        // our add and our wait is added again, and its worker finds the answer in the cache.
        for (let attempt = 0; ; attempt++) {
          const job = await queue.add(task.kind, data, { jobId, priority: SYNC_PRIORITY, removeOnComplete: true, removeOnFail: true, attempts: 1 }).catch(() => {
            throw unavailable();
          });
          if (!joined) {
            joined = true;
            await client
              .multi()
              .incr(names.waitersKey(jobId))
              .pexpire(names.waitersKey(jobId), options.waitMs + 60_000)
              .exec()
              .catch(() => undefined);
          }
          try {
            const value = await waitFor(job, control.signal);
            return { result: value.result, stopped: value.stopped, shared: value.cache === 'hit' };
          } catch (err) {
            if (control.signal?.aborted) return { result: null, stopped: true };
            if (err instanceof OverloadedError) throw err;
            const message = (err as Error).message ?? String(err);
            const missing = /missing|not exist|undefined/i.test(message);
            // A job that failed (its workers died more often than maxStalledCount) or never came back: retryable.
            if (!missing || attempt >= 1) throw new OverloadedError(RETRY_AFTER_S, `the solve did not finish on a worker (${message})`, 'SOLVE_FAILED');
          }
        }
      } finally {
        if (listener) progressListeners.get(jobId)?.delete(listener);
        if (joined) {
          if (control.signal?.aborted) await leave(jobId);
          else await client.decr(names.waitersKey(jobId)).catch(() => undefined);
        }
      }
    },

    async stats() {
      const [queued, workers] = await Promise.all([
        up() ? queue.getJobCountByTypes('waiting', 'prioritized').catch(() => 0) : 0,
        up() ? queue.getWorkersCount().catch(() => 0) : 0,
      ]);
      return { mode: 'bullmq', threads: workers, queued, maxQueue: options.maxQueue };
    },

    isReady: up,

    async close() {
      await Promise.allSettled([queue.close(), events.close()]);
      client.disconnect();
      eventsClient.disconnect();
    },
  };
}
