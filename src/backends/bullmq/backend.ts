// The queue backend (API side): every solve becomes a BullMQ job that `npm run worker` processes
// run; this process only enqueues and waits. Identical requests share one job (its id is the
// request hash), across every API instance on the Redis. A client that leaves decrements the
// job's waiter count; the last one to leave cancels the job (pub/sub to the worker running it).
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { OverloadedError } from '../../solve/errors.js';
import type { BackendTask, RunControl, RunOutcome, SolverBackend } from '../../solve/backend.js';
import type { ProgressUpdate } from '../../solve/types.js';
import { BULL_PREFIX, DRAIN_MESSAGE_PREFIX, consumerConnection, producerConnection, queueNames } from './connection.js';
import { admit, floorOf, limitOf, RunShare, startDelayMs, type FlightEstimate } from '../admission.js';
import { DEFAULTS } from '../../model/defaults.js';
import { jobName, readQueueLoad, type QueueLoad } from './queue-load.js';

/** What a sync solve job carries (the worker re-normalises `body`). */
export interface SyncJobData {
  purpose: 'sync';
  kind: BackendTask['kind'];
  body: unknown;
  timeLimitMs?: number;
  receivedAt: number;
  /** epoch ms the answer is due when before the end of the limit (a Pareto point's slot) */
  deadlineAt?: number;
  /** allocate: solve search-only (CallOptions.certify); not in the body, which the worker re-normalises */
  certify?: false;
}

/** What a sync solve job returns. */
export interface SyncJobResult {
  result: unknown;
  cache: 'hit' | 'miss';
  stopped: boolean;
}

interface BullmqBackendOptions {
  url: string;
  queueName: string;
  /** sync jobs waiting beyond this: 503 (async jobs wait behind them and do not count) */
  maxQueue: number;
  /** longest a sync caller waits for its job before a 503 */
  waitMs: number;
  /** how long a reading of the queue's load serves admission (default 200 ms) */
  loadTtlMs?: number;
}

const RETRY_AFTER_S = 2;
/** BullMQ priorities (lower runs first): a waiting sync request goes before waiting async jobs. */
export const SYNC_PRIORITY = 1;
export const JOB_PRIORITY = 10;
/** Longest a graceful close of the queue's connections may take before they are just dropped. */
const GRACEFUL_CLOSE_MS = 1000;

/** Waits for the promises to settle, or for ms, whichever comes first. */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(promises), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A task to solve without the bound (SolveOptions.certify false, set by the service, not the body). */
const uncertified = (task: BackendTask) => (task.input.options as { certify?: boolean }).certify === false;

const unavailable = () => new OverloadedError(RETRY_AFTER_S, 'solver queue unavailable (Redis down)', 'QUEUE_UNAVAILABLE');

/** Job ids may not contain ':' (BullMQ's key separator). */
// Identical requests share one job; one due earlier (a Pareto point's slot) gets its own.
const syncJobId = (task: Pick<BackendTask, 'kind' | 'requestHash' | 'deadlineAt'>) =>
  task.deadlineAt === undefined ? `${task.kind}-${task.requestHash}` : `${task.kind}-${task.requestHash}-due${task.deadlineAt}`;

export function createBullmqBackend(options: BullmqBackendOptions): SolverBackend & { queue: Queue; client: Redis } {
  const names = queueNames(options.queueName);
  const client = producerConnection(options.url);
  const eventsClient = consumerConnection(options.url);
  // skipVersionCheck: BullMQ sends INFO once, when the Queue is created; on this connection (one
  // retry) an API started while Redis is down gets that INFO rejected, and BullMQ keeps the rejection:
  // every later queue call failed with it (500s) long after Redis was back. Workers still check it.
  const queue = new Queue(options.queueName, {
    connection: client,
    prefix: BULL_PREFIX,
    skipWaitingForReady: true,
    skipVersionCheck: true,
  });
  const events = new QueueEvents(options.queueName, { connection: eventsClient, prefix: BULL_PREFIX });
  events.on('error', () => undefined);
  queue.on('error', () => undefined);
  const up = () => client.status === 'ready';

  const progressListeners = new Map<string, Set<(p: ProgressUpdate) => void>>();
  /** Sync callers waiting here: a drain stops their jobs, and at its deadline answers those still waiting 503. */
  const waiting = new Map<string, Set<() => void>>();
  let drainDeadline: number | undefined;
  // Callers waiting for a job's end, by job id: one listener per event kind, not one per caller.
  type EndListener = { onCompleted(args: { returnvalue: unknown }): void; onFailed(args: { failedReason?: string }): void };
  const endListeners = new Map<string, Set<EndListener>>();
  events.on('completed', (args) => {
    for (const l of [...(endListeners.get(args.jobId) ?? [])]) l.onCompleted(args);
  });
  events.on('failed', (args) => {
    for (const l of [...(endListeners.get(args.jobId) ?? [])]) l.onFailed(args);
  });
  // The share of their limits solves run, learnt from the jobs this instance waits for: from the
  // moment a worker took one up to its answer, against the limit it had left then.
  const runShare = new RunShare();
  const dueAt = new Map<string, { dueAt: number; startedAt?: number }>();
  events.on('active', ({ jobId }) => {
    const due = dueAt.get(jobId);
    if (due !== undefined) due.startedAt = Date.now();
  });
  const learn = (jobId: string, value: SyncJobResult | undefined) => {
    const due = dueAt.get(jobId);
    dueAt.delete(jobId);
    if (due?.startedAt === undefined || value === undefined || value.stopped || value.cache === 'hit') return;
    runShare.observe(Date.now() - due.startedAt, due.dueAt - due.startedAt);
  };
  events.on('completed', (args) => learn(args.jobId, args.returnvalue as unknown as SyncJobResult));
  events.on('failed', (args) => dueAt.delete(args.jobId));

  // The queue's load, read at most once per loadTtlMs; the sync jobs this instance admitted that
  // a reading cannot show yet (not in Redis when it began) count as waiting on top of it: a burst
  // arriving within one reading, or while its admitted jobs are still on their way to Redis, must
  // not all get in.
  const loadTtlMs = options.loadTtlMs ?? 200;
  type Admitted = FlightEstimate & { admittedAt: number; addedAt?: number };
  /** An admitted job not in Redis after this long never got there (its request failed on the way). */
  const ADD_WITHIN_MS = 10_000;
  let load: { at: number; reading: Promise<QueueLoad>; addedSince: Admitted[] } | undefined;
  function currentLoad(): NonNullable<typeof load> {
    if (load === undefined || Date.now() - load.at > loadTtlMs) {
      const at = Date.now();
      const reading = readQueueLoad(
        client,
        { prioritized: queue.keys.prioritized, active: queue.keys.active, job: (id) => queue.toKey(id) },
        names,
        { share: runShare.value, defaultLimitMs: DEFAULTS.timeLimitMs, syncPriority: SYNC_PRIORITY },
      );
      // Carried over: those not yet added when this reading begins (a failed add is dropped: addedAt 0).
      const carried = (load?.addedSince ?? []).filter((a) =>
        a.addedAt === undefined ? at - a.admittedAt < ADD_WITHIN_MS : a.addedAt >= at,
      );
      const current = { at, reading, addedSince: carried };
      // A failed reading is not reused.
      reading.catch(() => {
        if (load === current) load = undefined;
      });
      load = current;
    }
    return load;
  }

  /**
   * Refuses a sync solve when SOLVER_MAX_QUEUE sync jobs already wait (async jobs wait behind them
   * and do not count), or (503 OVERLOADED, Retry-After = the estimated wait) when its limit cannot be
   * met behind the work already in the queue; one that joins an existing job adds no work and is
   * let in. No live worker declared its slots (older workers): no estimate, accepted as before.
   * Returns the admitted job's entry: the caller stamps it once the job is in Redis (addedAt).
   */
  async function admitSync(task: BackendTask, jobId: string): Promise<Admitted | undefined> {
    const current = currentLoad();
    const { slots, flights, waitingSync } = await current.reading.catch(() => {
      throw unavailable();
    });
    // From here to the push, synchronous: requests of one burst each see those admitted before them.
    const waiting = waitingSync + current.addedSince.length;
    if (options.maxQueue > 0 && waiting >= options.maxQueue) throw new OverloadedError(Math.max(RETRY_AFTER_S, Math.ceil(waiting / 4)));
    const limitMs = limitOf(task);
    const expectedRunMs = Math.min(
      limitMs * runShare.value,
      task.deadlineAt === undefined ? Infinity : Math.max(0, task.deadlineAt - Date.now()),
    );
    const accepted: Admitted = { startedAt: undefined, expectedRunMs, admittedAt: Date.now() };
    // Checked only for solves due at the end of their own limit (a Pareto point has a slot of its
    // own) and not while draining.
    if (task.deadlineAt !== undefined || task.receivedAt === undefined || drainDeadline !== undefined || slots === 0) {
      current.addedSince.push(accepted);
      return accepted;
    }
    const waitMs = startDelayMs([...flights, ...current.addedSince], slots);
    if (admit(limitMs - (Date.now() - task.receivedAt), floorOf(task), waitMs).accept) {
      current.addedSince.push(accepted);
      return accepted;
    }
    if ((await client.exists(queue.toKey(jobId)).catch(() => 0)) === 1) return undefined;
    throw new OverloadedError(
      Math.max(1, Math.ceil(waitMs / 1000)),
      `the solvers are busy: about ${Math.round(waitMs)} ms of work is queued ahead of this request, more than its time limit leaves`,
    );
  }

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

  /**
   * Listens for the job's end before it is added (a fast job could otherwise finish, and be removed,
   * before anyone listens). Rejects with 503 when Redis goes away or the wait runs out.
   */
  function listen(jobId: string, signal?: AbortSignal): { done: Promise<SyncJobResult>; stop(): void } {
    let stop = () => undefined as void;
    let giveUp = () => undefined as void;
    const done = new Promise<SyncJobResult>((resolve, reject) => {
      let downSince: number | undefined;
      const watch = setInterval(() => {
        if (up()) downSince = undefined;
        else if ((downSince ??= Date.now()) < Date.now() - 1000) finish(() => reject(unavailable()));
      }, 250);
      const timeout = setTimeout(
        () =>
          finish(() => reject(new OverloadedError(RETRY_AFTER_S, `no answer from a worker within ${options.waitMs} ms`, 'SOLVE_FAILED'))),
        options.waitMs,
      );
      const onCompleted = (args: { returnvalue: unknown }) => finish(() => resolve(args.returnvalue as SyncJobResult));
      const onFailed = (args: { failedReason?: string }) =>
        finish(() =>
          reject(new OverloadedError(RETRY_AFTER_S, `the solve failed on its worker (${args.failedReason ?? 'unknown'})`, 'SOLVE_FAILED')),
        );
      const onAbort = () => finish(() => reject(new Error('caller left')));
      const entry = { onCompleted, onFailed };
      endListeners.set(jobId, (endListeners.get(jobId) ?? new Set()).add(entry));
      signal?.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      function finish(settle: () => void) {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        clearTimeout(timeout);
        endListeners.get(jobId)?.delete(entry);
        if (endListeners.get(jobId)?.size === 0) endListeners.delete(jobId);
        signal?.removeEventListener('abort', onAbort);
        settle();
      }
      stop = () => finish(() => resolve({ result: null, cache: 'miss', stopped: true }));
      giveUp = () =>
        finish(() => reject(new OverloadedError(RETRY_AFTER_S, 'this instance is shutting down before a worker answered', 'SOLVE_FAILED')));
    });
    waiting.set(jobId, (waiting.get(jobId) ?? new Set()).add(giveUp));
    const dropGiveUp = () => {
      waiting.get(jobId)?.delete(giveUp);
      if (waiting.get(jobId)?.size === 0) waiting.delete(jobId);
    };
    done.then(dropGiveUp, dropGiveUp);
    if (drainDeadline !== undefined) setTimeout(giveUp, Math.max(0, drainDeadline - Date.now())).unref();
    return { done, stop: () => stop() };
  }

  return {
    name: 'bullmq',
    cachesAnswers: true,
    queue,
    client,

    async run(task: BackendTask, control: RunControl = {}): Promise<RunOutcome> {
      if (!up()) throw unavailable();
      const jobId = syncJobId(task);
      const admitted = await admitSync(task, jobId);
      const data: SyncJobData = {
        purpose: 'sync',
        kind: task.kind,
        body: task.body,
        ...(task.timeLimitMs !== undefined ? { timeLimitMs: task.timeLimitMs } : {}),
        receivedAt: task.receivedAt ?? Date.now(),
        ...(task.deadlineAt !== undefined ? { deadlineAt: task.deadlineAt } : {}),
        ...(uncertified(task) ? { certify: false as const } : {}),
      };
      const listener = control.onProgress;
      if (listener) progressListeners.set(jobId, (progressListeners.get(jobId) ?? new Set()).add(listener));
      let joined = false;
      // A finished job is removed at once (its answer is in the cache), so an add with the same id
      // either joins a job still waiting or running, or starts a new one.
      await events.waitUntilReady();
      const waiter = listen(jobId, control.signal);
      try {
        // Counted as a waiter before the job exists: a worker skips a sync job nobody waits for.
        await client
          .multi()
          .incr(names.waitersKey(jobId))
          .pexpire(names.waitersKey(jobId), options.waitMs + 60_000)
          .exec()
          .catch(() => undefined);
        joined = true;
        if (task.receivedAt !== undefined) dueAt.set(jobId, { dueAt: task.receivedAt + limitOf(task) });
        await queue
          .add(jobName(task.kind, limitOf(task)), data, {
            jobId,
            priority: SYNC_PRIORITY,
            removeOnComplete: true,
            removeOnFail: true,
            attempts: 1,
          })
          .then(
            () => {
              if (admitted) admitted.addedAt = Date.now();
            },
            () => {
              if (admitted) admitted.addedAt = 0;
              throw unavailable();
            },
          );
        const value = await waiter.done;
        if (value.result === null && !control.signal?.aborted)
          throw new OverloadedError(RETRY_AFTER_S, 'the solve was dropped on its worker', 'SOLVE_FAILED');
        return { result: value.result, stopped: value.stopped, shared: value.cache === 'hit' };
      } catch (err) {
        if (control.signal?.aborted) return { result: null, stopped: true };
        throw err;
      } finally {
        // Never added (the wait for Redis failed first): no longer counted on top of readings.
        if (admitted && admitted.addedAt === undefined) admitted.addedAt = 0;
        waiter.stop();
        dueAt.delete(jobId);
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
      return { backend: 'bullmq', threads: workers, queued, maxQueue: options.maxQueue };
    },

    isReady: up,

    drain(answerWithinMs = 10_000) {
      if (drainDeadline !== undefined) return;
      drainDeadline = Date.now() + answerWithinMs;
      // The worker running each job answers its best so far once it has a plan (shared with any
      // other instance waiting for the same job); a job no worker has taken yet cannot be shortened, so
      // its caller gets 503 + Retry-After at the deadline rather than a dropped connection.
      for (const [jobId, giveUps] of waiting) {
        void client.publish(names.cancelChannel, `${DRAIN_MESSAGE_PREFIX}${jobId}`).catch(() => undefined);
        for (const giveUp of giveUps) setTimeout(giveUp, answerWithinMs).unref();
      }
    },

    async close() {
      // BullMQ's QueueEvents.close() waits for its connection's 'end' event, which ioredis never
      // emits while it waits between reconnection attempts (Redis down): an API shut down then hung
      // in app.close() until its grace ran out and exited 1. With Redis away there is nothing to
      // close gracefully; with it up the graceful close is still bounded. Then the sockets go.
      if (up() && eventsClient.status === 'ready') await settledWithin([queue.close(), events.close()], GRACEFUL_CLOSE_MS);
      client.disconnect();
      eventsClient.disconnect();
    },
  };
}
