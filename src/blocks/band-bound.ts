// A lower bound on the round latency from the shared band, cheap at any size (the relaxation path's
// instances are too large for the run tables, or have unequal bits). At a latency T, two
// relaxations of "Σ_k need_k ≤ W" must both hold; either failing proves T unreachable:
//
// - Per block: the device holding block j has its shallowest depth l ≤ j (so at least its compute,
//   c_k(l) ≥ c_k(j)), and need is convex in bits with need(0) = 0 (so superadditive). Hence
//   Σ_k need_k ≥ Σ_j min_k need_k(j, σ_j): every block priced on its best device, devices reused.
//   Only devices on the Pareto front of (speed, channel, memory) can be a minimum.
// - Per device: device k has at least its compute to depth J, so within T it uploads at most
//   τ_k·r_k(b_k) bits on bandwidth b_k, τ_k = T − c_k(J), and at most U_k bits (the blocks it has
//   memory for, at most cap of them). The bits that fit, max Σ_k min(τ_k r_k(b_k), U_k) over
//   Σ_k b_k ≤ W, are at most ν·W + Σ_k sup_b [min(τ_k r_k(b), U_k) − ν·b] for any price ν ≥ 0
//   (weak duality); below the model's bits this proves T unreachable.
//
// The largest T proven unreachable by bisection is the bound. Both tests are monotone in T.

import { type BlocksModel, bandwidthForRateHz, uplinkRateBps } from './cost.js';
import { solverPerformanceNow } from '../solver/control.js';

/** relative margins that keep rounding from "proving" a reachable latency unreachable */
const NEED_MARGIN = 1e-9;
const BITS_MARGIN = 1e-6;
/** the bisection stops at this relative width */
const WIDTH = 1e-4;

/** What the tests need of the instance, computed once. */
interface BandFleet {
  /** devices that can be a per-block minimum (Pareto front) */
  front: number[];
  /** most bits device k can hold (memory, cap) */
  holdBits: Float64Array;
  totalBits: number;
}

function fleetOf(model: BlocksModel, cap: number): BandFleet {
  const { K, J } = model;
  const speed = (k: number) => model.instance.devices[k].flopsPerSecond;
  // fastest first: a device is off the front when a kept one (as fast or faster) also has as good
  // a channel and memory for as shallow a depth; equal devices keep one representative
  const order = Array.from({ length: K }, (_, k) => k)
    .filter((k) => model.minDepth[k] <= J)
    .sort((a, b) => speed(b) - speed(a) || model.snrHz[b] - model.snrHz[a] || model.minDepth[a] - model.minDepth[b] || a - b);
  const front: number[] = [];
  for (const k of order) {
    if (!front.some((o) => model.snrHz[o] >= model.snrHz[k] && model.minDepth[o] <= model.minDepth[k])) front.push(k);
  }
  // the bits of the cap largest blocks at or below each shallowest depth a device can take
  const bits = model.instance.blocks.map((b) => b.bits);
  const byDepth = new Map<number, number>();
  const holdBits = Float64Array.from({ length: K }, (_, k) => {
    const l = model.minDepth[k];
    if (l > J) return 0;
    let held = byDepth.get(l);
    if (held === undefined) {
      held = bits
        .slice(l - 1)
        .sort((a, b) => b - a)
        .slice(0, cap)
        .reduce((sum, x) => sum + x, 0);
      byDepth.set(l, held);
    }
    return held;
  });
  return { front, holdBits, totalBits: model.rangeBits(1, J) };
}

/** Σ_j min_k need_k(j, σ_j) at T exceeds W. */
function perBlockUnreachable(model: BlocksModel, fleet: BandFleet, T: number): boolean {
  const W = model.instance.bandwidthHz;
  let sum = 0;
  for (let j = 1; j <= model.J; j++) {
    let least = Infinity;
    for (const k of fleet.front) {
      if (model.minDepth[k] > j) continue;
      const v = model.needHz(k, j, model.instance.blocks[j - 1].bits, T);
      if (v < least) least = v;
    }
    sum += least;
    if (sum > W * (1 + NEED_MARGIN)) return true;
  }
  return false;
}

/** ln(1 + x) − x/(1 + x): τ·r'(b)·ln2 at x = γ/b, increasing in x */
function marginal(x: number): number {
  return Math.log1p(x) - x / (1 + x);
}

/** One device's best reply to a price: the bandwidth it would take, and its surplus (written into `out`). */
interface Reply {
  surplus: number;
  bandwidthHz: number;
}

/**
 * sup_b [min(τ·r(b), U) − ν·b] for one device (snr γ): the unconstrained maximiser solves
 * τ·r'(b) = ν, i.e. marginal(x) = ν·ln2/τ with x = γ/b (safeguarded Newton in a bracket); past U
 * bits the sup is at the bandwidth that uploads exactly U.
 */
function deviceReply(tauS: number, snrHz: number, holdBits: number, priceBitsPerHz: number, out: Reply): void {
  const q = (priceBitsPerHz * Math.LN2) / tauS;
  // marginal grows like ln x − 1: past this price the device takes no bandwidth (x overflows)
  if (!(q < 700)) {
    out.surplus = 0;
    out.bandwidthHz = 0;
    return;
  }
  // marginal(e^(q+1)) ≈ q for large q: a few doublings from there bracket the root
  let xLo = 0;
  let xHi = Math.max(1, Math.exp(q + 1));
  while (marginal(xHi) < q) xHi *= 2;
  let x = xHi;
  for (let it = 0; it < 200 && xHi - xLo > 1e-14 * xHi; it++) {
    const fx = marginal(x) - q;
    if (fx > 0) xHi = x;
    else if (fx < 0) xLo = x;
    else break;
    let next = x - fx / (x / ((1 + x) * (1 + x)));
    if (!(next > xLo && next < xHi)) next = 0.5 * (xLo + xHi);
    const settled = Math.abs(next - x) <= 1e-14 * x;
    x = next;
    if (settled) break;
  }
  const b = snrHz / x;
  const bits = tauS * uplinkRateBps(b, snrHz);
  if (bits <= holdBits) {
    out.surplus = bits - priceBitsPerHz * b;
    out.bandwidthHz = b;
    return;
  }
  const bU = bandwidthForRateHz(holdBits / tauS, snrHz);
  out.surplus = holdBits - priceBitsPerHz * bU;
  out.bandwidthHz = bU;
}

/** The per-device test's state across latencies: the last price, where the next search starts. */
interface PriceSearch {
  logPrice: number;
}

/**
 * Some price ν proves that fewer than the model's bits fit at T. The dual is convex in ν with
 * slope W − Σ_k b_k(ν): bisection on log ν towards Σ b_k = W, around the last latency's price (any
 * ν gives a valid bound; a poor one only a weaker test).
 */
function perDeviceUnreachable(model: BlocksModel, fleet: BandFleet, T: number, prices: PriceSearch, deadline: number): boolean {
  const W = model.instance.bandwidthHz;
  const { K, J } = model;
  const tau = new Float64Array(K);
  let any = false;
  for (let k = 0; k < K; k++) {
    tau[k] = model.minDepth[k] <= J && fleet.holdBits[k] > 0 ? T - model.computeS(k, J) : 0;
    if (tau[k] > 0) any = true;
  }
  if (!any) return true;
  const reply: Reply = { surplus: 0, bandwidthHz: 0 };
  const warm = Number.isFinite(prices.logPrice);
  let lo = warm ? prices.logPrice - 4 : -80;
  let hi = warm ? prices.logPrice + 4 : 80;
  for (let it = 0; it < 40 && hi - lo > 1e-3 && solverPerformanceNow() < deadline; it++) {
    const logPrice = 0.5 * (lo + hi);
    const nu = Math.exp(logPrice);
    let upper = nu * W;
    let bandwidth = 0;
    for (let k = 0; k < K; k++) {
      if (!(tau[k] > 0)) continue;
      deviceReply(tau[k], model.snrHz[k], fleet.holdBits[k], nu, reply);
      if (reply.surplus > 0) {
        upper += reply.surplus;
        bandwidth += reply.bandwidthHz;
      }
    }
    prices.logPrice = logPrice;
    if (upper < fleet.totalBits * (1 - BITS_MARGIN)) return true;
    if (bandwidth > W) lo = logPrice;
    else hi = logPrice;
  }
  return false;
}

/** Largest latency in [lowerS, upperS] the band proves unreachable (lowerS when none), by the deadline. */
export function bandBoundS(model: BlocksModel, cap: number, lowerS: number, upperS: number, deadline: number): number {
  const fleet = fleetOf(model, cap);
  const prices: PriceSearch = { logPrice: NaN };
  const unreachable = (T: number) => perBlockUnreachable(model, fleet, T) || perDeviceUnreachable(model, fleet, T, prices, deadline);
  let lo = lowerS;
  let hi = upperS;
  for (let it = 0; it < 40 && hi - lo > WIDTH * hi && solverPerformanceNow() < deadline; it++) {
    const T = 0.5 * (lo + hi);
    if (unreachable(T)) lo = T;
    else hi = T;
  }
  return lo;
}
