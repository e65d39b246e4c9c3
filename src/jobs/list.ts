// Listing jobs, newest first, a page at a time: one order and one cursor format for both stores.
// Jobs are ordered by (createdAt, id) descending; a cursor names the last job of a page, and the
// next page starts right after it, so jobs created meanwhile never shift a page.
import { InputError } from '../model/normalize.js';
import type { JobListQuery, JobView } from './types.js';

export const DEFAULT_JOB_PAGE = 20;
export const MAX_JOB_PAGE = 100;

/** Where a page starts: after the job created at `createdAtMs` with id `id`. */
export interface JobPosition {
  createdAtMs: number;
  id: string;
}

export function encodeCursor(p: JobPosition): string {
  return Buffer.from(`${p.createdAtMs}:${p.id}`, 'utf8').toString('base64url');
}

/** A cursor this service did not give is a 400 naming the parameter. */
export function decodeCursor(cursor: string): JobPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const at = text.indexOf(':');
  const createdAtMs = Number(text.slice(0, at));
  const id = text.slice(at + 1);
  if (at <= 0 || !Number.isSafeInteger(createdAtMs) || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    throw new InputError('cursor', 'not a cursor from a previous page of GET /jobs');
  }
  return { createdAtMs, id };
}

/** (createdAt, id) descending: true when `a` comes after `b` in a listing. */
export function isAfter(a: JobPosition, b: JobPosition): boolean {
  return a.createdAtMs < b.createdAtMs || (a.createdAtMs === b.createdAtMs && a.id < b.id);
}

export function matches(view: JobView, query: Pick<JobListQuery, 'status' | 'kind'>): boolean {
  return (query.status === undefined || view.status === query.status) && (query.kind === undefined || view.kind === query.kind);
}

/** A listed job: its record without the (possibly large) result and best allocation. */
export function listed(view: JobView): JobView {
  const { result: _result, best: _best, ...rest } = view;
  return rest;
}

export const positionOf = (view: JobView): JobPosition => ({ createdAtMs: Date.parse(view.createdAt), id: view.id });
