// When the top start runs (auto.ts topStartTimes): after setting aside the exact pass at its prices
// (3 first passes; measured with kernel18's pricing 1.3–2.1) and its plan (0.4 of the first plan;
// measured 0.31–0.41), at least 2.8 first plans or 3.5 first passes, whichever is less, must be left
// for its model. The figures are those measured at 5,000 × 100 at 3 s (CPU time): the bound's deadline
// at 2,700 ms.
import { describe, expect, it } from 'vitest';
import { topStartTimes } from '../src/solver/auto.js';

describe("the top start's room", () => {
  const boundAt = 2700;

  it('sets aside the exact pass and the plan before the bound deadline', () => {
    // 2700 − 3 × 120 = 2340; − 0.4 × 350 = 2200
    expect(topStartTimes(boundAt, 650, 120, 350)).toEqual({ exactBy: 2340, topBy: 2200 });
  });

  it('runs after a slow first plan (the first solve after another) where the model fits in first passes', () => {
    // Seed 1 first after the warm-up: first plan 634 ms, first pass 158 ms, at 943 ms. Room 2700 − 474 −
    // 253.6 − 943 = 1029.4 against 2.8 × 634 = 1775 first plans but 3.5 × 158 = 553 first passes: it runs
    // (its model's 6 passes took 748 ms, its exact pass 207 ms, 594 ms left after it).
    const times = topStartTimes(boundAt, 943, 158, 634);
    expect(times).not.toBeNull();
    expect(times!.topBy - 943).toBeGreaterThan(748);
    expect(boundAt - times!.exactBy).toBeGreaterThan(207);
  });

  it('leaves the dual start where neither measure fits (a late first pass, a short limit)', () => {
    // 2700 − 3 × 275 − 0.4 × 624 − 1148 = 477.4 < min(1747, 962.5)
    expect(topStartTimes(boundAt, 1148, 275, 624)).toBeNull();
    // no first pass timed: no measure of the exact pass
    expect(topStartTimes(boundAt, 500, 0, 300)).toBeNull();
  });

  it('asks for the lesser of the two rooms', () => {
    // room 2700 − 360 − 140 − 1200 = 1000: 2.8 × 350 = 980 fits although 3.5 × 120 = 420 would too;
    // with a first plan of 500 ms (2.8 × 500 = 1400) the first passes decide.
    expect(topStartTimes(boundAt, 1200, 120, 350)).not.toBeNull();
    expect(topStartTimes(boundAt, 1140, 120, 500)).not.toBeNull();
    // 2700 − 360 − 200 − 1740 = 400 < 3.5 × 120 = 420
    expect(topStartTimes(boundAt, 1740, 120, 500)).toBeNull();
  });
});
