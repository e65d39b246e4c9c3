// When the top start runs (auto.ts topStartTimes): after setting aside the exact pass at its prices
// (2.5 first passes; measured with the faster pricing, 1.0–2.2) and its plan (half the first plan;
// measured 0.3–0.6), at least 2.8 first plans or 3 first passes, whichever is less, must be left for
// its model. The figures are those measured at 5,000 × 100 at 3 s (CPU time): the bound's deadline at
// 2,700 ms.
import { describe, expect, it } from 'vitest';
import { topStartTimes } from '../src/solver/auto.js';

describe("the top start's room", () => {
  const boundAt = 2700;

  it('sets aside the exact pass and the plan before the bound deadline', () => {
    // 2700 − 2.5 × 120 = 2400; − 0.5 × 350 = 2225
    expect(topStartTimes(boundAt, 650, 120, 350)).toEqual({ exactBy: 2400, topBy: 2225 });
  });

  it('runs after a slow first plan (the first solve after another) where the model fits in first passes', () => {
    // Seed 1 first after the warm-up, quiet machine: first plan 693 ms, first pass 199 ms, at 1,098 ms.
    // Room 2700 − 497.5 − 346.5 − 1098 = 758 against 2.8 × 693 = 1940 first plans but 3 × 199 = 597
    // first passes: it runs (its model's 5 passes took 706 ms, its plan 211 ms; gap 8.5e-4).
    const times = topStartTimes(boundAt, 1098, 199, 693);
    expect(times).not.toBeNull();
    expect(times!.topBy - 1098).toBeGreaterThan(706);
    // (the exact pass at the top took 168–250 ms)
    expect(boundAt - times!.exactBy).toBeGreaterThan(250 * 1.9);
  });

  it('leaves the dual start where neither measure fits (a late first pass, a short limit)', () => {
    // 2700 − 2.5 × 275 − 0.5 × 624 − 1400 = 300.5 < min(1747, 825)
    expect(topStartTimes(boundAt, 1400, 275, 624)).toBeNull();
    // no first pass timed: no measure of the exact pass
    expect(topStartTimes(boundAt, 500, 0, 300)).toBeNull();
  });

  it('asks for the lesser of the two rooms', () => {
    // 2.8 × 150 = 420 against 3 × 200 = 600: 2700 − 500 − 75 − 1600 = 525 fits the first plans
    expect(topStartTimes(boundAt, 1600, 200, 150)).not.toBeNull();
    // 2.8 × 500 = 1400 against 3 × 120 = 360: 2700 − 300 − 250 − 1700 = 450 fits the first passes
    expect(topStartTimes(boundAt, 1700, 120, 500)).not.toBeNull();
    // 2700 − 300 − 250 − 1800 = 350 < 360
    expect(topStartTimes(boundAt, 1800, 120, 500)).toBeNull();
  });
});
