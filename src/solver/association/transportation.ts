// Capacitated assignment of devices to servers: min Σ cost[n][m]·χ[n][m], Σ_m χ = 1,
// Σ_n χ ≤ cap[m]. Its constraint matrix is totally unimodular, so the LP relaxation (GLPK) has an
// integral optimum. Large instances use a regret-greedy plus exchange pass instead: GLPK is slow
// on big assignment LPs and the caller always holds a feasible answer anyway.

import { solveLinearProgram, type LinearProgram } from '../math/glpk.js';

/** Largest number of finite (device, server) pairs handed to GLPK. */
export const GLPK_TRANSPORT_LIMIT = 6000;

export function solveTransportation(cost: number[][], cap: number[]): number[] | null {
  const N = cost.length;
  const M = cap.length;
  // Without binding capacities every device simply takes its cheapest server.
  const argmin = cost.map((row) => row.reduce((best, c, m) => (c < row[best] ? m : best), 0));
  const load = new Array<number>(M).fill(0);
  argmin.forEach((m) => load[m]++);
  if (argmin.every((m, n) => Number.isFinite(cost[n][m])) && load.every((l, m) => l <= cap[m])) return argmin;
  let pairs = 0;
  for (const row of cost) for (const c of row) if (Number.isFinite(c)) pairs++;
  return pairs <= GLPK_TRANSPORT_LIMIT ? transportationLp(cost, cap) : regretGreedy(cost, cap);
}

function transportationLp(cost: number[][], cap: number[]): number[] | null {
  const v = (n: number, m: number) => `x_${n}_${m}`;
  // Each device is assigned exactly once, so subtracting a per-device constant leaves the optimum
  // unchanged; one global scale (never per device) keeps GLPK's numbers near 1.
  const lp: LinearProgram = { direction: 'min', objective: [], rows: [], bounds: [] };
  const serverRows = cap.map((c, m) => ({ name: `cap_${m}`, terms: [] as { name: string; coef: number }[], upper: c }));
  const rowMin = cost.map((row) => Math.min(...row.filter(Number.isFinite)));
  let scale = 1e-300;
  cost.forEach((row, n) => row.forEach((c) => Number.isFinite(c) && (scale = Math.max(scale, c - rowMin[n]))));
  cost.forEach((row, n) => {
    const terms: { name: string; coef: number }[] = [];
    row.forEach((c, m) => {
      if (!Number.isFinite(c)) return;
      lp.objective.push({ name: v(n, m), coef: (c - rowMin[n]) / scale });
      terms.push({ name: v(n, m), coef: 1 });
      serverRows[m].terms.push({ name: v(n, m), coef: 1 });
      lp.bounds!.push({ name: v(n, m), lower: 0, upper: 1 });
    });
    lp.rows.push({ name: `one_${n}`, terms, lower: 1, upper: 1 });
  });
  lp.rows.push(...serverRows.filter((r) => r.terms.length > 0));
  const sol = solveLinearProgram(lp);
  if (sol.status !== 'optimal') return null;
  return cost.map((row, n) => {
    let best = -1;
    let bestValue = -1;
    row.forEach((c, m) => {
      const x = Number.isFinite(c) ? (sol.values.get(v(n, m)) ?? 0) : -1;
      if (x > bestValue) {
        bestValue = x;
        best = m;
      }
    });
    return best;
  });
}

/** Devices with the largest regret (second-best minus best) choose first. */
function regretGreedy(cost: number[][], cap: number[]): number[] | null {
  const left = cap.slice();
  const N = cost.length;
  const out = new Array<number>(N).fill(-1);
  const regret = cost.map((row) => {
    const s = row.filter(Number.isFinite).sort((a, b) => a - b);
    return s.length > 1 ? s[1] - s[0] : Infinity;
  });
  const order = cost.map((_, n) => n).sort((a, b) => regret[b] - regret[a]);
  for (const n of order) {
    let best = -1;
    for (let m = 0; m < cap.length; m++)
      if (left[m] > 0 && Number.isFinite(cost[n][m]) && (best < 0 || cost[n][m] < cost[n][best])) best = m;
    if (best < 0) return null;
    out[n] = best;
    left[best]--;
  }
  return out;
}
