// How much of a request's time limit is left for its solver once it reaches a worker thread.

/**
 * The time limit counts from when the service received the request: normalising, hashing and the
 * hand-off to this thread already spent some of it (about 0.15 s for a 1000-device body), and a
 * queued task waited. What is left goes to the solver, never less than half the limit.
 */
export function remainingLimitMs(limitMs: number, receivedAt: number | undefined, now = Date.now()): number {
  if (receivedAt === undefined) return limitMs;
  return Math.max(Math.ceil(limitMs / 2), Math.floor(limitMs - (now - receivedAt)));
}
