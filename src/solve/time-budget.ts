// How much of a request's time limit is left for its solver once it reaches a worker thread.

/**
 * Time the answer needs after the solver returns, per device in it: scoring, the copy back to the
 * main thread, serialising the response and writing it (about 5 µs a device measured on the
 * 2-core development machine; 3× for margin under load).
 */
const ANSWER_MS_PER_DEVICE = 0.015;

export function answerReserveMs(devices: number): number {
  return devices * ANSWER_MS_PER_DEVICE;
}

/**
 * The time limit counts from when the service received the request: parsing, normalising,
 * hashing and the hand-off to this thread already spent some of it, a queued task waited, and
 * the answer still has to travel back (`reserveMs`). What is left goes to the solver, possibly
 * nothing: then the solver answers with its first fallback, or says it ran out of time.
 */
export function remainingLimitMs(limitMs: number, receivedAt: number | undefined, now = Date.now(), reserveMs = 0): number {
  if (receivedAt === undefined) return limitMs;
  return Math.max(0, Math.floor(limitMs - (now - receivedAt) - reserveMs));
}
