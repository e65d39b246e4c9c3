// Lower bound from the LP relaxation of the integer-program form (docs/model.md §2), solved with GLPK.
// For a fixed T the program is linear: y_{k,l} = "device k's shallowest block is at depth l",
// x_{k,j} = "block j on device k", bw_k = device k's bandwidth (in units of W):
//   Σ_l y_{k,l} ≤ 1                      one shallowest depth per device
//   x_{k,j} ≤ Σ_{l ≤ j} y_{k,l}          blocks only at or below it
//   y_{k,l} ≤ x_{k,l}                    it holds that block
//   Σ_k x_{k,j} = 1                      every block placed once
//   Σ_j x_{k,j} ≤ maxBlocksPerDevice
//   bw_k ≥ Σ_j need_k(j, σ_j)·x_{k,j}    superadditivity of need in bits + monotonicity in depth
//   bw_k ≥ a·Σ_j σ_j x_{k,j} + Σ_l h_{k,l}(a)·y_{k,l}   for a few slopes a, where
//        h_{k,l}(a) = min_s need_k(l, s) − a·s ≤ 0 (a supporting line of the convex need; this is
//        its perspective, exact at every integer point)
//   Σ_k bw_k ≤ 1
// (k, l) pairs that break memory or cannot finish by T are left out. Every integer assignment
// with round latency ≤ T satisfies these rows, so LP infeasibility at T proves T < optimum, and
// bisection on T over LP feasibility gives a valid bound.

import { type LinearProgram, type LinearRow, solveLinearProgram } from '../solver/math/glpk.js';
import type { BlocksModel } from './cost.js';
import { goldenSectionMin } from '../solver/math/numeric.js';
import { solverPerformanceNow } from '../solver/control.js';

const SLOPES = 4;

/** min over s ∈ [0, sMax] of need(s) − a·s (convex), by golden-section search. */
function conjugateIntercept(need: (s: number) => number, a: number, sMax: number): number {
  const lo = 0;
  const hi = sMax;
  const f = (s: number) => {
    const v = need(s);
    return v === Infinity ? Infinity : v - a * s;
  };
  const search = goldenSectionMin(f, lo, hi, 60);
  // the minimum over the search, never above 0 (s = 0) and safely below: a valid intercept
  const best = Math.min(0, search.value, f(search.lo), f(search.hi));
  return best - 1e-7 * Math.abs(best);
}

/**
 * Most nonzeros the LP may have: its link rows alone hold about K·J²/2 of them (134 million at 1024
 * devices × 512 blocks, more memory than a worker has). Past this there is no LP bound.
 */
const LP_MAX_TERMS = 2_000_000;

function lpTerms(model: { K: number; J: number }): number {
  return (model.K * model.J * (model.J + 1)) / 2;
}

/** 'late': the deadline came while building (a row per (device, depth) and golden sections per slope). */
function buildBoundLp(model: BlocksModel, cap: number | null, T: number, deadline = Infinity): LinearProgram | 'infeasible' | 'late' {
  const { J, K } = model;
  const W = model.instance.bandwidthHz;
  const sigma = (j: number) => model.instance.blocks[j - 1].bits;
  const totalBits = model.rangeBits(1, J);
  const rows: LinearRow[] = [];
  const budget: LinearRow = { name: 'bandwidth', terms: [], upper: 1 };
  const cover: LinearRow[] = Array.from({ length: J }, (_, i) => ({ name: `cover_${i + 1}`, terms: [], lower: 1, upper: 1 }));
  for (let k = 0; k < K; k++) {
    if (solverPerformanceNow() > deadline) return 'late';
    const okL: number[] = [];
    for (let l = 1; l <= J; l++) if (model.needHz(k, l, sigma(l), T) < Infinity) okL.push(l);
    if (okL.length === 0) continue;
    const y = (l: number) => `y_${k}_${l}`;
    const x = (j: number) => `x_${k}_${j}`;
    const bw = `bw_${k}`;
    const firstL = okL[0];
    rows.push({ name: `one_${k}`, terms: okL.map((l) => ({ name: y(l), coef: 1 })), upper: 1 });
    const blocks = Array.from({ length: J - firstL + 1 }, (_, i) => firstL + i);
    const okSet = new Set(okL);
    for (const j of blocks) {
      cover[j - 1].terms.push({ name: x(j), coef: 1 });
      rows.push({
        name: `link_${k}_${j}`,
        terms: [{ name: x(j), coef: 1 }, ...okL.filter((l) => l <= j).map((l) => ({ name: y(l), coef: -1 }))],
        upper: 0,
      });
      if (okSet.has(j))
        rows.push({
          name: `holds_${k}_${j}`,
          terms: [
            { name: y(j), coef: 1 },
            { name: x(j), coef: -1 },
          ],
          upper: 0,
        });
    }
    if (cap !== null) rows.push({ name: `cap_${k}`, terms: blocks.map((j) => ({ name: x(j), coef: 1 })), upper: cap });
    // bits lower bound (superadditive need); a block whose own need is ∞ cannot go to k at all
    const perBlock = blocks.map((j) => ({ j, need: model.needHz(k, j, sigma(j), T) }));
    rows.push({
      name: `bwbits_${k}`,
      terms: [{ name: bw, coef: 1 }, ...perBlock.filter((b) => b.need < Infinity).map((b) => ({ name: x(b.j), coef: -b.need / W }))],
      lower: 0,
    });
    for (const b of perBlock)
      if (b.need === Infinity) rows.push({ name: `never_${k}_${b.j}`, terms: [{ name: x(b.j), coef: 1 }], upper: 0 });
    // supporting lines: slopes of need at the deepest allowed depth at a few bit levels
    const deepest = okL[okL.length - 1];
    for (let m = 1; m <= SLOPES; m++) {
      const s = (totalBits * m) / SLOPES;
      const h = Math.max(1e-9 * s, sigma(deepest) * 1e-3);
      const n1 = model.needHz(k, deepest, s, T);
      const n0 = model.needHz(k, deepest, Math.max(0, s - h), T);
      if (!Number.isFinite(n1) || !Number.isFinite(n0)) continue;
      const a = (n1 - n0) / h;
      if (!(a > 0)) continue;
      const terms = [{ name: bw, coef: 1 }, ...blocks.map((j) => ({ name: x(j), coef: (-a * sigma(j)) / W }))];
      for (const l of okL) {
        const sMax = totalBits;
        const icpt = conjugateIntercept((bits) => model.needHz(k, l, bits, T), a, sMax);
        if (icpt < 0) terms.push({ name: y(l), coef: -icpt / W });
      }
      rows.push({ name: `bwtan_${k}_${m}`, terms, lower: 0 });
    }
    budget.terms.push({ name: bw, coef: 1 });
  }
  for (const c of cover) if (c.terms.length === 0) return 'infeasible';
  rows.push(...cover, budget);
  return { name: 'blocks-bound', direction: 'min', objective: [], rows };
}

/**
 * Bisection on T over LP feasibility between a proven lower end and an achieved latency; returns
 * the largest T at which the LP was proven infeasible (or `lowerS` if none).
 */
export function lpBound(
  model: BlocksModel,
  cap: number | null,
  lowerS: number,
  upperS: number,
  deadline: number,
  maxSolves = 12,
): { boundS: number; complete: boolean } {
  let lo = lowerS;
  let hi = upperS;
  let complete = true;
  if (lpTerms(model) > LP_MAX_TERMS) return { boundS: lo, complete: false };
  // Building and loading an LP costs about as much each time: another starts only if the last fits.
  let lastMs = 0;
  for (let it = 0; it < maxSolves && hi - lo > 1e-7 * hi; it++) {
    const started = performance.now();
    const left = deadline - started;
    if (left <= 5 || left <= lastMs) {
      complete = false;
      break;
    }
    const T = 0.5 * (lo + hi);
    const lp = buildBoundLp(model, cap, T, deadline);
    if (lp === 'late') {
      complete = false;
      break;
    }
    if (lp === 'infeasible') {
      lo = T;
      continue;
    }
    // GLPK's own limit covers the simplex only; loading the problem comes on top of it.
    const sol = solveLinearProgram(lp, { timeLimitMs: Math.max(1, deadline - performance.now()) / 2 });
    lastMs = performance.now() - started;
    if (sol.status === 'infeasible') lo = T;
    else if (sol.status === 'optimal' || sol.status === 'feasible') hi = T;
    else {
      complete = false;
      break;
    }
  }
  return { boundS: lo, complete };
}
