// Primal side of the fixed-latency oracle (blocks of equal bits): turn the Lagrangian's run path,
// where a device may appear more than once, into run paths with distinct devices, and improve
// them by local moves priced from the run-cost tables in O(1) each:
//   shift the boundary between neighbouring runs by one depth; give a run to an unused device;
//   swap the devices of two runs; split a run with an unused device; merge two neighbouring runs.
// Every move keeps a valid path (cap and memory are +∞ costs), so the result is an assignment.

import type { Run, RunCosts } from './runs.js';
import { solverPerformanceNow } from '../solver/control.js';

function total(rc: RunCosts, runs: Run[]): number {
  let s = 0;
  for (const r of runs) s += rc.cost(r.device, r.from, r.n);
  return s;
}

/** Distinct devices: a repeated device keeps its costliest run; the others go to the unused
 *  device that needs least for them, else merge into a neighbour. Null if some run is stuck. */
export function repairRuns(rc: RunCosts, path: Run[]): Run[] | null {
  const runs = path.map((r) => ({ ...r }));
  const K = rc.K;
  const used = new Uint8Array(K);
  const order = runs
    .map((_, i) => i)
    .sort((a, b) => rc.cost(runs[b].device, runs[b].from, runs[b].n) - rc.cost(runs[a].device, runs[a].from, runs[a].n));
  const orphans: number[] = [];
  for (const i of order) {
    if (used[runs[i].device]) orphans.push(i);
    else used[runs[i].device] = 1;
  }
  const dropped = new Set<number>();
  for (const i of orphans) {
    const r = runs[i];
    let pick = -1;
    let pickCost = Infinity;
    for (let k = 0; k < K; k++) {
      if (used[k]) continue;
      const c = rc.cost(k, r.from, r.n);
      if (c < pickCost) {
        pickCost = c;
        pick = k;
      }
    }
    if (pick >= 0) {
      r.device = pick;
      used[pick] = 1;
      continue;
    }
    // no unused device: the cheaper neighbour absorbs the run (runs are in depth order)
    let prev = i - 1;
    while (prev >= 0 && dropped.has(prev)) prev--;
    let next = i + 1;
    while (next < runs.length && dropped.has(next)) next++;
    // (a neighbour still waiting for its own device carries the merged run with it)
    const viaPrev =
      prev >= 0
        ? rc.cost(runs[prev].device, runs[prev].from, runs[prev].n + r.n) - rc.cost(runs[prev].device, runs[prev].from, runs[prev].n)
        : Infinity;
    const viaNext =
      next < runs.length
        ? rc.cost(runs[next].device, r.from, runs[next].n + r.n) - rc.cost(runs[next].device, runs[next].from, runs[next].n)
        : Infinity;
    if (viaPrev === Infinity && viaNext === Infinity) return null;
    if (viaPrev <= viaNext) runs[prev].n += r.n;
    else {
      runs[next].from = r.from;
      runs[next].n += r.n;
    }
    dropped.add(i);
  }
  return runs.filter((_, i) => !dropped.has(i));
}

/** First-improvement local search on Σ run costs; stops at a local optimum, at `target`, or at the deadline. */
export function improveRuns(rc: RunCosts, start: Run[], target: number, deadline: number): { runs: Run[]; cost: number } {
  let runs = start.map((r) => ({ ...r }));
  const K = rc.K;
  const c = (r: Run) => rc.cost(r.device, r.from, r.n);
  let cost = total(rc, runs);
  const eps = () => 1e-12 * Math.max(1, Math.abs(cost));
  let improved = true;
  while (improved && cost > target && solverPerformanceNow() < deadline) {
    improved = false;
    const used = new Uint8Array(K);
    for (const r of runs) used[r.device] = 1;
    // boundary shifts
    for (let i = 0; i + 1 < runs.length; i++) {
      const a = runs[i];
      const b = runs[i + 1];
      const old = c(a) + c(b);
      for (const d of [1, -1]) {
        if (a.n + d < 1 || b.n - d < 1) continue;
        const v = rc.cost(a.device, a.from, a.n + d) + rc.cost(b.device, b.from + d, b.n - d);
        if (v < old - eps()) {
          a.n += d;
          b.from += d;
          b.n -= d;
          cost += v - old;
          improved = true;
          break;
        }
      }
    }
    // merge neighbours (frees a device)
    for (let i = 0; i + 1 < runs.length; i++) {
      const a = runs[i];
      const b = runs[i + 1];
      const old = c(a) + c(b);
      const v = rc.cost(a.device, a.from, a.n + b.n);
      const w = rc.cost(b.device, a.from, a.n + b.n);
      if (Math.min(v, w) < old - eps()) {
        used[w < v ? a.device : b.device] = 0;
        if (w < v) a.device = b.device;
        a.n += b.n;
        runs.splice(i + 1, 1);
        cost += Math.min(v, w) - old;
        improved = true;
      }
    }
    // an unused device takes a run, or the part of a run past a split point
    for (const r of runs) {
      const old = c(r);
      let best = old - eps();
      let move: { k: number; m: number } | null = null;
      for (let k = 0; k < K; k++) {
        if (used[k]) continue;
        const whole = rc.cost(k, r.from, r.n);
        if (whole < best) {
          best = whole;
          move = { k, m: 0 };
        }
        for (let m = 1; m < r.n; m++) {
          const head = rc.cost(r.device, r.from, m);
          if (head >= best) break; // heads only grow with m
          const v = head + rc.cost(k, r.from + m, r.n - m);
          if (v < best) {
            best = v;
            move = { k, m };
          }
        }
      }
      if (move) {
        cost += best - old;
        improved = true;
        if (move.m === 0) {
          used[r.device] = 0;
          r.device = move.k;
        } else {
          runs.push({ device: move.k, from: r.from + move.m, n: r.n - move.m });
          r.n = move.m;
        }
        used[move.k] = 1;
      }
    }
    runs = runs.sort((a, b) => a.from - b.from);
    // swap the devices of two runs
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const a = runs[i];
        const b = runs[j];
        const old = c(a) + c(b);
        const v = rc.cost(b.device, a.from, a.n) + rc.cost(a.device, b.from, b.n);
        if (v < old - eps()) {
          const t = a.device;
          a.device = b.device;
          b.device = t;
          cost += v - old;
          improved = true;
        }
      }
    }
    cost = total(rc, runs); // no drift from the running sum
  }
  return { runs, cost };
}
