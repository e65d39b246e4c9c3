// Jobs as BullMQ jobs (queue mode): the record is the BullMQ job itself (data, progress, return
// value, timestamps), so a job survives the API instance that accepted it and any instance can
// answer for it. Cancel: a waiting job is removed (it never runs) and leaves a tombstone; a running
// one is stopped through the cancel channel by the worker running it, which answers with its best.
import { randomUUID, createHash } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProgressUpdate } from '../../solve/types.js';
import { JOB_PRIORITY } from './backend.js';
import { isRedisUnavailableError, queueNames } from './connection.js';
import { jobName } from './queue-load.js';
import { DEFAULTS } from '../../model/defaults.js';
import { OverloadedError } from '../../solve/errors.js';
import { prefixedInputError } from '../../jobs/input-error.js';
import { checkJobInput, submissionDigest } from '../../jobs/run.js';
import { decodeCursor, encodeCursor, isAfter, listed, matches, positionOf, type JobPosition } from '../../jobs/list.js';
import {
  IdempotencyConflictError,
  IdempotencyMismatchError,
  type BestSoFar,
  type JobKind,
  type JobListQuery,
  type JobPage,
  type JobReadOptions,
  type JobService,
  type JobStatus,
  type JobView,
} from '../../jobs/types.js';

/** What an async job carries. */
export interface AsyncJobData {
  purpose: 'job';
  kind: JobKind;
  body: unknown;
  timeLimitMs?: number;
  receivedAt: number;
  digest: string;
  /** tells the submitter whether its add created the job or found an existing one */
  nonce: string;
}

/** What an async job returns. */
export interface AsyncJobResult {
  outcome: 'completed' | 'cancelled';
  result?: Record<string, unknown>;
  resultStatusCode?: number;
}

interface Tombstone {
  kind: JobKind;
  createdAt: number;
  cancelledAt: number;
  timeLimitMs?: number;
}

interface QueueJobsOptions {
  queue: Queue;
  client: Redis;
  queueName: string;
  ttlS: number;
  maxQueue: number;
}

/** Index entries read per round trip, and at most per page (then the page ends with a cursor). */
const LIST_BATCH = 50;
const LIST_SCAN_MAX = 1000;

const unavailable = () => new OverloadedError(2, 'job queue unavailable (Redis down)', 'QUEUE_UNAVAILABLE');

/** The limit a job runs under (its own, else its input's, else the default): named on the job for admission (queue-load.ts). */
function jobLimitMs(submission: { timeLimitMs?: number; input: unknown }): number {
  const fromInput = (submission.input as { options?: { timeLimitMs?: unknown } } | null)?.options?.timeLimitMs;
  return submission.timeLimitMs ?? (typeof fromInput === 'number' ? fromInput : DEFAULTS.timeLimitMs);
}
const iso = (ms: number | undefined) => (ms === undefined || ms === null ? undefined : new Date(ms).toISOString());

export function createQueueJobs(options: QueueJobsOptions): JobService {
  const { queue, client } = options;
  const names = queueNames(options.queueName);
  const ttlMs = options.ttlS * 1000;
  const up = () => client.status === 'ready';
  /** Redis commands fail at once while it is down; the caller gets a 503 instead of a hang. */
  const guarded = async <T>(op: () => Promise<T>): Promise<T> => {
    if (!up()) throw unavailable();
    try {
      return await op();
    } catch (err) {
      if (!up() || isRedisUnavailableError(err)) throw unavailable();
      throw err;
    }
  };

  async function viewOf(job: Job<AsyncJobData, AsyncJobResult>): Promise<JobView | null> {
    if (job.data?.purpose !== 'job') return null; // sync solves are not jobs of this API
    if (job.finishedOn && Date.now() > job.finishedOn + ttlMs) return null; // expired, not yet evicted
    const state = await job.getState();
    let status: JobStatus;
    // A job read while it finishes can show its state before its return value: still running then.
    if (state === 'completed' && (job.returnvalue === null || job.returnvalue === undefined)) status = 'running';
    else if (state === 'completed') status = job.returnvalue.outcome === 'cancelled' ? 'cancelled' : 'completed';
    else if (state === 'failed') status = 'failed';
    else if (state === 'active') status = 'running';
    else if (state === 'unknown') return null;
    else status = 'queued';
    const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as unknown as ProgressUpdate) : undefined;
    const rv = state === 'completed' ? job.returnvalue : undefined;
    return {
      id: job.id!,
      kind: job.data.kind,
      status,
      createdAt: iso(job.timestamp)!,
      ...(job.processedOn ? { startedAt: iso(job.processedOn) } : {}),
      ...(job.finishedOn ? { finishedAt: iso(job.finishedOn), expiresAt: iso(job.finishedOn + ttlMs) } : {}),
      ...(job.data.timeLimitMs !== undefined ? { timeLimitMs: job.data.timeLimitMs } : {}),
      ...(progress !== undefined ? { progress } : {}),
      ...(rv?.result !== undefined ? { result: rv.result, resultStatusCode: rv.resultStatusCode ?? 200 } : {}),
      ...(status === 'failed' ? { error: { code: 'SOLVE_FAILED', message: job.failedReason ?? 'the solve failed' } } : {}),
    };
  }

  async function tombstone(id: string): Promise<JobView | null> {
    const raw = await client.get(names.cancelledKey(id));
    if (raw === null) return null;
    const t = JSON.parse(raw) as Tombstone;
    return {
      id,
      kind: t.kind,
      status: 'cancelled',
      createdAt: iso(t.createdAt)!,
      finishedAt: iso(t.cancelledAt),
      expiresAt: iso(t.cancelledAt + ttlMs),
      ...(t.timeLimitMs !== undefined ? { timeLimitMs: t.timeLimitMs } : {}),
    };
  }

  /** The job's view, or its tombstone, or null (unknown or expired). */
  async function read(id: string): Promise<JobView | null> {
    const job = (await queue.getJob(id)) as Job<AsyncJobData, AsyncJobResult> | undefined;
    if (job === undefined || job === null) return tombstone(id);
    return viewOf(job);
  }

  async function get(id: string, options: JobReadOptions = {}): Promise<JobView | null> {
    return guarded(async () => {
      const view = await read(id);
      if (view === null || !options.includeBest || view.status !== 'running' || view.kind !== 'allocate') return view;
      const best = await client.get(names.bestKey(id));
      return best === null ? view : { ...view, best: JSON.parse(best) as BestSoFar };
    });
  }

  async function list(query: JobListQuery): Promise<JobPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    return guarded(async () => {
      const found: JobView[] = [];
      let position = after;
      let scanned = 0;
      // The index holds every job; filters are applied to the jobs read. A page stops after
      // LIST_SCAN_MAX index entries, with a cursor, so a rare status never makes a request long.
      while (found.length <= query.limit && scanned < LIST_SCAN_MAX) {
        const max = position === undefined ? '+inf' : String(position.createdAtMs);
        const raw = await client.zrevrangebyscore(names.jobsIndexKey, max, '-inf', 'WITHSCORES', 'LIMIT', 0, LIST_BATCH);
        const entries: JobPosition[] = [];
        for (let i = 0; i < raw.length; i += 2) entries.push({ id: raw[i], createdAtMs: Number(raw[i + 1]) });
        const fresh = entries.filter((e) => position === undefined || isAfter(e, position));
        if (fresh.length === 0) {
          position = undefined; // nothing past the cursor
          break;
        }
        const views = await Promise.all(fresh.map((e) => read(e.id)));
        const gone = fresh.filter((_, i) => views[i] === null).map((e) => e.id);
        // Expired or evicted: drop them from the index as they are met.
        if (gone.length > 0) await client.zrem(names.jobsIndexKey, ...gone);
        for (let i = 0; i < fresh.length && found.length <= query.limit; i++) {
          scanned += 1;
          position = fresh[i];
          const view = views[i];
          if (view !== null && matches(view, query)) found.push(view);
        }
        if (entries.length < LIST_BATCH) {
          if (found.length <= query.limit) position = undefined; // the index is exhausted
          break;
        }
      }
      const shown = found.slice(0, query.limit);
      const more = found.length > query.limit || position !== undefined;
      const last = found.length > query.limit ? positionOf(shown[shown.length - 1]) : position;
      return { jobs: shown.map(listed), ...(more && last !== undefined ? { nextCursor: encodeCursor(last) } : {}) };
    });
  }

  return {
    async submit(submission) {
      prefixedInputError(() => checkJobInput(submission.kind, submission.input));
      return guarded(async () => {
        const digest = submissionDigest(submission);
        const key = submission.idempotencyKey;
        const id = key === undefined ? `job-${randomUUID()}` : `idem-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
        if (key !== undefined) {
          const existing = (await queue.getJob(id)) as Job<AsyncJobData, AsyncJobResult> | undefined;
          if (existing) {
            if (existing.data.digest !== digest) throw new IdempotencyMismatchError(id);
            const view = await viewOf(existing);
            if (view !== null) return { job: view, created: false };
          }
        }
        const waiting = await queue.getJobCountByTypes('waiting', 'prioritized');
        if (options.maxQueue > 0 && waiting >= options.maxQueue) throw new OverloadedError(5, 'job queue is full');
        const nonce = randomUUID();
        const data: AsyncJobData = {
          purpose: 'job',
          kind: submission.kind,
          body: submission.input,
          ...(submission.timeLimitMs !== undefined ? { timeLimitMs: submission.timeLimitMs } : {}),
          receivedAt: Date.now(),
          digest,
          nonce,
        };
        await queue.add(jobName(submission.kind, jobLimitMs(submission)), data, {
          jobId: id,
          priority: JOB_PRIORITY,
          removeOnComplete: { age: options.ttlS },
          removeOnFail: { age: options.ttlS },
          attempts: 1,
        });
        // Added or found: read it back. Same key, concurrent submit with another body (the other
        // request had not answered when this one looked): the loser gets 409, in progress.
        const job = (await queue.getJob(id)) as Job<AsyncJobData, AsyncJobResult> | undefined;
        if (!job) throw unavailable();
        if (job.data.digest !== digest) throw new IdempotencyConflictError(id);
        // NX: a replay keeps the job's place in the listing.
        await client.zadd(names.jobsIndexKey, 'NX', job.timestamp, id);
        const view = await viewOf(job);
        if (view === null) throw unavailable();
        return { job: view, created: job.data.nonce === nonce };
      });
    },

    get,
    list,

    async cancel(id) {
      return guarded(async () => {
        const job = (await queue.getJob(id)) as Job<AsyncJobData, AsyncJobResult> | undefined;
        if (!job) return tombstone(id);
        const before = await viewOf(job);
        if (before === null || before.status === 'completed' || before.status === 'failed' || before.status === 'cancelled') return before;
        const mark: Tombstone = {
          kind: job.data.kind,
          createdAt: job.timestamp,
          cancelledAt: Date.now(),
          ...(job.data.timeLimitMs !== undefined ? { timeLimitMs: job.data.timeLimitMs } : {}),
        };
        await client.set(names.cancelledKey(id), JSON.stringify(mark), 'PX', ttlMs);
        if (before.status === 'queued') {
          // Removal fails when a worker locked it meanwhile: then it is running, and stopped below.
          const removed = await job.remove().then(
            () => true,
            () => false,
          );
          if (removed) return tombstone(id);
        }
        await client.publish(names.cancelChannel, id);
        // The worker stops at its next time check and answers with its best: wait briefly for it.
        const deadline = Date.now() + 2000;
        for (;;) {
          const now = await get(id);
          if (now === null || now.status !== 'running' || Date.now() > deadline) return now;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
    },

    async counts() {
      // Sync solves share the queue but not its priority (they are removed once finished), so:
      // queued = waiting at the jobs' priority, running = active jobs of purpose 'job' (as many as
      // workers: cheap to list), completed/failed = what BullMQ keeps (jobs only). A job cancelled
      // while running ends completed with its best answer; one cancelled while queued leaves only
      // a tombstone: cancelled is not counted in queue mode.
      return guarded(async () => {
        const [[queued], active, finished] = await Promise.all([
          queue.getCountsPerPriority([JOB_PRIORITY]).then((c) => [c[String(JOB_PRIORITY)] ?? 0]),
          queue.getActive(),
          queue.getJobCounts('completed', 'failed'),
        ]);
        const running = active.filter((job) => (job.data as AsyncJobData | undefined)?.purpose === 'job').length;
        return { queued: queued ?? 0, running, completed: finished.completed ?? 0, failed: finished.failed ?? 0 };
      });
    },

    async close() {
      // The queue and its connection belong to the backend that created them.
    },
  };
}
