// The capacitated device-to-server assignment: GLPK's LP (integral by total unimodularity)
// against brute-force enumeration, and the large-instance fallback for feasibility.
import { beforeAll, describe, expect, it } from 'vitest';
import { initGlpk } from '../src/solver/math/glpk.js';
import { GLPK_TRANSPORT_LIMIT, solveTransportation } from '../src/solver/association/transportation.js';
import { mulberry32 } from '../src/model/random.js';

beforeAll(async () => {
  await initGlpk();
});

function bruteForce(cost: number[][], cap: number[]): number {
  let best = Infinity;
  const load = cap.map(() => 0);
  const rec = (n: number, acc: number) => {
    if (acc >= best) return;
    if (n === cost.length) {
      best = acc;
      return;
    }
    cost[n].forEach((c, m) => {
      if (!Number.isFinite(c) || load[m] >= cap[m]) return;
      load[m]++;
      rec(n + 1, acc + c);
      load[m]--;
    });
  };
  rec(0, 0);
  return best;
}

function randomInstance(seed: number, devices: number, servers: number) {
  const r = mulberry32(seed);
  const cost = Array.from({ length: devices }, () => Array.from({ length: servers }, () => (r() < 0.15 ? Infinity : 10 ** (r() * 3))));
  // Every device keeps at least one reachable server.
  cost.forEach((row) => {
    if (row.every((c) => !Number.isFinite(c))) row[0] = 1;
  });
  const cap = Array.from({ length: servers }, () => 1 + Math.floor(r() * Math.ceil(devices / 2)));
  return { cost, cap };
}

const total = (cost: number[][], assignment: number[]) => assignment.reduce((s, m, n) => s + cost[n][m], 0);

function respectsCapacities(assignment: number[], cap: number[], cost: number[][]): boolean {
  const load = cap.map(() => 0);
  assignment.forEach((m) => load[m]++);
  return load.every((l, m) => l <= cap[m]) && assignment.every((m, n) => Number.isFinite(cost[n][m]));
}

describe('capacitated assignment (transportation)', () => {
  it('GLPK LP equals brute force on 60 small instances with binding capacities', () => {
    let binding = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { cost, cap } = randomInstance(seed, 3 + (seed % 5), 2 + (seed % 3));
      const optimum = bruteForce(cost, cap);
      const assignment = solveTransportation(cost, cap);
      if (!Number.isFinite(optimum)) {
        expect(assignment).toBeNull();
        continue;
      }
      expect(assignment).not.toBeNull();
      expect(respectsCapacities(assignment!, cap, cost)).toBe(true);
      expect(total(cost, assignment!)).toBeCloseTo(optimum, 9);
      const unconstrained = cost.reduce((s, row) => s + Math.min(...row), 0);
      if (optimum > unconstrained * (1 + 1e-12)) binding++;
    }
    // The instances must exercise the capacity rows, not just the argmin shortcut.
    expect(binding).toBeGreaterThan(20);
  });

  it('beyond the GLPK size limit it still returns a feasible assignment', () => {
    const devices = 400;
    const servers = Math.ceil(GLPK_TRANSPORT_LIMIT / devices) + 5;
    const { cost } = randomInstance(7, devices, servers);
    const cap = Array.from({ length: servers }, () => Math.ceil(devices / servers) + 1);
    const assignment = solveTransportation(cost, cap);
    expect(assignment).not.toBeNull();
    expect(respectsCapacities(assignment!, cap, cost)).toBe(true);
  });
});
