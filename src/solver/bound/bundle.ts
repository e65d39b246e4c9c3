// A Lagrangian bound that needs few passes: a cutting-plane model of the dual, maximised cheaply
// between exact passes.
//
// The dual (dual.ts) is g(p) = Σ_n min_m φ_nm(p_m) − Σ_m supply_m·p_m, at per-server prices p
// (bandwidth λ_m, frequency μ_m). Each φ_nm is a minimum of affine functions of its server's prices
// (one per decision: the decision's cost + λ·b + μ·f), so the decision a pass finds for a pair at
// some prices gives a cut: an affine function that lies above φ_nm everywhere and touches it
// there. A pass prices every device's pairs within a window of its cheapest (the pairs it is
// nearly indifferent between: on these instances a device has a handful within 0.1%), and keeps
// their cuts. The model
//   G(p) = Σ_n min over device n's cuts (c + a·p) − Σ_m supply_m·p_m  ≥ g(p)
// costs a few operations per cut, so it can be maximised to high accuracy between two passes
// (softmin-smoothed, projected gradient with Barzilai–Borwein steps, inside a trust box around
// the best point). The next pass evaluates g exactly at the model's maximiser (a valid bound,
// whatever the model's error) and adds its cuts; a point that proves more becomes the centre and
// the box grows, otherwise it shrinks. On the degenerate duals here (many devices indifferent
// between servers) plain supergradient steps zigzag for tens of passes; the model, which knows
// every near-indifferent pair, moves all prices at once towards where demand clears.
//
// Prices are scaled by their budget (x_m = λ_m·W_m, y_m = μ_m·F_m): a cut's slopes are then shares
// of a budget (b/W, f/F), all of order one, and the supply term is Σ (x_m + y_m).

import { newPairPrice, pricePair, type PairPrice } from '../pricing/kernel.js';
import {
  deviceFloor,
  edgeFloorAt,
  FLOOR_SLACK,
  rootPriceFloor,
  serverFloor,
  uplinkFloor,
  uplinkTangentGuess,
  type DeviceFloor,
} from '../pricing/floor.js';
import type { PlanContext } from '../pricing/member.js';
import { now } from '../clock.js';

interface BundlePrices {
  bandwidth: number[];
  frequency: number[];
}

interface BundleOptions {
  /** bundleBound: every pair priced at exactly `start` (the search's pricing pass): the first pass prices only the near-best pairs */
  priced?: ArrayLike<ArrayLike<number>>;
  /** stop once (objective − bound) ≤ tolerance·|objective| */
  tolerance: number;
  /** the objective the bound is compared with (Infinity: none) */
  objective: number;
  /** at most this many exact passes (in this call) */
  maxPasses?: number;
}

interface BundleResult {
  /** best exact dual value: a valid lower bound (−Infinity when not even one pass completed) */
  value: number;
  prices: BundlePrices;
  /** exact passes completed */
  passes: number;
  /** evaluations of the model between them (each a few operations per cut) */
  modelEvaluations: number;
}

/** Pairs within this share of a device's cheapest pair are priced exactly and give cuts. */
const WINDOW = 2e-3;
/** Cuts kept per device (the oldest go first). */
const CUTS_PER_DEVICE = 24;
/** Smoothing of the model's minimum, as a share of the device's cheapest pair. */
const SMOOTHING = 2e-6;
/** Trust box: each scaled price within ± radius·its scale of the centre. */
const FIRST_RADIUS = 0.05;
const MIN_RADIUS = 1e-5;
/** Gradient steps of the model per pass. */
const MODEL_STEPS = 150;
/**
 * Restricted to a few candidate servers per device (restrictedTop), from the dual start's prices
 * (a few % from the top): a wider first box and a coarser model climb as far per pass for less
 * (5,000 × 100, seed 1: 0.65990 after two passes with these, 0.65963 after four with the defaults;
 * 40 model steps reach per pass what 150 do, in a third of the time).
 */
const RESTRICTED_FIRST_RADIUS = 0.4;
const RESTRICTED_MODEL_STEPS = 40;

/** Cuts of one device: server, price-free cost, slopes (shares of the server's two budgets). */
export interface DeviceCuts {
  server: number[];
  cost: number[];
  shareB: number[];
  shareF: number[];
  /** the device's cheapest pair cost at the last pass (the scale of its smoothing) */
  scale: number;
}

const pair: PairPrice = newPairPrice();

/** Adds a cut to a device's: its price-free cost and its shares of the server's budgets. */
function addCut(c: DeviceCuts, server: number, cost: number, shareB: number, shareF: number): void {
  c.server.push(server);
  c.cost.push(cost);
  c.shareB.push(shareB);
  c.shareF.push(shareF);
}

/** Drops a device's oldest cuts beyond CUTS_PER_DEVICE (the model's inner loop runs over all of them). */
function keepNewestCuts(c: DeviceCuts): void {
  const excess = c.server.length - CUTS_PER_DEVICE;
  if (excess <= 0) return;
  c.server.splice(0, excess);
  c.cost.splice(0, excess);
  c.shareB.splice(0, excess);
  c.shareF.splice(0, excess);
}

/** What a pass reuses from device to device and pass to pass: each device's floor data and last bandwidth. */
interface PassMemo {
  floors: (DeviceFloor | undefined)[];
  bandwidthHz: Float64Array;
}

/**
 * One exact pass at scaled prices (x, y): g and each device's cuts within the window. `hint`: per
 * device, its cheapest server last time (priced first: a tight cutoff for the rest). Null when
 * the deadline comes first. Pairs whose floor (pricing/floor.ts: a lower bound of their cost from
 * the device's data) reaches the window are skipped unpriced, and servers are walked by ascending
 * √work floor so that the walk ends at the first whose floor reaches it, as in anytime.ts's pass.
 * With `priced` (every pair priced at exactly these prices; entries bounded away are lower
 * bounds) only the pairs within the window of a row's minimum are priced again, for their decisions.
 */
function exactPass(
  ctx: PlanContext,
  x: Float64Array,
  y: Float64Array,
  cuts: DeviceCuts[],
  hint: Int32Array,
  memo: PassMemo,
  deadlineAt: number,
  priced?: ArrayLike<ArrayLike<number>>,
  candidates = 0,
  extra?: Int32Array,
  shared?: readonly number[],
  demand?: { bandwidth: Float64Array; frequency: Float64Array },
): number | null {
  const servers = ctx.instance.servers;
  const M = servers.length;
  const N = ctx.models.length;
  const floorsAt = servers.map((s, m) => serverFloor(ctx, m, y[m] / s.frequencyHz));
  const byRootPrice = Int32Array.from(floorsAt.keys()).sort((i, j) => floorsAt[i].rootPrice - floorsAt[j].rootPrice);
  const share = Math.min(1, M / Math.max(1, N));
  let value = 0;
  for (let n = 0; n < N; n++) {
    if ((n & 31) === 31 && now() >= deadlineAt) return null;
    const dm = ctx.models[n];
    const row = priced?.[n];
    let rowMin = Infinity;
    if (row) for (const m of dm.serversByGain) rowMin = Math.min(rowMin, row[m]);
    // Restricted (candidates > 0): only the device's strongest-gain servers, each priced (as the dual
    // start prices them: no floors, which cost more to build than the few pairs they would save).
    const restricted = candidates > 0 && !row;
    const floor = restricted ? null : (memo.floors[n] ??= deviceFloor(ctx, n));
    const order = row ? dm.serversByGain : restricted ? candidatesOf(dm, candidates, extra?.[n] ?? -1, shared) : byRootPrice;
    const first = row ? -1 : hint[n];
    let best = Infinity;
    const found: { m: number; cost: number; b: number; f: number }[] = [];
    for (let k = first >= 0 ? -1 : 0; k < order.length; k++) {
      const m = k < 0 ? first : order[k];
      if (k >= 0 && (m === first || (floor !== null && floor.reachable[m] === 0))) continue;
      if (row && !(row[m] <= rowMin + WINDOW * Math.abs(rowMin))) continue;
      const s = servers[m];
      const lambda = x[m] / s.bandwidthHz;
      const mu = y[m] / s.frequencyHz;
      const cutoff = best < Infinity ? best + WINDOW * Math.abs(best) : Infinity;
      let upFloor = 0;
      if (cutoff < Infinity && floor !== null && !row) {
        // Servers come by ascending √work floor: once it reaches the cutoff, so does every later one.
        const rootFloor = rootPriceFloor(floor, floorsAt[m].rootPrice);
        if (k >= 0 && rootFloor * (1 - FLOOR_SLACK) >= cutoff) break;
        const snrHz = dm.device.gains[m] * (floor.maxPowerW / ctx.instance.noiseWPerHz);
        const guess = Number.isNaN(memo.bandwidthHz[n]) ? s.bandwidthHz * share : memo.bandwidthHz[n];
        const b0 = uplinkTangentGuess(floor.uplinkWork, snrHz, lambda, s.bandwidthHz, guess);
        upFloor = uplinkFloor(floor.uplinkWork, snrHz, lambda, s.bandwidthHz, b0);
        if ((upFloor + edgeFloorAt(floor, floorsAt[m], rootFloor)) * (1 - FLOOR_SLACK) >= cutoff) continue;
      }
      pricePair(ctx, m, n, lambda, mu, cutoff, pair, upFloor);
      // A pair bounded away costs at least the cutoff (≥ the best): it is neither the minimum nor near it.
      if (!pair.exact) continue;
      found.push({ m, cost: pair.cost, b: pair.bandwidthHz, f: pair.frequencyHz });
      if (pair.cost < best) {
        best = pair.cost;
        hint[n] = m;
        memo.bandwidthHz[n] = pair.bandwidthHz;
      }
    }
    value += best;
    if (demand && hint[n] >= 0)
      for (const p of found)
        if (p.m === hint[n] && p.cost === best) {
          demand.bandwidth[p.m] += p.b;
          demand.frequency[p.m] += p.f;
          break;
        }
    const c = cuts[n];
    c.scale = Math.abs(best);
    for (const p of found) {
      if (p.cost > best + WINDOW * Math.abs(best)) continue;
      const s = servers[p.m];
      const shareB = p.b / s.bandwidthHz;
      const shareF = p.f / s.frequencyHz;
      addCut(c, p.m, p.cost - x[p.m] * shareB - y[p.m] * shareF, shareB, shareF);
    }
    keepNewestCuts(c);
  }
  for (let m = 0; m < M; m++) value -= x[m] + y[m];
  return value;
}

/** A restricted pass's demand per budget of each device's cheapest candidate (undefined: not restricted). */
function restrictedDemand(state: BundleState): { bandwidth: Float64Array; frequency: Float64Array } | undefined {
  const M = state.ctx.instance.servers.length;
  return state.candidates > 0 ? { bandwidth: new Float64Array(M), frequency: new Float64Array(M) } : undefined;
}

/**
 * The choices a plan is made from (restrictedTop): of the restricted passes, those whose demand
 * exceeds the servers' budgets least (the sum of each budget's excess share). Near the top the model's
 * choices are those of a plan, but where a pass has just moved prices far (shared servers just added,
 * their prices still low) devices pile onto a few servers: planned, such choices were worse than the
 * greedy start (5,000 × 100 seed 2, 0.6811 against 0.6673).
 */
function keepPlanChoice(state: BundleState, demand: { bandwidth: Float64Array; frequency: Float64Array } | undefined): void {
  if (!demand) return;
  const servers = state.ctx.instance.servers;
  let overload = 0;
  servers.forEach((s, m) => {
    overload += Math.max(0, demand.bandwidth[m] / s.bandwidthHz - 1) + Math.max(0, demand.frequency[m] / s.frequencyHz - 1);
  });
  if (state.planChoice && !(overload < state.planChoice.overload)) return;
  state.planChoice = { choice: state.hint.slice(), overload };
}

/** Every device's cuts in flat arrays (device n's are at [start[n], start[n+1])), for the model's inner loop. */
interface FlatCuts {
  start: Int32Array;
  server: Int32Array;
  cost: Float64Array;
  shareB: Float64Array;
  shareF: Float64Array;
  /** per device: its smoothing temperature */
  tau: Float64Array;
  /** scratch: each cut's value, then its weight */
  v: Float64Array;
}

function flatten(cuts: DeviceCuts[]): FlatCuts {
  const N = cuts.length;
  const start = new Int32Array(N + 1);
  for (let n = 0; n < N; n++) start[n + 1] = start[n] + cuts[n].server.length;
  const total = start[N];
  const flat: FlatCuts = {
    start,
    server: new Int32Array(total),
    cost: new Float64Array(total),
    shareB: new Float64Array(total),
    shareF: new Float64Array(total),
    tau: Float64Array.from(cuts, (c) => SMOOTHING * c.scale + 1e-300),
    v: new Float64Array(total),
  };
  cuts.forEach((c, n) => {
    flat.server.set(c.server, start[n]);
    flat.cost.set(c.cost, start[n]);
    flat.shareB.set(c.shareB, start[n]);
    flat.shareF.set(c.shareF, start[n]);
  });
  return flat;
}

/** Weights under e^−30 are dropped: they change neither the value nor the gradient measurably. */
const NEGLIGIBLE = 30;

/** The smoothed model at (x, y) and its gradient (into gx, gy). */
function model(cuts: FlatCuts, x: Float64Array, y: Float64Array, gx: Float64Array, gy: Float64Array): number {
  const M = x.length;
  const N = cuts.tau.length;
  const { start, server, cost, shareB, shareF, v } = cuts;
  gx.fill(-1);
  gy.fill(-1);
  let value = 0;
  for (let m = 0; m < M; m++) value -= x[m] + y[m];
  for (let n = 0; n < N; n++) {
    const a = start[n];
    const b = start[n + 1];
    if (a === b) continue;
    let lowest = Infinity;
    for (let k = a; k < b; k++) {
      const m = server[k];
      const vk = cost[k] + x[m] * shareB[k] + y[m] * shareF[k];
      v[k] = vk;
      if (vk < lowest) lowest = vk;
    }
    const tau = cuts.tau[n];
    let sum = 0;
    for (let k = a; k < b; k++) {
      const z = (v[k] - lowest) / tau;
      const w = z > NEGLIGIBLE ? 0 : Math.exp(-z);
      v[k] = w;
      sum += w;
    }
    value += lowest - tau * Math.log(sum);
    for (let k = a; k < b; k++) {
      if (v[k] === 0) continue;
      const w = v[k] / sum;
      const m = server[k];
      gx[m] += w * shareB[k];
      gy[m] += w * shareF[k];
    }
  }
  return value;
}

/**
 * Maximise the smoothed model within the box [lo, hi], from (x, y) (changed in place): projected
 * gradient ascent, Barzilai–Borwein steps, backtracking when the model falls; stops once a step
 * gains less than `minGain`. Returns the model evaluations made.
 */
function maximiseModel(
  cuts: FlatCuts,
  x: Float64Array,
  y: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  deadlineAt: number,
  minGain: number,
  maxSteps: number,
): number {
  let evaluations = 1;
  const M = x.length;
  const gx = new Float64Array(M);
  const gy = new Float64Array(M);
  const nx = new Float64Array(M);
  const ny = new Float64Array(M);
  const ngx = new Float64Array(M);
  const ngy = new Float64Array(M);
  let value = model(cuts, x, y, gx, gy);
  let step = 0;
  for (let m = 0; m < M; m++) step = Math.max(step, hi[m] - lo[m], hi[M + m] - lo[M + m]);
  step *= 0.1;
  for (let it = 0; it < maxSteps; it++) {
    let accepted = false;
    for (let tries = 0; tries < 30; tries++) {
      // An evaluation costs a few operations per cut (milliseconds at 10,000 devices): the clock is checked before each.
      if (now() >= deadlineAt) return evaluations;
      for (let m = 0; m < M; m++) {
        nx[m] = Math.min(hi[m], Math.max(lo[m], x[m] + step * gx[m]));
        ny[m] = Math.min(hi[M + m], Math.max(lo[M + m], y[m] + step * gy[m]));
      }
      const next = model(cuts, nx, ny, ngx, ngy);
      evaluations++;
      if (next >= value) {
        // Barzilai–Borwein: the curvature seen along the step sets the next one.
        let ss = 0;
        let sy = 0;
        for (let m = 0; m < M; m++) {
          const sx = nx[m] - x[m];
          const sy2 = ny[m] - y[m];
          ss += sx * sx + sy2 * sy2;
          sy += sx * (ngx[m] - gx[m]) + sy2 * (ngy[m] - gy[m]);
        }
        const moved = ss;
        x.set(nx);
        y.set(ny);
        gx.set(ngx);
        gy.set(ngy);
        const gain = next - value;
        value = next;
        accepted = true;
        if (moved === 0 || gain <= minGain) return evaluations;
        step = sy < 0 ? ss / -sy : step * 2;
        break;
      }
      step *= 0.25;
    }
    if (!accepted) return evaluations;
  }
  return evaluations;
}

/**
 * A bound in progress, passed in and out (no hidden state): its cuts, its centre and trust radius,
 * its best point. tightenBundle() carries on where the last call stopped, so a caller can spend its
 * time in several slices without losing the cuts; recentreBundle() moves the centre to new prices
 * (a later search's), keeping the cuts, which are the dual's own (they do not depend on the search).
 */
export interface BundleState {
  readonly ctx: PlanContext;
  /**
   * the start's scaled prices, and every pair priced there (optional) until the first pass has used
   * them; `modelled`: the cuts already describe the dual around the start (seedCuts), so the first
   * pass goes to the model's maximiser instead of the start itself
   */
  start: { x: Float64Array; y: Float64Array; priced?: ArrayLike<ArrayLike<number>>; modelled?: boolean };
  cuts: DeviceCuts[];
  hint: Int32Array;
  memo: PassMemo;
  /** the best exact point so far (null before the first pass): the bound */
  best: { value: number; x: Float64Array; y: Float64Array } | null;
  /** the trust box's centre: the best exact point since the last (re)start (null until the start is evaluated) */
  centre: { value: number; x: Float64Array; y: Float64Array } | null;
  radius: number;
  /** what the last pass took (ms): the next starts only if it still fits */
  passMs: number;
  /** restricted (candidates > 0): what the last maximisation of the model took (ms), which must fit too */
  modelMs: number;
  passes: number;
  modelEvaluations: number;
  /**
   * > 0: each device is priced on its this many strongest-gain servers only. Its values are then
   * not bounds (a device's cheapest server may lie outside them): a model to find prices near the
   * dual's top cheaply, to be evaluated by a full pass (dual-start.ts).
   */
  candidates: number;
  /**
   * restricted: each device's cheapest candidate at the pass whose choices overload the servers
   * least (`hint` is the last pass's), and that overload (see keepPlanChoice)
   */
  planChoice?: { choice: Int32Array; overload: number };
  /** per device, one more server for the restricted model (−1: none): where a full pass found it cheapest */
  extra?: Int32Array;
  /**
   * servers every device of the restricted model also prices (each it reaches): those whose prices
   * the model has lowered most by its SHARED_AFTER-th pass (see sharedServers)
   */
  shared?: readonly number[];
}

/**
 * A bound to be tightened from `start` (every pair priced there, when the caller has them: the
 * first pass then prices only near-best pairs).
 */
export function createBundle(ctx: PlanContext, start: BundlePrices, priced?: ArrayLike<ArrayLike<number>>, candidates = 0): BundleState {
  const servers = ctx.instance.servers;
  return {
    ctx,
    start: {
      x: Float64Array.from(servers, (s, m) => Math.max(0, start.bandwidth[m] ?? 0) * s.bandwidthHz),
      y: Float64Array.from(servers, (s, m) => Math.max(0, start.frequency[m] ?? 0) * s.frequencyHz),
      ...(priced ? { priced } : {}),
    },
    cuts: ctx.models.map(() => ({ server: [], cost: [], shareB: [], shareF: [], scale: 0 })),
    hint: new Int32Array(ctx.models.length).fill(-1),
    memo: { floors: [], bandwidthHz: new Float64Array(ctx.models.length).fill(Number.NaN) },
    best: null,
    centre: null,
    radius: candidates > 0 ? RESTRICTED_FIRST_RADIUS : FIRST_RADIUS,
    passMs: 0,
    modelMs: 0,
    passes: 0,
    modelEvaluations: 0,
    candidates,
  };
}

/** A (device, server) decision priced elsewhere (the search's quotes): its cost at prices (λ, μ) is fixedCost + λ·b + μ·f. */
export interface PairCut {
  server: number;
  fixedCost: number;
  bandwidthHz: number;
  frequencyHz: number;
}

/** Seeded cuts kept per device: those within this share of its cheapest at the start (the trust box moves prices by a few %). */
const SEED_WINDOW = 1e-2;

/**
 * Add decisions found elsewhere (per device) to the model. Each is a real decision of its pair, so
 * its cost is an upper affine piece of that pair's priced cost and the model stays above the dual;
 * only exact passes are ever reported as the bound, whatever the cuts. Before the start is
 * evaluated (a new or recentred state without a priced matrix), the cuts stand in for the pass at
 * the start: the first pass is then at the model's maximiser, one pass sooner at the top. Each
 * device's cheapest seeded server becomes its pass hint (a tight first cutoff).
 */
export function seedCuts(state: BundleState, decisions: ArrayLike<readonly PairCut[]>): void {
  const { cuts, hint } = state;
  const servers = state.ctx.instance.servers;
  const { x, y } = state.start;
  let seeded = 0;
  for (let n = 0; n < cuts.length && n < decisions.length; n++) {
    const row = decisions[n];
    const c = cuts[n];
    let best = Infinity;
    let bestM = -1;
    let bestB = Number.NaN;
    const at = row.map((d) => {
      const v =
        d.fixedCost +
        (x[d.server] / servers[d.server].bandwidthHz) * d.bandwidthHz +
        (y[d.server] / servers[d.server].frequencyHz) * d.frequencyHz;
      if (v < best) {
        best = v;
        bestM = d.server;
        bestB = d.bandwidthHz;
      }
      return v;
    });
    if (bestM < 0) continue;
    row.forEach((d, k) => {
      if (at[k] > best + SEED_WINDOW * Math.abs(best)) return;
      const s = servers[d.server];
      addCut(c, d.server, d.fixedCost, d.bandwidthHz / s.bandwidthHz, d.frequencyHz / s.frequencyHz);
      seeded++;
    });
    keepNewestCuts(c);
    if (c.scale === 0) c.scale = Math.abs(best);
    hint[n] = bestM;
    if (Number.isNaN(state.memo.bandwidthHz[n])) state.memo.bandwidthHz[n] = bestB;
  }
  // Every device needs cuts for the model to stand in for the start's pass.
  if (state.centre === null && !state.start.priced && cuts.every((c) => c.server.length > 0) && seeded > 0) state.start.modelled = true;
}

/** Scale of each scaled price for the trust box: its own size, or a tenth of its budget's mean. */
function boxScale(v: Float64Array, m: number): number {
  let sum = 0;
  for (const e of v) sum += e;
  return Math.max(v[m], (0.1 * sum) / Math.max(1, v.length)) || 1e-12;
}

/** The trust box around `centre`: each scaled price within ± radius·its scale ([0, M) bandwidth, [M, 2M) frequency). */
function trustBox(centre: { x: Float64Array; y: Float64Array }, radius: number, M: number): { lo: Float64Array; hi: Float64Array } {
  const lo = new Float64Array(2 * M);
  const hi = new Float64Array(2 * M);
  for (let m = 0; m < M; m++) {
    const sx = boxScale(centre.x, m) * radius;
    const sy = boxScale(centre.y, m) * radius;
    lo[m] = Math.max(0, centre.x[m] - sx);
    hi[m] = centre.x[m] + sx;
    lo[M + m] = Math.max(0, centre.y[m] - sy);
    hi[M + m] = centre.y[m] + sy;
  }
  return { lo, hi };
}

/**
 * Exact passes at the model's maximisers, until the deadline, the tolerance, `maxPasses` passes in
 * this call, or the trust radius has shrunk to nothing (the model has no better point to offer).
 * A pass starts only if one, as long as the last took, still fits.
 */
export function tightenBundle(state: BundleState, deadlineAt: number, options: BundleOptions): BundleResult {
  const { ctx, cuts, hint } = state;
  const servers = ctx.instance.servers;
  const M = servers.length;
  const pricesAt = (px: Float64Array, py: Float64Array): BundlePrices => ({
    bandwidth: Array.from(px, (v, m) => v / servers[m].bandwidthHz),
    frequency: Array.from(py, (v, m) => v / servers[m].frequencyHz),
  });
  const result = (): BundleResult =>
    state.best
      ? {
          value: state.best.value,
          prices: pricesAt(state.best.x, state.best.y),
          passes: state.passes,
          modelEvaluations: state.modelEvaluations,
        }
      : { value: -Infinity, prices: pricesAt(state.start.x, state.start.y), passes: 0, modelEvaluations: 0 };
  const closeEnough = (v: number) => options.objective - v <= options.tolerance * Math.abs(options.objective);
  const maxPasses = options.maxPasses ?? Infinity;
  let passes = 0;
  const offer = (point: { value: number; x: Float64Array; y: Float64Array }) => {
    if (state.best === null || point.value > state.best.value) state.best = point;
  };
  if (state.centre === null) {
    const at = { x: state.start.x.slice(), y: state.start.y.slice() };
    if (state.start.modelled) {
      // The seeded cuts model the dual around the start: its first exact look goes to their maximiser.
      const scale = Math.abs(Number.isFinite(options.objective) ? options.objective : 0);
      const { lo, hi } = trustBox(at, state.radius, M);
      // At most half of what is left: the exact pass at its maximiser is what gives a bound.
      state.modelEvaluations += maximiseModel(
        flatten(cuts),
        at.x,
        at.y,
        lo,
        hi,
        now() + Math.max(0, deadlineAt - now()) / 2,
        1e-3 * Math.max(options.tolerance, 1e-6) * scale,
        state.candidates > 0 ? RESTRICTED_MODEL_STEPS : MODEL_STEPS,
      );
    }
    const passStart = now();
    const demand = restrictedDemand(state);
    const first = exactPass(
      ctx,
      at.x,
      at.y,
      cuts,
      hint,
      state.memo,
      deadlineAt,
      state.start.priced,
      state.candidates,
      state.extra,
      state.shared,
      demand,
    );
    if (first === null) return result();
    state.start.priced = undefined;
    state.passMs = now() - passStart;
    state.passes++;
    passes++;
    keepPlanChoice(state, demand);
    state.start.modelled = false;
    state.centre = { value: first, x: at.x, y: at.y };
    offer(state.centre);
  }
  // The model is maximised to a small part of what the tolerance allows.
  const scale = Math.abs(Number.isFinite(options.objective) ? options.objective : state.centre.value);
  const modelGain = 1e-3 * Math.max(options.tolerance, 1e-6) * scale;
  const x = new Float64Array(M);
  const y = new Float64Array(M);
  const fits = () => now() + state.passMs + (state.candidates > 0 ? state.modelMs : 0) < deadlineAt;
  while (!closeEnough(state.best!.value) && state.radius > MIN_RADIUS && passes < maxPasses && fits()) {
    const centre: { value: number; x: Float64Array; y: Float64Array } = state.centre;
    const { lo, hi } = trustBox(centre, state.radius, M);
    x.set(centre.x);
    y.set(centre.y);
    const steps = state.candidates > 0 ? RESTRICTED_MODEL_STEPS : MODEL_STEPS;
    const modelStart = now();
    state.modelEvaluations += maximiseModel(flatten(cuts), x, y, lo, hi, deadlineAt - state.passMs, modelGain, steps);
    const passStart = now();
    state.modelMs = passStart - modelStart;
    const demand = restrictedDemand(state);
    const value = exactPass(ctx, x, y, cuts, hint, state.memo, deadlineAt, undefined, state.candidates, state.extra, state.shared, demand);
    if (value === null) break;
    state.passMs = now() - passStart;
    state.passes++;
    passes++;
    keepPlanChoice(state, demand);
    const point = { value, x: x.slice(), y: y.slice() };
    offer(point);
    // (Only where SHARED_SETTLE passes still fit: their prices rise once the devices' demand for them counts.)
    const settles = now() + SHARED_SETTLE * SHARED_PASS_COST * (state.passMs + state.modelMs) < deadlineAt;
    if (state.candidates > 0 && state.shared === undefined && state.passes === SHARED_AFTER && settles)
      state.shared = sharedServers(state.start, x, y);
    if (value > centre.value) {
      state.centre = point;
      state.radius = Math.min(0.5, state.radius * 2);
    } else state.radius *= 0.3;
  }
  return result();
}

/**
 * Move the centre of `state` to `start` (e.g. a later search's prices; every pair priced there,
 * when the caller has them), keeping its cuts and its best point: the next tightenBundle evaluates
 * the start and ascends from it, with the model of every pass so far.
 */
export function recentreBundle(state: BundleState, start: BundlePrices, priced?: ArrayLike<ArrayLike<number>>): void {
  const servers = state.ctx.instance.servers;
  state.start = {
    x: Float64Array.from(servers, (s, m) => Math.max(0, start.bandwidth[m] ?? 0) * s.bandwidthHz),
    y: Float64Array.from(servers, (s, m) => Math.max(0, start.frequency[m] ?? 0) * s.frequencyHz),
    ...(priced ? { priced } : {}),
  };
  state.centre = null;
  state.radius = FIRST_RADIUS;
}

/** The bound from `start` in one call: createBundle, then tightenBundle. */
export function bundleBound(ctx: PlanContext, start: BundlePrices, deadlineAt: number, options: BundleOptions): BundleResult {
  return tightenBundle(createBundle(ctx, start, options.priced), deadlineAt, options);
}

/**
 * The restricted model's blind spot: a server that is among few devices' strongest-gain ones sees
 * little demand in the model, so the model lowers its prices, while in the full dual devices far
 * from it, for whom it is then cheap, would take it (5,000 × 100 seed 2 from fluid prices: after 7
 * passes 1,339 and 480 devices were cheapest on the two servers whose prices had fallen most, at
 * ranks 87 and 95 of their 100 by gain; the exact dual at the model's prices 0.659443). So after
 * SHARED_AFTER passes the SHARED_SERVERS servers whose prices have fallen most since the start
 * (bandwidth × frequency) join every device's candidates: the same run then ends where the exact
 * dual is 0.659760 (seed 1: 0.659972 → 0.659973), for 3 more pairs a device in the passes after.
 * Measured (exact dual at the prices 7 passes reach, seeds 1, 2): 2 servers after 3 passes
 * 0.659969, 0.659756; 4 after 3 0.659969, 0.659761; 3 after 2 0.659978, 0.659693.
 */
const SHARED_SERVERS = 3;
const SHARED_AFTER = 3;

/**
 * A pass with the shared servers, against one before: their members are new (5,000 × 100: 271 ms
 * against 170 ms, model included). Shared servers join only where SHARED_SETTLE such passes still
 * fit: at the first pass with them the model's choices pile onto them (their prices have not risen
 * yet; planned, seed 2's were 1.15, the greedy plan 0.6673), and the plans at the two after are
 * 0.660164 and 0.660226 (seed 1: 0.6762, then 0.660272 and 0.660146).
 */
const SHARED_SETTLE = 3;
const SHARED_PASS_COST = 1.6;

/** The SHARED_SERVERS servers whose prices (x, y) have fallen most from `start`'s, by the product of their ratios. */
function sharedServers(start: { x: Float64Array; y: Float64Array }, x: Float64Array, y: Float64Array): number[] {
  const ratio = (now: number, before: number) => (before > 0 ? now / before : 1);
  const fall = Array.from(x, (_, m) => ratio(x[m], start.x[m]) * ratio(y[m], start.y[m]));
  return Array.from(fall.keys())
    .sort((i, j) => fall[i] - fall[j])
    .slice(0, SHARED_SERVERS);
}

/** Passes of restrictedTop at most: at 5,000 × 100 the sixth gains under 1e-5 of the objective. */
const RESTRICTED_PASSES = 7;

/**
 * Prices near the Lagrangian dual's top, found by the cutting-plane model restricted to each
 * device's `candidates` strongest-gain servers (createBundle's `candidates`), from `start` until
 * `deadlineAt` (at most `maxPasses` passes), and each device's cheapest of them at the last pass (a
 * hint for the full pass that evaluates them) and at the pass that overloads the servers least (to
 * plan: keepPlanChoice). Not a bound: a device's cheapest server may lie outside its candidates.
 * Null when not even one pass fitted.
 */
export function restrictedTop(
  ctx: PlanContext,
  start: BundlePrices,
  /** a time, or one from what the first pass took (0 before it; −Infinity after it: give up, null) */
  deadlineAt: number | ((firstPassMs: number) => number),
  objective: number,
  candidates: number,
  extra?: Int32Array,
  maxPasses = RESTRICTED_PASSES,
): {
  prices: BundlePrices;
  /** the restricted model's value at `prices`: not a bound (see above), so named apart from one */
  restrictedValue: number;
  passes: number;
  choice: Int32Array;
  planChoice: Int32Array;
} | null {
  const state = createBundle(ctx, start, undefined, candidates);
  if (extra) state.extra = extra;
  // (A tolerance no gap can meet: the model's value is not a bound, so it never ends the ascent.)
  const options = { tolerance: 0, objective: Number.isFinite(objective) ? objective : 1e300 };
  let found: BundleResult;
  if (typeof deadlineAt === 'number') found = tightenBundle(state, deadlineAt, { ...options, maxPasses });
  else {
    // The deadline from what the first pass took (the exact pass after the model costs a few of it).
    const first = tightenBundle(state, deadlineAt(0), { ...options, maxPasses: 1 });
    const then = first.passes > 0 ? deadlineAt(state.passMs) : 0;
    // (−Infinity from the first pass's time: not worth going on.)
    if (then === -Infinity) return null;
    found = first.passes > 0 ? tightenBundle(state, then, { ...options, maxPasses: maxPasses - 1 }) : first;
  }
  return found.passes > 0
    ? {
        prices: found.prices,
        restrictedValue: found.value,
        passes: state.passes,
        choice: state.hint,
        planChoice: state.planChoice?.choice ?? state.hint,
      }
    : null;
}

/** A device's strongest-gain `k` servers, `extra` (≥ 0) and the `shared` servers it reaches, each once. */
function candidatesOf(dm: { serversByGain: readonly number[] }, k: number, extra: number, shared?: readonly number[]): number[] {
  const byGain = dm.serversByGain;
  const list = byGain.slice(0, k);
  if (extra >= 0 && !list.includes(extra)) list.push(extra);
  if (shared) for (const m of shared) if (!list.includes(m) && byGain.includes(m)) list.push(m);
  return list;
}
