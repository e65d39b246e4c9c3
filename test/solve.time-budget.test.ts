import { describe, expect, it } from 'vitest';
import { answerReserveMs, remainingLimitMs } from '../src/solve/time-budget.js';

describe('remainingLimitMs', () => {
  it('gives the solver what is left of the limit after the time already spent and the answer reserve', () => {
    expect(remainingLimitMs(2000, undefined)).toBe(2000);
    expect(remainingLimitMs(2000, 10_000, 10_150)).toBe(1850);
    expect(remainingLimitMs(2000, 10_000, 10_000)).toBe(2000);
    expect(remainingLimitMs(2000, 10_000, 13_000)).toBe(0);
    expect(remainingLimitMs(2000, 10_000, 10_500, 100)).toBe(1400);
    expect(remainingLimitMs(1, 10_000, 10_500)).toBe(0);
  });

  it('reserves time for the answer in proportion to its devices', () => {
    expect(answerReserveMs(10_000)).toBeGreaterThan(answerReserveMs(100));
    expect(answerReserveMs(10_000)).toBeLessThan(500);
  });
});
