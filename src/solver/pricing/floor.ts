// Cheap lower bounds on a (device, server) pair's priced cost, from the device's own data, the
// channel gain and the server's prices: a few logarithms and square roots, no member built and no
// root solved. A dual pass skips every pair whose floor already reaches the device's cheapest
// exact pair (the floor is a lower bound of the pair's cost, so the minimum is unchanged). On the
// generated instances the edge term is most of a pair's cost and its floor is within ~0.5% of it,
// so nearly every pair is skipped; the uplink floor matters where the uplink is a larger share.
//
// The priced cost of a pair is min over candidates j of
//   fixed_j + uplink_k(j)(b, p) + λ·b + edge_j(f) + μ·f + migration,
// and each part is bounded below separately:
// - edge: load·(w/f + eκ·f²) + μ·f ≥ 2·√(load·w·μ) (AM–GM, any f), and ≥ load·max(w/F, min_f(w/f + eκf²));
//   both are k·√work_j or c·work_j for per-server k, c, so min_j fixed_j + (either) is a lower
//   envelope of lines, precomputed once per device (DeviceFloor.sqrtHull, .linearHull);
// - uplink: at any power p ≤ p^max the rate is at most r(b) = b·log2(1 + g·p^max/(N0·b)), which is
//   concave in b, so below its tangent A + B·b at any b0; with the energy term dropped,
//   bits·a/(A + B·b) + λ·b has a closed-form minimum. Tight (to second order) when b0 is near the
//   pair's optimal bandwidth.

import type { PlanContext } from './member.js';
import { choicesOf } from './member.js';
import { interiorUplinkInto } from '../resources/uplink.js';

/** Per-device data of the floors: built once per device, a few numbers and two short hulls. */
export interface DeviceFloor {
  /** bits × uplink delay weight of the lightest uplink kind (0 when the uplink delay is not priced) */
  uplinkWork: number;
  /** device's maximum transmit power, W */
  maxPowerW: number;
  /** the device's weight on edge delay (the floors' per-device factor) */
  delayWeight: number;
  /** √delayWeight, kept so the floors' inner loop takes no root */
  rootWeight: number;
  /** delayWeight^(2/3), likewise */
  weightTwoThirds: number;
  /** lines (fixed_j, √work_j) of the lower envelope min_j fixed_j + k·√work_j over k ≥ 0, flattened */
  sqrtHull: Float64Array;
  /** lines (fixed_j, work_j) of the lower envelope min_j fixed_j + c·work_j over c ≥ 0, flattened */
  linearHull: Float64Array;
  /** 1 for the servers the device may use (its DeviceModel.servers) */
  reachable: Uint8Array;
  /**
   * Offset in linearHull of the line that was lowest when that envelope was last evaluated in full
   * (see edgeFloorAt): a hint, which only decides whether the envelope is evaluated, never its value.
   */
  linearHint: number;
}

/**
 * Lines a + v·k (flattened pairs) that attain min over all lines at some k ≥ 0 (the convex-hull
 * trick). A line is only dropped when another is provably no higher for every k ≥ 0 (up to a
 * relative margin against rounding): keeping an extra line costs a multiply, while dropping the
 * minimiser would make the floor too high, which would make the bound invalid.
 */
export function lowerEnvelope(a: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) && Number.isFinite(v[i]) && v[i] >= 0) idx.push(i);
  // Slope descending, then intercept ascending: the envelope's lines in order of increasing k.
  // (Lines of one edge group come in that order already: the sort is skipped when it would not move any.)
  const before = (i: number, j: number) => v[j] - v[i] || a[i] - a[j];
  let sorted = true;
  for (let t = 1; t < idx.length && sorted; t++) sorted = before(idx[t - 1], idx[t]) <= 0;
  if (!sorted) idx.sort(before);
  const st: number[] = [];
  const margin = 1e-12;
  // (the slack is the caller's: see FLOOR_SLACK)
  for (const i of idx) {
    const top = st[st.length - 1];
    // Same slope: the later has the larger intercept and never wins.
    if (top !== undefined && v[i] === v[top]) continue;
    // The top (steeper) line with an intercept no smaller is never lower for k ≥ 0.
    while (st.length > 0 && a[i] <= a[st[st.length - 1]]) st.pop();
    while (st.length >= 2) {
      const l1 = st[st.length - 2];
      const l2 = st[st.length - 1];
      // l2 never wins when l3 (= i) meets l1 no later than l2 does: x13 ≤ x12, cross-multiplied.
      // Collinear lines (x13 = x12 up to rounding: lines linear in the split) keep only their
      // ends; what rounding can hide in between is far below FLOOR_SLACK.
      const lhs = (a[i] - a[l1]) * (v[l1] - v[l2]);
      const rhs = (a[l2] - a[l1]) * (v[l1] - v[i]);
      if (lhs <= rhs + margin * (Math.abs(lhs) + Math.abs(rhs))) st.pop();
      else break;
    }
    st.push(i);
  }
  const hull = new Float64Array(st.length * 2);
  st.forEach((i, t) => {
    hull[2 * t] = a[i];
    hull[2 * t + 1] = v[i];
  });
  return hull;
}

/**
 * Relative slack callers take off a floor before comparing it with a cutoff: covers rounding in
 * the envelopes (and in the pair's own exact cost), so a floor never exceeds the true minimum.
 */
export const FLOOR_SLACK = 1e-9;

/** min over the hull's lines of a + v·k. */
export function envelopeAt(hull: Float64Array, k: number): number {
  let best = Infinity;
  for (let t = 0; t < hull.length; t += 2) {
    const y = hull[t] + hull[t + 1] * k;
    if (y < best) best = y;
  }
  return best;
}

export function deviceFloor(ctx: PlanContext, device: number): DeviceFloor {
  const c = choicesOf(ctx, device);
  const d = c.model.device;
  const fixed: number[] = [];
  const rootWork: number[] = [];
  const work: number[] = [];
  let lightestBits = Infinity;
  for (const g of c.groups) {
    for (let i = 0; i < g.candidates.length; i++) {
      fixed.push(g.fixed[i]);
      work.push(g.work[i]);
      rootWork.push(Math.sqrt(g.work[i]));
    }
    const opt = c.model.options[c.candidates[g.candidates[0]].option];
    lightestBits = Math.min(lightestBits, opt.work.stepMultiplier * opt.work.uplinkBits);
  }
  return {
    uplinkWork: Number.isFinite(lightestBits) ? lightestBits * c.delayWeights.uplink : 0,
    maxPowerW: d.maxPowerW,
    delayWeight: c.computeDelayWeight,
    rootWeight: Math.sqrt(c.computeDelayWeight),
    weightTwoThirds: Math.cbrt(c.computeDelayWeight * c.computeDelayWeight),
    sqrtHull: lowerEnvelope(fixed, rootWork),
    linearHull: lowerEnvelope(fixed, work),
    reachable: reachableMask(ctx.instance.servers.length, c.model.servers),
    linearHint: 0,
  };
}

function reachableMask(count: number, servers: number[]): Uint8Array {
  const mask = new Uint8Array(count);
  for (const m of servers) mask[m] = 1;
  return mask;
}

/** ψ(z) = ln(1+z) − z/(1+z), with its series where the difference cancels. */
function psi(z: number): number {
  return z < 1e-3 ? z * z * (0.5 - (2 / 3) * z + 0.75 * z * z - 0.8 * z * z * z) : Math.log1p(z) - z / (1 + z);
}

/**
 * A lower bound of min over b ∈ (0, W] of work/r(b) + price·b, r(b) = b·log2(1 + snrHz/b)
 * (snrHz = g·p^max/N0), from r's tangent at `atHz`: any atHz gives a valid bound, one near the
 * minimiser a tight one.
 */
export function uplinkFloor(work: number, snrHz: number, price: number, bandwidthHz: number, atHz: number): number {
  if (!(work > 0)) return 0;
  const b0 = Math.min(bandwidthHz, Math.max(bandwidthHz * 1e-12, atHz));
  const x = snrHz / b0;
  const slope = psi(x) / Math.LN2; // r'(b0)
  const intercept = (b0 * (x / (1 + x))) / Math.LN2; // r(b0) − b0·r'(b0) ≥ 0
  let b = bandwidthHz;
  if (price > 0 && slope > 0) {
    b = (Math.sqrt((work * slope) / price) - intercept) / slope;
    b = Math.min(bandwidthHz, Math.max(0, b));
  }
  const line = intercept + slope * b;
  if (!(line > 0)) return 0;
  return work / line + (price > 0 ? price * b : 0);
}

/** Where to take the tangent: the stationary b of work/(b·L) + price·b with L the log-rate near `guessHz`. */
export function uplinkTangentGuess(work: number, snrHz: number, price: number, bandwidthHz: number, guessHz: number): number {
  if (!(price > 0) || !(work > 0)) return bandwidthHz;
  let b = guessHz;
  for (let i = 0; i < 2; i++) {
    const bitsPerHz = Math.log1p(snrHz / b) / Math.LN2;
    b = Math.min(bandwidthHz, Math.max(bandwidthHz * 1e-12, Math.sqrt(work / (price * bitsPerHz))));
  }
  return b;
}

/** Per-server constants of the edge floors at the server's frequency price (see file header). */
export interface ServerFloor {
  /** 2·√(loadScale·μ): times √(delayWeight) gives the k of the √work envelope */
  rootPrice: number;
  /** loadScale / F and loadScale·(2eκ)^(1/3) (see edgeFloor) */
  perCapacity: number;
  perKappa: number;
}

export function serverFloor(ctx: PlanContext, server: number, frequencyPrice: number): ServerFloor {
  const s = ctx.instance.servers[server];
  const loadScale = 1 / (s.cores * s.flopsPerCycle);
  const eKappa = ctx.weights.energy * s.kappa;
  return {
    rootPrice: frequencyPrice > 0 ? 2 * Math.sqrt(loadScale * frequencyPrice) : 0,
    perCapacity: loadScale / s.frequencyHz,
    perKappa: eKappa > 0 ? loadScale * 1.5 * Math.cbrt(2 * eKappa) : 0,
  };
}

/**
 * The √work envelope alone at a server constant: non-decreasing in rootPrice, so a floor for every
 * server whose rootPrice is at least this one's.
 */
export function rootPriceFloor(f: DeviceFloor, rootPrice: number): number {
  return envelopeAt(f.sqrtHull, rootPrice * f.rootWeight);
}

/**
 * Lower bound of a pair's priced cost, edge and fixed parts only:
 * min_j fixed_j + edge_j ≥ max(envelope in √work at k, envelope in work at c).
 */
export function edgeFloor(f: DeviceFloor, s: ServerFloor): number {
  return edgeFloorAt(f, s, rootPriceFloor(f, s.rootPrice));
}

/**
 * edgeFloor given its √work envelope, rootPriceFloor(f, s.rootPrice) (callers that have just
 * computed it for their own test). The envelope in work is a minimum over lines, so any one line
 * at or below the √work envelope settles the max without the others: the line that was lowest last
 * time (f.linearHint) usually does. The same value as evaluating both envelopes in full.
 */
export function edgeFloorAt(f: DeviceFloor, s: ServerFloor, sqrtFloor: number): number {
  const c = Math.max(f.delayWeight * s.perCapacity, s.perKappa * f.weightTwoThirds);
  const hull = f.linearHull;
  const t = f.linearHint;
  if (t < hull.length && hull[t] + hull[t + 1] * c <= sqrtFloor) return sqrtFloor;
  let best = Infinity;
  let at = 0;
  for (let i = 0; i < hull.length; i += 2) {
    const y = hull[i] + hull[i + 1] * c;
    if (y < best) {
      best = y;
      at = i;
    }
  }
  f.linearHint = at;
  return Math.max(sqrtFloor, best);
}

/** The least constants over servers (each minimised on its own): edgeFloor at them bounds edgeFloor at any of them. */
export function leastServerFloor(servers: readonly ServerFloor[]): ServerFloor {
  const least: ServerFloor = { rootPrice: Infinity, perCapacity: Infinity, perKappa: Infinity };
  for (const s of servers) {
    least.rootPrice = Math.min(least.rootPrice, s.rootPrice);
    least.perCapacity = Math.min(least.perCapacity, s.perCapacity);
    least.perKappa = Math.min(least.perKappa, s.perKappa);
  }
  return least;
}

/**
 * One floor for a whole group of a device's servers: the uplink floor at the group's strongest
 * SNR (snrHz), lowest bandwidth price and widest band, plus the edge floor at the group's least
 * server constants. Valid for every pair of the group because the priced uplink falls as the SNR
 * and the band grow and rises with the price, and both edge envelopes rise with their constants;
 * the seat price is the caller's. Any `atHz` is valid (see uplinkFloor).
 */
export function groupFloor(
  f: DeviceFloor,
  snrHz: number,
  bandwidthPrice: number,
  bandwidthHz: number,
  least: ServerFloor,
  atHz: number,
): number {
  const b0 = uplinkTangentGuess(f.uplinkWork, snrHz, bandwidthPrice, bandwidthHz, atHz);
  return uplinkFloor(f.uplinkWork, snrHz, bandwidthPrice, bandwidthHz, b0) + edgeFloor(f, least);
}

const interiorScratch = new Float64Array(3);

/**
 * A tighter uplink floor of pair (device, server) at bandwidth price `price`: each uplink kind's
 * exact priced uplink where its optimum is interior (interiorUplinkInto: the closed form the pricing
 * kernel itself takes as the pair's uplink, energy included, which uplinkFloor drops), `tangent`
 * (a valid floor of every kind, e.g. uplinkFloor's) for a kind whose optimum is not interior; the
 * least over the device's kinds, as each candidate pays its own kind's uplink. Never below
 * `tangent`. It costs about what uplinkFloor does per kind, so callers take it only for pairs the
 * cheaper floor did not settle (the priced uplink of near-tied pairs is where most of the floors'
 * slack is: at 1,000 × 50 at an earlier answer's dual prices, about three quarters of the head pairs
 * the cheap floors left were settled by their exact uplink, a fifth by their exact edge cost).
 */
export function interiorUplinkFloor(ctx: PlanContext, device: number, server: number, price: number, tangent: number): number {
  const c = choicesOf(ctx, device);
  const gain = c.model.device.gains[server];
  const capHz = ctx.instance.servers[server].bandwidthHz;
  let least = Infinity;
  for (const base of [c.bpBase, c.zoBase]) {
    if (base === null) continue;
    const up = interiorUplinkInto(base, gain, price, capHz, interiorScratch) ? interiorScratch[0] : tangent;
    least = Math.min(least, up);
    if (least <= tangent) return tangent;
  }
  return Number.isFinite(least) ? Math.max(tangent, least) : tangent;
}
