// Every call the console makes to the service: JSON in, JSON out, the API key (when set) as
// Authorization: Bearer. 200 and 422 are answers (422 = infeasible, still worth showing); every
// other status becomes an ApiFailure carrying the problem's (RFC 9457) field, reason and Retry-After.
import type { AllocateAnswer, BlocksAnswer, ParetoResult } from './types.js';

const KEY_STORAGE = 'edge-allocator.apiKey';

/** The key lives in sessionStorage: this tab only, gone when the browser session ends. */
export function apiKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}
export function setApiKey(key: string): void {
  if (key === '') sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

export interface FailureInfo {
  /** HTTP status, 0 when the service could not be reached */
  status: number;
  code?: string;
  message: string;
  field?: string;
  reason?: string;
  retryAfterS?: number;
  /** the error box's heading instead of the status (a job that failed after a 200) */
  label?: string;
}

export class ApiFailure extends Error {
  constructor(readonly info: FailureInfo) {
    super(info.message);
    this.name = 'ApiFailure';
  }
}

export interface Answered<T> {
  status: number;
  body: T;
}

function retryAfterS(res: Response, body: { retryAfterS?: unknown } | undefined): number | undefined {
  const header = res.headers.get('retry-after');
  if (header !== null) {
    const s = Number(header);
    if (Number.isFinite(s)) return Math.max(0, s);
    const at = Date.parse(header); // the HTTP-date form
    if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }
  return typeof body?.retryAfterS === 'number' ? body.retryAfterS : undefined;
}

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  const key = apiKey();
  if (key !== '') h.authorization = `Bearer ${key}`;
  return h;
}

/**
 * One call: `ok` lists the statuses that are answers; any other becomes an ApiFailure with the
 * envelope's code, field (`fieldOf` rewrites it, e.g. a job's `input.` prefix) and Retry-After.
 */
async function call<T>(
  method: 'POST' | 'GET' | 'DELETE',
  path: string,
  bodyText: string | undefined,
  ok: readonly number[],
  signal?: AbortSignal,
  fieldOf: (field: string) => string = (f) => f,
): Promise<Answered<T>> {
  let res: Response;
  try {
    res = await fetch(path, { method, headers: headers(bodyText !== undefined), body: bodyText, signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure({ status: 0, message: `the service did not answer (${(err as Error).message})` });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (ok.includes(res.status)) return { status: res.status, body: asAnswer(body) as T };
  const problem = (body ?? {}) as Partial<FailureInfo> & { detail?: string; title?: string };
  throw new ApiFailure({
    status: res.status,
    code: problem.code,
    message: problem.detail ?? problem.title ?? (text.slice(0, 200) || res.statusText),
    field: problem.field === undefined ? undefined : fieldOf(problem.field),
    reason: problem.reason,
    retryAfterS: retryAfterS(res, problem),
  });
}

/**
 * A 422 is a problem (RFC 9457) whose extension members are the answer and whose `code` is the
 * solve status (INFEASIBLE): the views read it as the answer it carries, status INFEASIBLE.
 */
export function asAnswer(body: unknown): unknown {
  const b = body as { status?: unknown; code?: unknown } | undefined;
  if (b !== undefined && b !== null && typeof b.status === 'number' && b.code === 'INFEASIBLE') return { ...b, status: b.code };
  return body;
}

/** POST a JSON text as is (the service validates it, so a bad paste gets the service's 400). */
export function postJson<T>(path: string, bodyText: string, signal?: AbortSignal): Promise<Answered<T>> {
  return call<T>('POST', path, bodyText, [200, 422], signal);
}

/** One /allocate run, answered when the solve ends. */
export function runAllocate(bodyText: string) {
  return postJson<AllocateAnswer>('/allocate', bodyText);
}

// ---------------------------------------------------------------------------------------------
// Async jobs: POST /jobs, poll GET /jobs/{id}, DELETE /jobs/{id} to cancel (docs/scaling.md)

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobProgress {
  phase: string;
  elapsedMs: number;
  objective?: number;
  bound?: number;
  gap?: number;
}

export interface JobView {
  id: string;
  status: JobStatus;
  timeLimitMs?: number;
  progress?: JobProgress;
  result?: Record<string, unknown>;
  resultStatusCode?: number;
  error?: { code: string; message: string };
}

/** What a job run ends with: the sync endpoint's answer (200 or 422), or cancelled (with the best answer, when there was one). */
export type JobOutcome<T> = { status: 'completed'; answer: Answered<T> } | { status: 'cancelled'; answer?: Answered<T> };

export interface JobRun<T> {
  /** settles when the job completes, is cancelled, or fails (an ApiFailure) */
  done: Promise<JobOutcome<T>>;
  /** DELETE /jobs/{id}: the run then settles with the best answer the service returns */
  cancel(): void;
}

/** Sync bodies carry at most 60 s (options.timeLimitMs); a job takes longer ones at its top level. */
export const SYNC_MAX_TIME_LIMIT_MS = 60_000;
/** Between polls of GET /jobs/{id}: progress changes at most every 250 ms on the service. */
export const POLL_INTERVAL_MS = 300;

/** Ends a job view as a run outcome, or undefined while it is still queued or running. */
function outcomeOf<T>(job: JobView): JobOutcome<T> | undefined {
  const answer = job.result === undefined ? undefined : { status: job.resultStatusCode ?? 200, body: asAnswer(job.result) as T };
  if (job.status === 'completed') return { status: 'completed', answer: answer! };
  if (job.status === 'cancelled') return answer === undefined ? { status: 'cancelled' } : { status: 'cancelled', answer };
  if (job.status === 'failed') {
    // The HTTP calls succeeded; the solve did not: no status code of its own to show.
    throw new ApiFailure({ status: 200, label: 'Job failed', code: job.error?.code, message: job.error?.message ?? 'no reason given' });
  }
  return undefined;
}

/**
 * Runs a sync body as a job. `bodyText` must be JSON (it is wrapped as `input`). A time limit
 * above what a sync body may carry moves to the job's own timeLimitMs. Progress is reported at
 * every poll; a 429 or 503 on a poll waits its Retry-After and polls again (the job runs on).
 * Cancel sends DELETE; its answer is the outcome when the job has ended by then (the service
 * waits briefly for the solver's best answer), otherwise polling goes on until it has.
 */
export function runAsJob<T>(kind: 'allocate' | 'blocks', bodyText: string, onProgress: (job: JobView) => void): JobRun<T> {
  const input = JSON.parse(bodyText) as { options?: { timeLimitMs?: unknown } };
  const limit = input.options?.timeLimitMs;
  let job: Record<string, unknown> = { kind, input };
  if (typeof limit === 'number' && limit > SYNC_MAX_TIME_LIMIT_MS) {
    const { timeLimitMs: _t, ...options } = input.options!;
    job = { kind, input: { ...input, options }, timeLimitMs: limit };
  }
  // The service names fields inside `input`: name them as in the snapshot (what the page shows and locates).
  const fieldOf = (f: string) => (f === 'timeLimitMs' ? 'options.timeLimitMs' : f.replace(/^input\./, ''));
  let cancelAsked = false;
  let cancelSent = false;
  /** ends the current wait between polls, or the poll in flight, when Cancel is pressed */
  let interrupt = new AbortController();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = window.setTimeout(resolve, ms);
      interrupt.signal.addEventListener('abort', () => (window.clearTimeout(timer), resolve()), { once: true });
    });

  const done = (async (): Promise<JobOutcome<T>> => {
    let view = (await call<JobView>('POST', '/jobs', JSON.stringify(job), [200, 202], undefined, fieldOf)).body;
    const path = `/jobs/${encodeURIComponent(view.id)}`;
    onProgress(view);
    for (;;) {
      if (cancelAsked && !cancelSent) {
        cancelSent = true;
        interrupt = new AbortController();
        view = (await call<JobView>('DELETE', path, undefined, [200])).body;
        onProgress(view);
      }
      const out = outcomeOf<T>(view);
      if (out !== undefined) return out;
      await pause(POLL_INTERVAL_MS);
      if (cancelAsked && !cancelSent) continue;
      try {
        view = (await call<JobView>('GET', path, undefined, [200], interrupt.signal)).body;
      } catch (err) {
        if ((err as Error).name === 'AbortError') {
          interrupt = new AbortController();
          continue;
        }
        const info = err instanceof ApiFailure ? err.info : undefined;
        if (info === undefined || (info.status !== 429 && info.status !== 503)) throw err;
        await pause(1000 * Math.max(1, info.retryAfterS ?? 1));
        continue;
      }
      onProgress(view);
    }
  })();

  return {
    done,
    cancel() {
      if (cancelAsked) return;
      cancelAsked = true;
      interrupt.abort();
    },
  };
}

export function runBlocks(bodyText: string) {
  return postJson<BlocksAnswer>('/allocate/blocks', bodyText);
}

export function runPareto(bodyText: string) {
  return postJson<ParetoResult>('/allocate/pareto', bodyText);
}

export async function loadExamples<T>(): Promise<T> {
  const res = await fetch('/console/examples.json');
  if (!res.ok) throw new Error(`examples.json: HTTP ${res.status}`);
  return (await res.json()) as T;
}
