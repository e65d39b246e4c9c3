// Where the search ends below the large-size threshold (auto.ts longSearchEnd): it keeps the limit up
// to twelve times the first bound's pass before the bound's deadline (0.9 of the limit), never ending
// before the usual search share (0.55) nor after 0.75 of the limit.
import { describe, expect, it } from 'vitest';
import { longSearchEnd } from '../src/solver/auto.js';
import { SolveClock } from '../src/solver/clock.js';

describe('the search end where a bound pass is cheap', () => {
  const clock = new SolveClock(2000, 0);
  const usual = clock.at(0.55);

  it('keeps twelve first passes before the bound deadline', () => {
    // 0.9 × 2000 − 12 × 30 = 1440
    expect(longSearchEnd(clock, usual, 30)).toBe(1440);
    expect(longSearchEnd(clock, usual, 50)).toBe(1200);
  });

  it('runs to at most 0.75 of the limit when passes are cheap', () => {
    expect(longSearchEnd(clock, usual, 20)).toBe(1500);
    expect(longSearchEnd(clock, usual, 0)).toBe(1500);
  });

  it('never ends before the usual share when passes are dear (a short limit, a loaded machine)', () => {
    expect(longSearchEnd(clock, usual, 60)).toBe(usual);
    expect(longSearchEnd(new SolveClock(300, 0), new SolveClock(300, 0).at(0.55), 10)).toBe(165);
  });
});
