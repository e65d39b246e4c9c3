// Every call the console makes to the service: JSON in, JSON out, the API key (when set) as
// Authorization: Bearer. 200 and 422 are answers (422 = infeasible, still worth showing); every
// other status becomes an ApiFailure carrying the envelope's field, reason and Retry-After.
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

/** POST a JSON text as is (the service validates it, so a bad paste gets the service's 400). */
export async function postJson<T>(path: string, bodyText: string, signal?: AbortSignal): Promise<Answered<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const key = apiKey();
  if (key !== '') headers.authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(path, { method: 'POST', headers, body: bodyText, signal });
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
  if (res.status === 200 || res.status === 422) return { status: res.status, body: body as T };
  const envelope = (body ?? {}) as Partial<FailureInfo> & { error?: string };
  throw new ApiFailure({
    status: res.status,
    code: envelope.code,
    message: envelope.message ?? envelope.error ?? (text.slice(0, 200) || res.statusText),
    field: envelope.field,
    reason: envelope.reason,
    retryAfterS: retryAfterS(res, envelope),
  });
}

/**
 * One /allocate run. The single place a jobs-based run would go: POST /jobs, then poll
 * GET /jobs/{id} and report progress (elapsedMs, objective, bound, gap) through onProgress.
 */
export function runAllocate(bodyText: string, _onProgress?: (p: { elapsedMs: number; gap?: number }) => void) {
  return postJson<AllocateAnswer>('/allocate', bodyText);
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
