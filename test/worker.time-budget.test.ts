import { describe, expect, it } from 'vitest';
import { remainingLimitMs } from '../src/worker/time-budget.js';

describe('remainingLimitMs', () => {
  it('deducts the time since the request arrived, never below half the limit', () => {
    expect(remainingLimitMs(2000, undefined)).toBe(2000);
    expect(remainingLimitMs(2000, 10_000, 10_150)).toBe(1850);
    expect(remainingLimitMs(2000, 10_000, 10_000)).toBe(2000);
    expect(remainingLimitMs(2000, 10_000, 13_000)).toBe(1000);
    expect(remainingLimitMs(1, 10_000, 10_500)).toBe(1);
  });
});
