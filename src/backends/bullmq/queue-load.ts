// What is ahead of a new sync job in the queue, for admission (admission.ts): the jobs running on
// workers (what is left of their expected run) and the sync jobs waiting (each its expected run),
// and the solver slots the live workers declare. Sync jobs wait before async ones (priority), so
// waiting async jobs are not ahead; running ones hold their slots. A job's time limit travels in
// its BullMQ name (`allocate:2000ms`), so the estimate reads a few short hash fields, never bodies.
// Workers declare their slots with a heartbeat key that lapses when they die.
import type { Redis } from 'ioredis';
import type { FlightEstimate } from '../admission.js';
import type { QueueNames } from './connection.js';

/** A job's BullMQ name: its kind and the time limit it runs under. */
export function jobName(kind: string, limitMs: number): string {
  return `${kind}:${Math.round(limitMs)}ms`;
}

/** The limit a job name carries (undefined for names without one: jobs from an older API). */
export function limitOfName(name: string | null | undefined): number | undefined {
  const m = /:(\d+)ms$/.exec(name ?? '');
  return m ? Number(m[1]) : undefined;
}

/** A worker renews its heartbeat this often; it lapses after HEARTBEAT_TTL_MS without one (a dead worker). */
export const HEARTBEAT_INTERVAL_MS = 1000;
const HEARTBEAT_TTL_MS = 3000;

/** Declares `slots` (jobs at once) for worker `id`; renewed every HEARTBEAT_INTERVAL_MS. */
export async function beat(client: Redis, names: QueueNames, id: string, slots: number): Promise<void> {
  await client.multi().sadd(names.workersKey, id).set(names.slotsKey(id), String(slots), 'PX', HEARTBEAT_TTL_MS).exec();
}

/** A worker leaving on purpose takes its slots back at once. */
export async function leaveBeat(client: Redis, names: QueueNames, id: string): Promise<void> {
  await client.multi().srem(names.workersKey, id).del(names.slotsKey(id)).exec();
}

export interface QueueLoad {
  /** solver slots of the live workers (0: none declared, the estimate cannot be made) */
  slots: number;
  /** running jobs (startedAt set) and waiting sync jobs, in queue order */
  flights: FlightEstimate[];
  /** sync jobs waiting (async ones wait behind them and are not counted) */
  waitingSync: number;
}

/** Waiting sync jobs read one by one; beyond these each counts as the mean of those read. */
const READ_AHEAD = 200;
/** BullMQ's prioritized set scores priority × 2^32 + a counter: below this, priority ≤ 1 (sync). */
const SYNC_SCORE_MAX = 2 * 0x100000000 - 1;

interface JobFields {
  limitMs: number;
  /** epoch ms the job was added (a sync job's limit counts from about then) */
  addedAt: number;
  /** epoch ms a worker took it up */
  startedAt: number | undefined;
  sync: boolean;
}

/**
 * Reads the queue's load (two round trips). `share`: the part of its limit a solve is expected to
 * run; `defaultLimitMs` for a job whose name carries no limit.
 */
export async function readQueueLoad(
  client: Redis,
  keys: { prioritized: string; active: string; job(id: string): string },
  names: QueueNames,
  opts: { share: number; defaultLimitMs: number; syncPriority: number; now?: () => number },
): Promise<QueueLoad> {
  const first = await client
    .multi()
    .smembers(names.workersKey)
    .lrange(keys.active, 0, -1)
    .zrangebyscore(keys.prioritized, 0, SYNC_SCORE_MAX, 'LIMIT', 0, READ_AHEAD)
    .zcount(keys.prioritized, 0, SYNC_SCORE_MAX)
    .exec();
  if (first === null) throw new Error('queue load: transaction aborted');
  for (const [err] of first) if (err) throw err;
  const workers = first[0][1] as string[];
  const active = first[1][1] as string[];
  const waiting = first[2][1] as string[];
  const waitingCount = first[3][1] as number;

  const second = client.multi();
  for (const id of workers) second.get(names.slotsKey(id));
  for (const id of [...active, ...waiting]) second.hmget(keys.job(id), 'name', 'timestamp', 'processedOn', 'priority');
  const replies = (await second.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  const now = opts.now?.() ?? Date.now();

  let slots = 0;
  const lapsed: string[] = [];
  workers.forEach((id, i) => {
    const declared = Number(replies[i][1]);
    if (replies[i][1] === null || !(declared > 0)) lapsed.push(id);
    else slots += declared;
  });
  // A worker that died leaves its name behind; its heartbeat key has lapsed.
  if (lapsed.length > 0) void client.srem(names.workersKey, ...lapsed).catch(() => undefined);

  const fields = (i: number): JobFields | undefined => {
    const [name, timestamp, processedOn, priority] = replies[workers.length + i][1] as (string | null)[];
    if (timestamp === null) return undefined; // finished and removed between the two reads
    return {
      limitMs: limitOfName(name) ?? opts.defaultLimitMs,
      addedAt: Number(timestamp),
      startedAt: processedOn === null ? undefined : Number(processedOn),
      sync: Number(priority) <= opts.syncPriority,
    };
  };
  const flights: FlightEstimate[] = [];
  active.forEach((_, i) => {
    const job = fields(i);
    if (job === undefined) return;
    const startedAt = job.startedAt ?? now;
    flights.push({ startedAt, expectedRunMs: expectedRunMs(job, startedAt, opts.share) });
  });
  let queuedSum = 0;
  let queuedRead = 0;
  waiting.forEach((_, i) => {
    const job = fields(active.length + i);
    if (job === undefined) return;
    const run = expectedRunMs(job, now, opts.share);
    flights.push({ startedAt: undefined, expectedRunMs: run });
    queuedSum += run;
    queuedRead += 1;
  });
  const unread = waitingCount - waiting.length;
  for (let i = 0; i < unread && queuedRead > 0; i++) flights.push({ startedAt: undefined, expectedRunMs: queuedSum / queuedRead });
  return { slots, flights, waitingSync: waitingCount };
}

/**
 * What a job is expected to run from `from`: the share of its limit solves use; a sync job never
 * past its due time (its limit counts from its arrival: a worker answers or refuses it by then).
 */
function expectedRunMs(job: JobFields, from: number, share: number): number {
  const run = job.limitMs * share;
  return job.sync ? Math.max(0, Math.min(run, job.addedAt + job.limitMs - from)) : run;
}
