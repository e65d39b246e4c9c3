// Block 2 of the publication's method (docs/model.md §1.7): everything but the association fixed, χ relaxed
// to [0, 1] with the exact penalty ϱ·Σ χ(1−χ), the penalty's concave part linearised at the
// current point (concave–convex procedure), so that every iteration is an LP solved with GLPK:
//
//   min  Σ_{n,m} c_{n,m}·χ_{n,m} + ϱ·Σ_{n,m} (1 − 2χ^k_{n,m})·χ_{n,m}   (+ constant ϱ·Σ (χ^k)²)
//   s.t. Σ_m χ_{n,m} = 1  (every device),   Σ_n χ_{n,m} ≤ maxDevices_m  (when given),
//        0 ≤ χ_{n,m} ≤ 1, only for pairs with a usable channel.
//
// c_{n,m} is device n's cost on server m with its split layer, mode and local frequency fixed and
// the server's shared budgets priced at their current multipliers (from the exact splits of the
// current allocation): min_b [U_{n,m}(b) + λ_m·b] + min_F [E_{n,m}(F) + φ_m·F]. For the device's
// current server this is its cost at its current shares plus the priced resources it holds; for
// another server it is the first-order cost of joining it (its own cost plus the marginal loss it
// inflicts on the members, λ·b + φ·F). ϱ grows geometrically until χ is binary and stationary.
// (The constraint matrix is totally unimodular, so GLPK's simplex vertices are binary from the
// first LP on; the continuation then confirms that the point is stationary.)
// Starting points: the current χ, a greedy one (largest priced gain first) and the uniform point
// 1/|servers|, plus the current χ with larger first penalties (see below). Each resulting binary
// χ is re-split exactly and scored with evaluate(); the best one is kept.

import { isGlpkReady, solveLinearProgram, type LinearProgram, type LinearTerm } from '../math/glpk.js';
import { edgeLoadPerLayer } from '../pricing/device-model.js';
import { frequencyForPrice } from '../resources/shares.js';
import { bandwidthForPrice, uplinkCost } from '../resources/uplink.js';
import { exactResources, score, uplinkOf, weightsOf, type PaperContext, type Scored } from './context.js';
import { expired, remainingMs } from '../clock.js';

/** First penalty weight, relative to the mean priced cost of a device. */
const RHO_START = 0.05;
const RHO_GROWTH = 4;
const MAX_CCP_ITERATIONS = 30;
const BINARY_TOL = 1e-6;
/**
 * Estimated time to load an LP into glpk.js, per variable, in milliseconds (measured ≈ 10 µs):
 * GLPK's own time limit does not cover it, so it is deducted from the limit handed to GLPK, and
 * an LP is not started with less than twice this estimate left before the deadline.
 */
const LP_MS_PER_VARIABLE = 0.015;

interface Block2Result {
  best: Scored;
  /** LPs solved */
  lps: number;
  stoppedByTime: boolean;
}

/** c[n][m]: priced cost of device n on server m (Infinity where there is no channel). */
function pricedCosts(ctx: PaperContext, current: Scored): number[][] {
  const res = exactResources(ctx, current.server, current.alpha);
  const { instance } = ctx;
  return ctx.devices.map((d, n) =>
    instance.servers.map((s, m) => {
      if (!(d.model.device.gains[m] > 0)) return Infinity;
      const u = uplinkOf(ctx, n, m);
      const lambda = res.prices[m].bandwidth;
      const b = bandwidthForPrice(u, lambda, s.bandwidthHz);
      const uplink = uplinkCost(u, b).cost + lambda * b;
      const eKappa = ctx.weights.energy * s.kappa;
      const load = {
        load: (instance.layers - current.alpha[n]) * edgeLoadPerLayer(instance, d.option, m),
        delayWeight: weightsOf(ctx, n).compute,
      };
      const phi = res.prices[m].frequency;
      const F = frequencyForPrice(load, eKappa, phi, s.frequencyHz);
      const edge = load.load * (load.delayWeight / F + eKappa * F * F) + phi * F;
      return uplink + edge;
    }),
  );
}

function capacities(ctx: PaperContext): number[] {
  const N = ctx.devices.length;
  return ctx.instance.servers.map((s) => Math.min(N, s.maxDevices ?? N));
}

/** Greedy start: devices with the largest gap between their two cheapest servers pick first. */
function greedyStart(ctx: PaperContext, c: number[][]): number[] | null {
  const cap = capacities(ctx);
  const regret = c.map((row) => {
    const sorted = row.filter(Number.isFinite).sort((a, b) => a - b);
    return sorted.length > 1 ? sorted[1] - sorted[0] : Infinity;
  });
  const order = c.map((_, n) => n).sort((a, b) => regret[b] - regret[a] || a - b);
  const out = new Array<number>(c.length).fill(-1);
  for (const n of order) {
    let best = -1;
    for (let m = 0; m < cap.length; m++) if (cap[m] > 0 && Number.isFinite(c[n][m]) && (best < 0 || c[n][m] < c[n][best])) best = m;
    if (best < 0) return null;
    out[n] = best;
    cap[best] -= 1;
  }
  return out;
}

const varName = (n: number, m: number) => `x${n}_${m}`;

/** The penalised, linearised LP at the point chi (a dense N×M matrix; unreachable pairs ignored). */
function buildLp(ctx: PaperContext, c: number[][], chi: number[][], rho: number, scale: number): LinearProgram {
  const M = ctx.instance.servers.length;
  const objective: LinearTerm[] = [];
  const rows: LinearProgram['rows'] = [];
  const bounds: NonNullable<LinearProgram['bounds']> = [];
  const perServer: LinearTerm[][] = ctx.instance.servers.map(() => []);
  c.forEach((row, n) => {
    const terms: LinearTerm[] = [];
    for (let m = 0; m < M; m++) {
      if (!Number.isFinite(row[m])) continue;
      const name = varName(n, m);
      objective.push({ name, coef: (row[m] + rho * (1 - 2 * chi[n][m])) / scale });
      bounds.push({ name, lower: 0, upper: 1 });
      terms.push({ name, coef: 1 });
      perServer[m].push({ name, coef: 1 });
    }
    rows.push({ name: `assign${n}`, terms, lower: 1, upper: 1 });
  });
  capacities(ctx).forEach((cap, m) => {
    if (perServer[m].length > cap) rows.push({ name: `cap${m}`, terms: perServer[m], upper: cap });
  });
  return { name: 'paper-association', direction: 'min', objective, rows, bounds };
}

function isBinary(chi: number[][]): boolean {
  return chi.every((row) => row.every((x) => Math.abs(x - Math.round(x)) <= BINARY_TOL));
}

function toAssignment(chi: number[][]): number[] {
  return chi.map((row) => row.indexOf(Math.max(...row)));
}

function oneHot(ctx: PaperContext, assignment: number[]): number[][] {
  const M = ctx.instance.servers.length;
  return assignment.map((a) => Array.from({ length: M }, (_, m) => (m === a ? 1 : 0)));
}

/** Concave–convex procedure from one start; null when no binary χ was reached. */
function ccp(
  ctx: PaperContext,
  c: number[][],
  start: number[][],
  rho0: number,
  scale: number,
  deadlineAt: number,
  counter: { lps: number; stoppedByTime: boolean },
): number[] | null {
  const M = ctx.instance.servers.length;
  let chi = start;
  let rho = rho0;
  let binary = false;
  for (let it = 0; it < MAX_CCP_ITERATIONS; it++) {
    if (expired(deadlineAt)) {
      counter.stoppedByTime = true;
      break;
    }
    const lp = buildLp(ctx, c, chi, rho, scale);
    const remaining = remainingMs(deadlineAt);
    const loading = LP_MS_PER_VARIABLE * lp.objective.length;
    if (remaining <= 2 * loading) {
      counter.stoppedByTime = true;
      break;
    }
    const sol = solveLinearProgram(lp, { timeLimitMs: remaining - loading });
    counter.lps += 1;
    if (sol.timeLimitReached) counter.stoppedByTime = true;
    // A time-limited LP may stop at a feasible vertex: still binary (the constraint matrix is
    // totally unimodular), so it is kept as this start's answer.
    if (sol.status !== 'optimal' && sol.status !== 'feasible') break;
    const next = c.map((row, n) =>
      Array.from({ length: M }, (_, m) => (Number.isFinite(row[m]) ? (sol.values.get(varName(n, m)) ?? 0) : 0)),
    );
    let change = 0;
    next.forEach((row, n) => row.forEach((x, m) => (change = Math.max(change, Math.abs(x - chi[n][m])))));
    chi = next;
    binary = isBinary(chi);
    if ((binary && change <= BINARY_TOL) || sol.status !== 'optimal') break;
    rho *= RHO_GROWTH;
  }
  return binary ? toAssignment(chi) : null;
}

/** Block 2: the best association found by the penalty method, or the current one. */
export function improveAssociationLp(ctx: PaperContext, current: Scored, deadlineAt: number): Block2Result {
  if (!isGlpkReady()) throw new Error('paper: GLPK is not initialised in this thread (await initGlpk() first)');
  const counter = { lps: 0, stoppedByTime: false };
  const c = pricedCosts(ctx, current);
  if (expired(deadlineAt)) return { best: current, lps: 0, stoppedByTime: true };
  let scale = 0;
  for (const row of c) scale += Math.min(...row);
  scale = scale / c.length;
  if (!(scale > 0 && Number.isFinite(scale))) scale = 1;
  const rho0 = RHO_START * scale;

  // Starting points (χ⁰, ϱ⁰). From the current χ the linearised penalty is a proximal term: a
  // device leaves its server only if its priced gain exceeds 2ϱ⁰, so a ladder of larger ϱ⁰
  // (letting only the largest predicted gains through: the largest alone, the top 1/16 and the
  // top 1/4 of the devices that want to move) guards against every device chasing the same
  // cheap server on prices that its own move will change.
  const starts: { chi: number[][]; rho0: number }[] = [{ chi: oneHot(ctx, current.server), rho0 }];
  const gains = c
    .map((row, n) => row[current.server[n]] - Math.min(...row))
    .filter((g) => g > 0)
    .sort((a, b) => b - a);
  const rungs = [1, Math.ceil(gains.length / 16), Math.ceil(gains.length / 4)];
  for (const k of [...new Set(rungs)]) {
    if (k >= gains.length) continue;
    const threshold = (gains[k - 1] + gains[k]) / 2;
    if (threshold > 2 * rho0) starts.push({ chi: oneHot(ctx, current.server), rho0: threshold / 2 });
  }
  const greedy = greedyStart(ctx, c);
  if (greedy) starts.push({ chi: oneHot(ctx, greedy), rho0 });
  starts.push({
    chi: c.map((row) => {
      const reachable = row.filter(Number.isFinite).length;
      return row.map((x) => (Number.isFinite(x) ? 1 / reachable : 0));
    }),
    rho0,
  });

  let best = current;
  const seen = new Set<string>([current.server.join(',')]);
  for (const start of starts) {
    if (counter.stoppedByTime) break;
    const assignment = ccp(ctx, c, start.chi, start.rho0, scale, deadlineAt, counter);
    if (!assignment) continue;
    const key = assignment.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const cand = score(ctx, assignment, current.alpha);
    if (cand.internal < best.internal) best = cand;
  }
  return { best, lps: counter.lps, stoppedByTime: counter.stoppedByTime };
}

/** A feasible association when the strongest-gain greedy one fails (capacities): the LP with c = 0. */
export function anyAssociation(ctx: PaperContext, deadlineAt: number): number[] | null {
  if (!isGlpkReady()) throw new Error('paper: GLPK is not initialised in this thread (await initGlpk() first)');
  const c = ctx.devices.map((d) =>
    ctx.instance.servers.map((_, m) =>
      d.model.device.gains[m] > 0 ? -d.model.device.gains[m] / Math.max(...d.model.device.gains) : Infinity,
    ),
  );
  const zero = c.map((row) => row.map(() => 0));
  const remaining = Math.max(1, remainingMs(deadlineAt));
  const sol = solveLinearProgram(buildLp(ctx, c, zero, 0, 1), { timeLimitMs: Math.max(remaining, 1000) });
  if (sol.status !== 'optimal') return null;
  const M = ctx.instance.servers.length;
  const chi = c.map((row, n) => Array.from({ length: M }, (_, m) => (Number.isFinite(row[m]) ? (sol.values.get(varName(n, m)) ?? 0) : 0)));
  return isBinary(chi) ? toAssignment(chi) : null;
}
