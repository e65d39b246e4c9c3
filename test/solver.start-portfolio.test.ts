// With baselines off the start plan (planned before the dual start) joins the portfolio after the
// search (auto.ts startInPortfolio): the answer is never worse than its start. startMayWin decides
// where scoring it can change the answer; each branch is checked here, and end to end that with
// deadlines (the start is always scored) a feasible start is never beaten by a worse answer.
import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { evaluate } from '../src/model/evaluate.js';
import type { DeviceDecision } from '../src/model/types.js';
import { START_COVERED_MARGIN, startMayWin } from '../src/solver/auto.js';
import { solveAllocate } from '../src/solver/index.js';
import { allocationToDecisions } from './reference/exhaustive.js';

describe('startMayWin: where the start plan must be scored after the search', () => {
  const covered = { searchViolations: 0, hasDeadlines: false, searchIsStart: false, searchCost: 90, startCost: 100 };

  it('skips the start when the search planned clearly below it, with no violation and no deadlines', () => {
    expect(startMayWin(covered)).toBe(false);
  });

  it('skips the start when the search answered with the start itself', () => {
    expect(startMayWin({ ...covered, searchIsStart: true, searchCost: 100 })).toBe(false);
  });

  it('scores the start when the search solution violates a constraint', () => {
    expect(startMayWin({ ...covered, searchViolations: 1 })).toBe(true);
    expect(startMayWin({ ...covered, searchViolations: 3, searchIsStart: true })).toBe(true);
  });

  it('always scores the start with deadlines (the search solution may be late where the start is not)', () => {
    expect(startMayWin({ ...covered, hasDeadlines: true })).toBe(true);
    expect(startMayWin({ ...covered, hasDeadlines: true, searchIsStart: true })).toBe(true);
  });

  it('scores the start when the search plans within rounding of it, at it or above it', () => {
    const start = 100;
    // Exactly at the margin: not below it by more than rounding.
    expect(startMayWin({ ...covered, searchCost: start * (1 - START_COVERED_MARGIN), startCost: start })).toBe(true);
    expect(startMayWin({ ...covered, searchCost: start * (1 - START_COVERED_MARGIN / 2), startCost: start })).toBe(true);
    expect(startMayWin({ ...covered, searchCost: start, startCost: start })).toBe(true);
    expect(startMayWin({ ...covered, searchCost: start * 1.01, startCost: start })).toBe(true);
    // Just past the margin: covered.
    expect(startMayWin({ ...covered, searchCost: start * (1 - 2 * START_COVERED_MARGIN), startCost: start })).toBe(false);
  });
});

describe('baselines off, with deadlines: the answer is never worse than the start plan', () => {
  it('answers feasibly and at or below the scored objective of the first incumbent (the start plan)', { timeout: 120_000 }, async () => {
    let compared = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const body = generateRequest(seed, { devices: 40, servers: 5, deadlines: { fraction: 0.5, factor: [1.5, 4] } });
      const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs: 600 } });
      let start: DeviceDecision[] | null = null;
      const res = await solveAllocate(instance, options, {
        shouldStop: () => false,
        onIncumbent: (decisions) => {
          start ??= decisions;
        },
      });
      if (start === null) continue;
      const startEv = evaluate(instance, start);
      if (startEv.violations.length > 0) continue;
      compared++;
      // A feasible start: the answer is feasible and no worse.
      expect(res.objective, `seed ${seed}`).toBeDefined();
      const ev = evaluate(instance, allocationToDecisions(instance, res.allocations));
      expect(ev.violations, `seed ${seed}`).toEqual([]);
      expect(ev.objective, `seed ${seed}`).toBeLessThanOrEqual(startEv.objective * (1 + 1e-12));
    }
    // The check ran on most seeds (a start that misses a deadline compares nothing).
    expect(compared).toBeGreaterThanOrEqual(3);
  });
});
