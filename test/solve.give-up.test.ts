// When the service stops waiting for a sweep's solve (src/solve/give-up.ts): never before the
// solver's own grace and one solve's answer past its deadline, up to the contract's tolerance less
// two reserves where that leaves more, never past the contract's bound less two reserves; and a
// late() that throws rejects the wait instead of throwing in a timer.
import { describe, expect, it } from 'vitest';
import { FALLBACK_GRACE_MS } from '../src/model/time-floor.js';
import { answerBy, giveUpAt } from '../src/solve/give-up.js';

describe('giveUpAt', () => {
  const receivedAt = 1_000_000;

  it('waits the contract tolerance less two reserves past a deadline where that is the larger', () => {
    // limit 2 s, whole answer's reserve 30 ms: tolerance 250 − 60 = 190 ms past the deadline.
    const t = { receivedAt, limitMs: 2000, reserveMs: 30, solveReserveMs: 15 };
    expect(giveUpAt(receivedAt + 500, t)).toBe(receivedAt + 500 + 190);
  });

  it("never gives up before the solver's grace and one solve's answer past the deadline, even where the tolerance is used up", () => {
    // A 15-point sweep at 1,000 devices: reserve 225 ms, twice that above 0.1 × 2,000 + 50.
    const t = { receivedAt, limitMs: 2000, reserveMs: 225, solveReserveMs: 15 };
    const early = receivedAt + 400; // a first-round point
    expect(giveUpAt(early, t)).toBe(early + FALLBACK_GRACE_MS + 15);
  });

  it("never waits past the contract's bound less two reserves", () => {
    const t = { receivedAt, limitMs: 2000, reserveMs: 225, solveReserveMs: 15 };
    const last = receivedAt + 2000 - 225; // the last round, due at the limit less one reserve
    const bound = receivedAt + 2000 * 1.1 + 50;
    expect(giveUpAt(last, t)).toBe(bound - 2 * 225);
    expect(giveUpAt(last, t)).toBeLessThan(last + FALLBACK_GRACE_MS + 15);
  });
});

describe('answerBy', () => {
  it('rejects with what late() throws (no uncaught throw from its timer) and stops the work', async () => {
    let stopped = false;
    const work = (signal: AbortSignal) =>
      new Promise<string>(() => {
        signal.addEventListener('abort', () => (stopped = true));
      });
    const failing = () => {
      throw new Error('cannot hash');
    };
    await expect(answerBy(Date.now(), work, failing)).rejects.toThrow('cannot hash');
    expect(stopped).toBe(true);
  });

  it('answers the work when it comes first, and late() when it does not', async () => {
    expect(
      await answerBy(
        Date.now() + 60_000,
        async () => 'solved',
        () => 'late',
      ),
    ).toBe('solved');
    expect(
      await answerBy(
        Date.now(),
        () => new Promise<string>(() => {}),
        () => 'late',
      ),
    ).toBe('late');
  });
});
