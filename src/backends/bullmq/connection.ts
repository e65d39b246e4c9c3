// The Redis connections and key names every queue-mode piece shares (API backend, job store, worker).
import { Redis } from 'ioredis';

/** BullMQ's key prefix; our own keys for one queue live under `${BULL_PREFIX}:${queueName}:ea:`. */
export const BULL_PREFIX = 'bull';

export interface QueueNames {
  queueName: string;
  /**
   * pub/sub channel: a job id to stop (every worker listens; the one running it stops it), or
   * `drain:` and a job id: its API instance is shutting down, answer now with the best so far.
   */
  cancelChannel: string;
  /** marker of a cancelled job: a worker that takes it up answers cancelled without solving */
  cancelledKey(jobId: string): string;
  /** API instances waiting for a sync job; the last one to leave cancels it */
  waitersKey(jobId: string): string;
  /** sorted set of async job ids by creation time (ms): GET /jobs pages through it */
  jobsIndexKey: string;
  /** the incumbent allocation of a running async job (JSON), written by its worker */
  bestKey(jobId: string): string;
  /** set of the ids of workers that declared their solver slots (queue-load.ts) */
  workersKey: string;
  /** a worker's declared slots, kept alive by its heartbeat */
  slotsKey(workerId: string): string;
}

export const DRAIN_MESSAGE_PREFIX = 'drain:';

export function queueNames(queueName: string): QueueNames {
  const base = `${BULL_PREFIX}:${queueName}:ea:`;
  return {
    queueName,
    cancelChannel: `${base}cancel`,
    cancelledKey: (id) => `${base}cancelled:${id}`,
    waitersKey: (id) => `${base}waiters:${id}`,
    jobsIndexKey: `${base}jobs`,
    bestKey: (id) => `${base}best:${id}`,
    workersKey: `${base}workers`,
    slotsKey: (id) => `${base}slots:${id}`,
  };
}

/** Messages of errors that mean the connection failed (ioredis, BullMQ and Redis's own transient replies). */
const CONNECTION_MESSAGE = new RegExp(
  [
    'connection',
    'closed',
    'offline',
    'ECONNREFUSED',
    'ECONNRESET',
    'EPIPE',
    'ETIMEDOUT',
    "Stream isn't writeable",
    'max retries per request',
    'Command timed out',
    '^LOADING',
    '^MASTERDOWN',
    '^TRYAGAIN',
    '^BUSY\\b',
  ].join('|'),
  'i',
);

/**
 * Whether a Redis call failed because Redis is away or restarting (answer 503, retry later) rather
 * than because of a bug: ioredis connection errors, a command given up after its retries
 * (MaxRetriesPerRequestError) or timed out, a socket reset, and a restarted Redis still loading
 * its append-only file (LOADING) or not yet serving (MASTERDOWN, TRYAGAIN).
 */
export function isRedisUnavailableError(err: unknown): boolean {
  const { name, message, code } = (err ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (name === 'MaxRetriesPerRequestError' || name === 'ConnectionClosedError') return true;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTCONN|EHOSTUNREACH)$/.test(code)) return true;
  return typeof message === 'string' && CONNECTION_MESSAGE.test(message);
}

/**
 * A connection for producers (API side). Callers check `status === 'ready'` before every use and
 * answer 503 at once otherwise; a command caught by an outage fails after one retry. (The offline
 * queue stays on: BullMQ sends its first commands before the connection is up.)
 */
export function producerConnection(url: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
  client.on('error', () => undefined); // state is read from client.status; errors are expected while down
  return client;
}

/** A connection for blocking consumers (BullMQ Worker, QueueEvents, pub/sub): retries forever, as BullMQ requires. */
export function consumerConnection(url: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
  client.on('error', () => undefined);
  return client;
}
