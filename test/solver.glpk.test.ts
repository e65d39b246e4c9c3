import { beforeAll, describe, expect, it } from 'vitest';
import { initGlpk, isGlpkReady, solveLinearProgram, type LinearProgram } from '../src/solver/math/glpk.js';

beforeAll(async () => {
  await initGlpk();
});

describe('solveLinearProgram', () => {
  it('is initialised once and reusable', async () => {
    expect(isGlpkReady()).toBe(true);
    await expect(initGlpk()).resolves.toBeDefined();
  });

  it('solves a textbook LP (max 3x + 5y, x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18 → 36 at (2, 6))', () => {
    const lp: LinearProgram = {
      direction: 'max',
      objective: [
        { name: 'x', coef: 3 },
        { name: 'y', coef: 5 },
      ],
      rows: [
        { name: 'c1', terms: [{ name: 'x', coef: 1 }], upper: 4 },
        { name: 'c2', terms: [{ name: 'y', coef: 2 }], upper: 12 },
        {
          name: 'c3',
          terms: [
            { name: 'x', coef: 3 },
            { name: 'y', coef: 2 },
          ],
          upper: 18,
        },
      ],
    };
    const s = solveLinearProgram(lp);
    expect(s.status).toBe('optimal');
    expect(s.objective).toBeCloseTo(36, 9);
    expect(s.values.get('x')).toBeCloseTo(2, 9);
    expect(s.values.get('y')).toBeCloseTo(6, 9);
    expect(s.timeLimitReached).toBe(false);
  });

  it('merges a variable repeated in one row and in the objective', () => {
    // min x + x  s.t. x + x ≥ 3  → x = 1.5, objective 3 (GLPK would abort on the raw form)
    const s = solveLinearProgram({
      direction: 'min',
      objective: [
        { name: 'x', coef: 1 },
        { name: 'x', coef: 1 },
      ],
      rows: [
        {
          name: 'r',
          terms: [
            { name: 'x', coef: 1 },
            { name: 'x', coef: 1 },
          ],
          lower: 3,
        },
      ],
    });
    expect(s.status).toBe('optimal');
    expect(s.objective).toBeCloseTo(3, 9);
    expect(s.values.get('x')).toBeCloseTo(1.5, 9);
  });

  it('keeps variables whose terms cancel, with their bounds', () => {
    const s = solveLinearProgram({
      direction: 'max',
      objective: [
        { name: 'x', coef: 1 },
        { name: 'z', coef: 1 },
        { name: 'z', coef: -1 },
      ],
      rows: [{ name: 'r', terms: [{ name: 'x', coef: 1 }], upper: 2 }],
      bounds: [{ name: 'z', lower: 5, upper: 5 }],
    });
    expect(s.status).toBe('optimal');
    expect(s.values.get('z')).toBe(5);
    expect(s.objective).toBeCloseTo(2, 9);
  });

  it('honours free and negative bounds and equality rows', () => {
    // min y s.t. y - x = 0, x ≥ -3 (free y) → -3
    const s = solveLinearProgram({
      direction: 'min',
      objective: [{ name: 'y', coef: 1 }],
      rows: [
        {
          name: 'eq',
          terms: [
            { name: 'y', coef: 1 },
            { name: 'x', coef: -1 },
          ],
          lower: 0,
          upper: 0,
        },
      ],
      bounds: [
        { name: 'x', lower: -3 },
        { name: 'y', lower: -Infinity },
      ],
    });
    expect(s.status).toBe('optimal');
    expect(s.objective).toBeCloseTo(-3, 9);
  });

  it('solves a knapsack MIP and its relaxation', () => {
    // max 10a + 13b + 7c  s.t. 4a + 6b + 3c ≤ 9, binaries → a + b? (10 cap) no: best = a + c (17) vs b + c (20) → 20
    const lp: LinearProgram = {
      direction: 'max',
      objective: [
        { name: 'a', coef: 10 },
        { name: 'b', coef: 13 },
        { name: 'c', coef: 7 },
      ],
      rows: [
        {
          name: 'cap',
          terms: [
            { name: 'a', coef: 4 },
            { name: 'b', coef: 6 },
            { name: 'c', coef: 3 },
          ],
          upper: 9,
        },
      ],
      binaries: ['a', 'b', 'c'],
    };
    const mip = solveLinearProgram(lp);
    expect(mip.status).toBe('optimal');
    expect(mip.objective).toBeCloseTo(20, 9);
    expect(mip.values.get('b')).toBe(1);
    expect(mip.values.get('c')).toBe(1);
    // relaxation: ratios a 2.5, c 2.33, b 2.17 → a = 1, c = 1, b = 2/6 → 17 + 13/3
    const rel = solveLinearProgram(lp, { relax: true });
    expect(rel.status).toBe('optimal');
    expect(rel.objective).toBeCloseTo(17 + 13 / 3, 9);
  });

  it('solves a general-integer MIP', () => {
    // max x + y s.t. 2x + 2y ≤ 7, x,y integer → 3
    const s = solveLinearProgram({
      direction: 'max',
      objective: [
        { name: 'x', coef: 1 },
        { name: 'y', coef: 1 },
      ],
      rows: [
        {
          name: 'r',
          terms: [
            { name: 'x', coef: 2 },
            { name: 'y', coef: 2 },
          ],
          upper: 7,
        },
      ],
      integers: ['x', 'y'],
    });
    expect(s.status).toBe('optimal');
    expect(s.objective).toBeCloseTo(3, 9);
  });

  it('reports infeasible and unbounded LPs and MIPs', () => {
    const infeasible: LinearProgram = {
      direction: 'max',
      objective: [{ name: 'x', coef: 1 }],
      rows: [{ name: 'r', terms: [{ name: 'x', coef: 1 }], lower: 5 }],
      bounds: [{ name: 'x', upper: 3 }],
    };
    expect(solveLinearProgram(infeasible).status).toBe('infeasible');
    expect(solveLinearProgram({ ...infeasible, integers: ['x'] }).status).toBe('infeasible');
    expect(Number.isNaN(solveLinearProgram(infeasible).objective)).toBe(true);

    const unbounded: LinearProgram = {
      direction: 'max',
      objective: [{ name: 'x', coef: 1 }],
      rows: [{ name: 'r', terms: [{ name: 'x', coef: 1 }], lower: 5 }],
    };
    expect(solveLinearProgram(unbounded).status).toBe('unbounded');
    expect(solveLinearProgram({ ...unbounded, integers: ['x'] }).status).toBe('unbounded');
  });

  it('rejects non-finite data with a clear error instead of passing it to GLPK', () => {
    const base = (coef: number): LinearProgram => ({
      direction: 'min',
      objective: [{ name: 'x', coef }],
      rows: [],
    });
    expect(() => solveLinearProgram(base(NaN))).toThrow(/objective, coefficient of x: must be a finite number/);
    expect(() => solveLinearProgram(base(Infinity))).toThrow(/finite/);
    expect(() =>
      solveLinearProgram({ direction: 'min', objective: [], rows: [{ name: 'r', terms: [{ name: 'x', coef: 1 }], upper: NaN }] }),
    ).toThrow(/row r upper bound/);
    expect(() =>
      solveLinearProgram({ direction: 'min', objective: [], rows: [{ name: 'r', terms: [{ name: 'x', coef: 1 }], lower: Infinity }] }),
    ).toThrow(/row r lower bound/);
    expect(() => solveLinearProgram({ direction: 'min', objective: [], rows: [], bounds: [{ name: 'x', lower: 2, upper: 1 }] })).toThrow(
      /exceeds upper bound/,
    );
    expect(() =>
      solveLinearProgram({
        ...base(1),
        rows: [
          { name: 'r', terms: [] },
          { name: 'r', terms: [] },
        ],
      }),
    ).toThrow(/duplicate/);
  });

  it('passes the time limit and still returns a feasible point on a hard MIP', () => {
    // A random 0/1 multi-knapsack big enough that a 1 ms limit stops branch and bound early.
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 60;
    const vars = Array.from({ length: n }, (_, i) => `x${i}`);
    const lp: LinearProgram = {
      direction: 'max',
      objective: vars.map((name) => ({ name, coef: Math.round(10 + 90 * rnd()) })),
      rows: Array.from({ length: 5 }, (_, r) => ({
        name: `k${r}`,
        terms: vars.map((name) => ({ name, coef: Math.round(10 + 90 * rnd()) })),
        upper: 1200,
      })),
      binaries: vars,
    };
    const s = solveLinearProgram(lp, { timeLimitMs: 1 });
    expect(['optimal', 'feasible', 'undefined']).toContain(s.status);
    if (s.status === 'feasible') expect(s.timeLimitReached).toBe(true);
    expect(s.timeMs).toBeLessThan(2000);
  });
});
