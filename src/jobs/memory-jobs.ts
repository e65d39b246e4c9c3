// Jobs in memory (embedded mode, no Redis): records in a Map, run through the solve service at most
// `maxRunning` at a time (the rest wait in FIFO order), forgotten ttlS after they finish.
import { randomUUID } from 'node:crypto';
import { OverloadedError, StoppedBeforeStartError } from '../solve/errors.js';
import type { ProgressUpdate, SolveService } from '../solve/types.js';
import { checkJobInput, runJob, submissionDigest } from './run.js';
import { prefixedInputError } from './input-error.js';
import { decodeCursor, encodeCursor, isAfter, listed, matches, positionOf } from './list.js';
import { IdempotencyMismatchError, type BestSoFar, type JobService, type JobStatus, type JobSubmission, type JobView } from './types.js';

interface MemoryJobsOptions {
  ttlS: number;
  /** jobs solving at once; the others wait (default 2) */
  maxRunning?: number;
  /** jobs waiting beyond this: 503 (default 1000) */
  maxQueued?: number;
}

interface JobRecord {
  id: string;
  submission: JobSubmission;
  digest: string;
  status: JobStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  progress?: ProgressUpdate;
  result?: Record<string, unknown>;
  resultStatusCode?: number;
  error?: { code: string; message: string };
  /** the incumbent while an allocate solve runs (reported at most once a second) */
  best?: BestSoFar;
  stop: AbortController;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function createMemoryJobs(service: SolveService, options: MemoryJobsOptions): JobService {
  const jobs = new Map<string, JobRecord>();
  const byKey = new Map<string, string>();
  const waiting: JobRecord[] = [];
  const maxRunning = options.maxRunning ?? 2;
  const maxQueued = options.maxQueued ?? 1000;
  let running = 0;
  /** Jobs waiting out a full solver queue's Retry-After, in neither `waiting` nor running. */
  const retrying = new Map<JobRecord, NodeJS.Timeout>();

  const view = (r: JobRecord, includeBest = false): JobView => ({
    id: r.id,
    kind: r.submission.kind,
    status: r.status,
    createdAt: iso(r.createdAt)!,
    ...(r.startedAt !== undefined ? { startedAt: iso(r.startedAt) } : {}),
    ...(r.finishedAt !== undefined ? { finishedAt: iso(r.finishedAt), expiresAt: iso(r.finishedAt + options.ttlS * 1000) } : {}),
    ...(r.submission.timeLimitMs !== undefined ? { timeLimitMs: r.submission.timeLimitMs } : {}),
    ...(r.progress !== undefined ? { progress: r.progress } : {}),
    ...(r.result !== undefined ? { result: r.result, resultStatusCode: r.resultStatusCode } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(includeBest && r.status === 'running' && r.best !== undefined ? { best: r.best } : {}),
  });

  function sweep(now = Date.now()): void {
    for (const [id, r] of jobs) {
      if (r.finishedAt !== undefined && now >= r.finishedAt + options.ttlS * 1000) {
        jobs.delete(id);
        if (r.submission.idempotencyKey !== undefined && byKey.get(r.submission.idempotencyKey) === id)
          byKey.delete(r.submission.idempotencyKey);
      }
    }
  }
  // Expired jobs go at the next access anyway; the timer only bounds memory when nobody asks.
  const sweeper = setInterval(sweep, Math.min(60_000, options.ttlS * 1000));
  sweeper.unref();

  function finish(r: JobRecord, status: JobStatus, fields: Partial<JobRecord> = {}): void {
    Object.assign(r, fields, { status, finishedAt: Date.now() });
  }

  async function execute(r: JobRecord): Promise<void> {
    running += 1;
    r.status = 'running';
    r.startedAt = Date.now();
    try {
      const { kind, input, timeLimitMs } = r.submission;
      const answer = await runJob(service, kind, input, {
        signal: r.stop.signal,
        onProgress: (p) => (r.progress = p),
        onBest: (best) => (r.best = best),
        ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
      });
      const stopped = answer.stopped || r.stop.signal.aborted;
      finish(r, stopped ? 'cancelled' : 'completed', { result: answer.result, resultStatusCode: answer.resultStatusCode, best: undefined });
    } catch (err) {
      if (err instanceof OverloadedError && err.code === 'OVERLOADED' && !r.stop.signal.aborted) {
        // The solver queue was full (sync callers took it): an accepted job is not lost, it waits
        // its turn again, ahead of later jobs, after the Retry-After the solvers asked for.
        Object.assign(r, { status: 'queued', startedAt: undefined, progress: undefined });
        const timer = setTimeout(() => {
          retrying.delete(r);
          if (r.status !== 'queued') return; // cancelled meanwhile
          waiting.unshift(r);
          pump();
        }, err.retryAfterS * 1000);
        timer.unref();
        retrying.set(r, timer);
        return;
      }
      if (r.stop.signal.aborted || err instanceof StoppedBeforeStartError) finish(r, 'cancelled');
      else
        finish(r, 'failed', {
          error: { code: (err as { name?: string }).name ?? 'Error', message: (err as Error).message ?? String(err) },
        });
    } finally {
      running -= 1;
      pump();
    }
  }

  function pump(): void {
    while (running < maxRunning && waiting.length > 0) void execute(waiting.shift()!);
  }

  return {
    async submit(submission) {
      sweep();
      const digest = submissionDigest(submission);
      const key = submission.idempotencyKey;
      if (key !== undefined) {
        const existing = jobs.get(byKey.get(key) ?? '');
        if (existing !== undefined) {
          if (existing.digest !== digest) throw new IdempotencyMismatchError(existing.id);
          return { job: view(existing), created: false };
        }
      }
      prefixedInputError(() => checkJobInput(submission.kind, submission.input));
      if (waiting.length >= maxQueued) throw new OverloadedError(5);
      const r: JobRecord = { id: randomUUID(), submission, digest, status: 'queued', createdAt: Date.now(), stop: new AbortController() };
      jobs.set(r.id, r);
      if (key !== undefined) byKey.set(key, r.id);
      waiting.push(r);
      pump();
      return { job: view(r), created: true };
    },

    async get(id, read = {}) {
      sweep();
      const r = jobs.get(id);
      return r === undefined ? null : view(r, read.includeBest === true);
    },

    async list(query) {
      sweep();
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const page = [...jobs.values()]
        .map((r) => view(r))
        .filter((v) => matches(v, query) && (after === undefined || isAfter(positionOf(v), after)))
        .sort((a, b) => (isAfter(positionOf(a), positionOf(b)) ? 1 : -1))
        .slice(0, query.limit + 1);
      const more = page.length > query.limit;
      const shown = page.slice(0, query.limit);
      return { jobs: shown.map(listed), ...(more ? { nextCursor: encodeCursor(positionOf(shown[shown.length - 1])) } : {}) };
    },

    async cancel(id) {
      sweep();
      const r = jobs.get(id);
      if (r === undefined) return null;
      if (r.status === 'queued') {
        // Never handed to a solver: it never runs (it may be between retries, not in the line).
        const at = waiting.indexOf(r);
        if (at >= 0) waiting.splice(at, 1);
        finish(r, 'cancelled');
      } else if (r.status === 'running') {
        r.stop.abort();
        // The solver stops at its next time check and answers with its best so far; wait for it
        // (briefly) so the answer already says cancelled.
        const deadline = Date.now() + 1000;
        while (r.status === 'running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return view(r);
    },

    async counts() {
      sweep();
      const counts: Record<JobStatus, number> = { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
      for (const r of jobs.values()) counts[r.status] += 1;
      return counts;
    },

    async drain(waitMs) {
      // Running jobs were told to stop by the service's drain (their solves answer their best so
      // far, recorded as cancelled with that result); waiting ones never start.
      for (const r of waiting.splice(0)) finish(r, 'cancelled');
      for (const [r, timer] of retrying) {
        clearTimeout(timer);
        finish(r, 'cancelled');
      }
      retrying.clear();
      const deadline = Date.now() + waitMs;
      while (running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    },

    async close() {
      clearInterval(sweeper);
      for (const r of jobs.values()) if (r.status === 'running') r.stop.abort();
      for (const r of waiting.splice(0)) finish(r, 'cancelled');
      for (const [r, timer] of retrying) {
        clearTimeout(timer);
        finish(r, 'cancelled');
      }
      retrying.clear();
    },
  };
}
