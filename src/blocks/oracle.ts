// Fixed-latency oracle: "can every block be placed so that the round ends by T within W?"
// answered exactly when every block carries the same bits (see runs.ts for why run paths with
// distinct devices are then exact): first by the Lagrangian of the device rows (subgradient on λ;
// a bound above W proves no, a repaired path within W proves yes), then, if neither settles it,
// by a GLPK integer program over the run arcs that reduced-cost fixing under the best λ kept.

import { solveLinearProgram, type LinearRow } from '../solver/math/glpk.js';
import type { BlocksModel } from './cost.js';
import { improveRuns, repairRuns } from './run-repair.js';
import { assignmentNeedHz, pathAssignment, RunCosts, type Run } from './runs.js';
import type { BlockAssignment } from './types.js';
import { solverPerformanceNow } from '../solver/control.js';

export type OracleVerdict =
  | { kind: 'feasible'; assignment: BlockAssignment; needHz: number }
  | { kind: 'infeasible'; by: 'matching' | 'lagrangian' | 'integer-program'; candidate?: BlockAssignment }
  | { kind: 'unknown'; reason: 'time' };

/** Exact for blocks of equal bits only (the caller checks): then run paths are exact. */
interface OracleOptions {
  /** run the integer program when the Lagrangian does not settle T */
  integerProgram: boolean;
  deadline: number;
  /** warm start for the device prices; updated in place with the best prices found */
  lambda?: Float64Array;
  maxIterations?: number;
}

export interface OracleStats {
  /** set when the integer program ran */
  mipMs?: number;
  lagrangianBoundHz: number;
  iterations: number;
  arcs: number;
  keptArcs: number;
}

/** the integer program runs only when at most this many run arcs survive reduced-cost fixing */
const IP_MAX_ARCS = 20_000;

/** share of W above the budget up to which the integer program keeps arcs */
const IP_SLACK = 0.01;

/** the prices stop after this many iterations without raising the bound by STALL_GAIN·W */
const STALL_ITERATIONS = 15;
const STALL_GAIN = 1e-4;
/** surviving arcs up to which the integer program is quick (a few hundred ms at worst here) */
const IP_QUICK_ARCS = 3000;

/** proofs of "no" need Σ need above W by more than rounding */
const PROOF_MARGIN = 1e-9;

/** The subgradient search on the device prices: its state from one iteration to the next. */
interface Prices {
  lambda: Float64Array;
  /** the prices that gave the best bound */
  best: Float64Array;
  /** best Lagrangian bound on Σ need (Hz) */
  lower: number;
  /** least Σ need of a repaired path (Hz) */
  upper: number;
  /** step scale, halved when the bound stops rising */
  theta: number;
  sinceImproved: number;
  /** last iteration that raised the bound by STALL_GAIN·W */
  lastGain: number;
  /** iterations in a row each device was used more than once */
  streak: Int32Array;
}

/** Takes the bound L(λ) of iteration `it`: the best prices, the stall count, the step scale. */
function recordBound(p: Prices, L: number, it: number, W: number): void {
  if (L > p.lower + STALL_GAIN * W) p.lastGain = it;
  if (L > p.lower) {
    p.lower = L;
    p.best.set(p.lambda);
    p.sinceImproved = 0;
  } else if (++p.sinceImproved >= 5) {
    p.theta /= 2;
    p.sinceImproved = 0;
  }
}

/**
 * The path repaired to distinct devices (and, on iterations 0, 1, 3, 7, 15, …, improved by local
 * moves, which cost more than a price step): "yes" when its Σ need fits W.
 */
function primal(rc: RunCosts, p: Prices, runs: Run[], it: number, pricesUntil: number): OracleVerdict | null {
  const { model, cap, T, K } = rc;
  const W = model.instance.bandwidthHz;
  const repaired = repairRuns(rc, runs);
  if (!repaired) return null;
  const polish = (it & (it + 1)) === 0;
  const assignment = pathAssignment(K, polish ? improveRuns(rc, repaired, W, pricesUntil).runs : repaired);
  const need = assignmentNeedHz(model, cap, T, assignment);
  p.upper = Math.min(p.upper, need);
  return need <= W ? { kind: 'feasible', assignment, needHz: need } : null;
}

/**
 * One subgradient step on λ (devices used more than once get dearer, unused ones cheaper); false
 * when the path already uses each device at most once (it is then the restricted optimum).
 */
function priceStep(p: Prices, runs: Run[], L: number, W: number): boolean {
  const K = p.lambda.length;
  const uses = new Int32Array(K);
  for (const r of runs) uses[r.device]++;
  let norm = 0;
  const g = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    g[k] = uses[k] - 1;
    if (g[k] < 0 && p.lambda[k] <= 0) g[k] = 0;
    norm += g[k] * g[k];
  }
  if (norm === 0) return false;
  // Polyak step towards a level 10% above W (or the best repaired total, if lower): proving
  // "no" needs no more, and a far upper bound (a poor repair) would make the steps overshoot
  const target = Math.min(p.upper, Math.max(W, L) * 1.1);
  const step = (p.theta * Math.max(target - L, 1e-9 * W)) / norm;
  // a device reused step after step needs a price on another scale (a device that alone can
  // hold the shallow depths): grow its step geometrically while the streak lasts
  for (let k = 0; k < K; k++) {
    p.streak[k] = g[k] > 0 ? p.streak[k] + 1 : 0;
    const boost = p.streak[k] > 1 ? 2 ** Math.min(p.streak[k] - 1, 12) : 1;
    p.lambda[k] = Math.max(0, p.lambda[k] + boost * step * g[k]);
  }
  return true;
}

export function fixedLatencyOracle(model: BlocksModel, cap: number, T: number, opts: OracleOptions, stats?: OracleStats): OracleVerdict {
  const W = model.instance.bandwidthHz;
  const K = model.K;
  const rc = new RunCosts(model, cap, T, opts.deadline);
  if (!rc.complete) return { kind: 'unknown', reason: 'time' };
  if (!rc.coverable()) return { kind: 'infeasible', by: 'matching' };
  // the prices get a slice of the time left, so that one latency cannot eat a whole bisection
  const pricesUntil = performance.now() + Math.max(5, (opts.deadline - performance.now()) / 4);
  const lambda = opts.lambda ?? new Float64Array(K);
  const p: Prices = {
    lambda,
    best: Float64Array.from(lambda),
    lower: -Infinity,
    upper: Infinity,
    theta: 1,
    sinceImproved: 0,
    lastGain: 0,
    streak: new Int32Array(K),
  };
  const maxIt = opts.maxIterations ?? 200;
  let it = 0;
  let verdict: OracleVerdict | null = null;
  for (; it < maxIt && verdict === null; it++) {
    const path = rc.shortestPath(p.lambda);
    if (path.value === Infinity) {
      verdict = { kind: 'infeasible', by: 'lagrangian' };
      break;
    }
    let priced = 0;
    for (let k = 0; k < K; k++) priced += p.lambda[k];
    const L = path.value - priced;
    recordBound(p, L, it, W);
    if (L > W * (1 + PROOF_MARGIN)) {
      verdict = { kind: 'infeasible', by: 'lagrangian' };
      break;
    }
    verdict = primal(rc, p, path.runs, it, pricesUntil);
    if (verdict !== null) break;
    if (solverPerformanceNow() > pricesUntil || p.theta < 1e-5) break;
    // prices that stopped gaining leave the rest to the integer program, once it would be small
    if (it - p.lastGain >= STALL_ITERATIONS) {
      if (opts.integerProgram && keptArcs(rc, p.best, IP_QUICK_ARCS) <= IP_QUICK_ARCS) break;
      p.lastGain = it;
    }
    if (!priceStep(p, path.runs, L, W)) break; // the path is the optimum of the restricted problem and it exceeds W
  }
  if (verdict === null) {
    if (!opts.integerProgram || solverPerformanceNow() > opts.deadline) verdict = { kind: 'unknown', reason: 'time' };
    else verdict = integerProgram(rc, p.best, p.lower, opts.deadline, stats);
  }
  if (stats) Object.assign(stats, { lagrangianBoundHz: p.lower, iterations: it });
  if (opts.lambda) opts.lambda.set(p.best);
  return verdict;
}

/** Arcs (k, l, n) whose best path under prices λ stays within W·(1 + IP_SLACK). */
function survivors(rc: RunCosts, lambda: Float64Array, visit?: (k: number, l: number, n: number, cost: number) => boolean): number {
  const { model, J, K } = rc;
  const W = model.instance.bandwidthHz;
  const F = rc.forward(lambda);
  const B = rc.backward(lambda);
  let priced = 0;
  for (let k = 0; k < K; k++) priced += lambda[k];
  // keep arcs up to 1% over W: when T is out of reach the program's optimum (> W) still names the
  // least-bandwidth assignment, whose latency is then a close incumbent
  const limit = W * (1 + IP_SLACK) + priced;
  let count = 0;
  for (let k = 0; k < K; k++) {
    for (let l = 1; l <= J; l++) {
      if (F[l] === Infinity) continue;
      const len = rc.length[k * (J + 1) + l];
      for (let n = 1; n <= len; n++) {
        const cost = rc.cost(k, l, n);
        if (F[l] + cost + lambda[k] + B[l + n] <= limit) {
          count++;
          if (visit && !visit(k, l, n, cost)) return count;
        }
      }
    }
  }
  return count;
}

/** surviving arcs, counted up to just past `upTo` */
function keptArcs(rc: RunCosts, lambda: Float64Array, upTo: number): number {
  let count = 0;
  survivors(rc, lambda, () => ++count <= upTo);
  return count;
}

/** min Σ need over run paths with distinct devices, on the arcs that reduced costs cannot rule out. */
function integerProgram(rc: RunCosts, lambda: Float64Array, lower: number, deadline: number, stats?: OracleStats): OracleVerdict {
  const { model, J, K } = rc;
  const W = model.instance.bandwidthHz;
  const arcs: { k: number; l: number; n: number; cost: number }[] = [];
  survivors(rc, lambda, (k, l, n, cost) => {
    arcs.push({ k, l, n, cost });
    return arcs.length <= IP_MAX_ARCS;
  });
  const total = rc.data.length;
  if (stats) Object.assign(stats, { arcs: total, keptArcs: arcs.length, lagrangianBoundHz: lower });
  // too many survivors: the prices are far from proving anything, and GLPK would take long
  if (arcs.length > IP_MAX_ARCS) return { kind: 'unknown', reason: 'time' };
  // flow of one unit from depth 1 to depth J+1; node J+1's row is implied
  const node: LinearRow[] = Array.from({ length: J }, (_, i) => ({
    name: `n${i + 1}`,
    terms: [],
    lower: i === 0 ? 1 : 0,
    upper: i === 0 ? 1 : 0,
  }));
  const device: LinearRow[] = Array.from({ length: K }, (_, k) => ({ name: `d${k}`, terms: [], upper: 1 }));
  const objective = arcs.map((a, i) => ({ name: `z${i}`, coef: a.cost / W }));
  arcs.forEach((a, i) => {
    const z = `z${i}`;
    node[a.l - 1].terms.push({ name: z, coef: 1 });
    if (a.l + a.n <= J) node[a.l + a.n - 1].terms.push({ name: z, coef: -1 });
    device[a.k].terms.push({ name: z, coef: 1 });
  });
  // a path may skip any depth but the first (runs jump over the depths inside them)
  if (node[0].terms.length === 0) return { kind: 'infeasible', by: 'integer-program' };
  // at most half of what is left, so that a hard latency leaves time for the search after it
  const left = (deadline - performance.now()) / 2;
  if (left < 5) return { kind: 'unknown', reason: 'time' };
  const t0 = performance.now();
  const sol = solveLinearProgram(
    {
      name: 'blocks-fixed-latency',
      direction: 'min',
      objective,
      rows: [...node.filter((r) => r.terms.length > 0), ...device.filter((d) => d.terms.length > 1)],
      binaries: objective.map((o) => o.name),
    },
    Number.isFinite(left) ? { timeLimitMs: left } : {},
  );
  if (stats) stats.mipMs = performance.now() - t0;
  if (sol.status === 'infeasible') return { kind: 'infeasible', by: 'integer-program' };
  if (sol.status === 'optimal' || sol.status === 'feasible') {
    const runs = arcs.filter((_, i) => (sol.values.get(`z${i}`) ?? 0) > 0.5).map((a) => ({ device: a.k, from: a.l, n: a.n }));
    const assignment = pathAssignment(K, runs);
    const need = assignmentNeedHz(model, rc.cap, rc.T, assignment);
    // within rounding of W the caller's exact evaluation decides how close to T the answer is
    if (need <= W * (1 + PROOF_MARGIN)) return { kind: 'feasible', assignment, needHz: need };
    // the least-bandwidth assignment just misses T: its own latency is a good incumbent
    if (sol.status === 'optimal') return { kind: 'infeasible', by: 'integer-program', candidate: assignment };
  }
  return { kind: 'unknown', reason: 'time' };
}
