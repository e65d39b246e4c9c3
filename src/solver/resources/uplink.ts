// One device's uplink: cost = bits·(a + e·p)/r(b, p) with r = b·log2(1 + g·p/(N0·b)).
// For a fixed bandwidth the cost is quasi-convex in power with a closed-form stationary SNR;
// as a function of bandwidth (power re-optimised) it is convex and decreasing, which is what
// lets one multiplier per server price the bandwidth budget exactly.

import { inversePhi, rootDecreasingLog } from '../math/numeric.js';

export interface UplinkParams {
  /** bits per step times the step multiplier */
  bits: number;
  gain: number;
  noiseWPerHz: number;
  powerLoW: number;
  powerHiW: number;
  /** weight on uplink delay (0 when the objective omits it and no deadline binds) */
  delayWeight: number;
  energyWeight: number;
  /** memo of where the optimal power leaves its bounds (filled on first use) */
  regime?: PowerRegime;
}

/** Smallest share a device is ever given, relative to the server's bandwidth: keeps rates finite. */
export const MIN_SHARE = 1e-12;

function optimalPowerW(u: UplinkParams, bandwidthHz: number): number {
  if (u.energyWeight <= 0) return u.powerHiW;
  // Stationarity of (a + e·p)/r in the SNR x: Φ(x) = (1+x)ln(1+x) − x = a·g/(b·e·N0).
  const snr = inversePhi((u.delayWeight * u.gain) / (bandwidthHz * u.energyWeight * u.noiseWPerHz));
  const p = (snr * u.noiseWPerHz * bandwidthHz) / u.gain;
  return Math.min(u.powerHiW, Math.max(u.powerLoW, p));
}

export function rateBps(u: UplinkParams, bandwidthHz: number, powerW: number): number {
  return (bandwidthHz * Math.log1p((u.gain * powerW) / (u.noiseWPerHz * bandwidthHz))) / Math.LN2;
}

export function uplinkCost(u: UplinkParams, bandwidthHz: number): { cost: number; powerW: number } {
  const powerW = optimalPowerW(u, bandwidthHz);
  const cost = (u.bits * (u.delayWeight + u.energyWeight * powerW)) / rateBps(u, bandwidthHz, powerW);
  return { cost, powerW };
}

/** d cost / d bandwidth (≤ 0), by the envelope theorem at the optimal power. */
export function uplinkSlope(u: UplinkParams, bandwidthHz: number): number {
  const p = optimalPowerW(u, bandwidthHz);
  const x = (u.gain * p) / (u.noiseWPerHz * bandwidthHz);
  return -negSlopeAt(u, bandwidthHz, p);
}

/**
 * d²cost/db² at bandwidth b in closed form where the optimal power there is interior (strictly between
 * its bounds), else NaN. With interior power the SNR x solves Φ(x) = k/b and −dU/db = C·Φ(x)²/ln(1+x)
 * (powerRegime); with db/dx = −k·ln(1+x)/Φ(x)² this gives U″(b) = C·Φ³·(2·ln²(1+x) − Φ/(1+x)) / (k·ln³(1+x)):
 * one inversePhi where a central difference of uplinkSlope takes two, each with its power.
 */
export function uplinkCurvature(u: UplinkParams, bandwidthHz: number): number {
  if (!(u.energyWeight > 0 && u.delayWeight > 0 && bandwidthHz > 0)) return NaN;
  const r = powerRegime(u);
  const x = inversePhi(r.k / bandwidthHz);
  const f = phi(x);
  const p = (r.ratio * x) / f;
  if (!(p > u.powerLoW && p < u.powerHiW)) return NaN;
  return curvatureAtSnr(u, x);
}

/**
 * uplinkCurvature at the bandwidth k/Φ(x) of interior SNR x, the power there being interior (as where
 * pricedUplinkInto and interiorUplinkInto leave their SNR in out[2]): no root to solve.
 */
export function curvatureAtSnr(u: UplinkParams, x: number): number {
  const r = powerRegime(u);
  const f = phi(x);
  const l = Math.log1p(x);
  return (r.c * f * f * f * (2 * l * l - f / (1 + x))) / (r.k * l * l * l);
}

/** Φ(x) = (1+x)·ln(1+x) − x, with its series where the closed form cancels. */
function phi(x: number): number {
  return x < 1e-4 ? (x * x) / 2 - (x * x * x) / 6 + (x * x * x * x) / 12 : (1 + x) * Math.log1p(x) - x;
}

/** −d cost/d b at a fixed power. */
function negSlopeAt(u: UplinkParams, b: number, p: number): number {
  // dr/db = ψ(x)/ln2 with ψ(x) = ln(1+x) − x/(1+x) (series at low SNR, where it cancels).
  const x = (u.gain * p) / (u.noiseWPerHz * b);
  const r = (b * Math.log1p(x)) / Math.LN2;
  return (u.bits * (u.delayWeight + u.energyWeight * p) * (psi(x) / Math.LN2)) / (r * r);
}

/**
 * Where the optimal power leaves its bounds. With interior power the SNR x satisfies
 * Φ(x) = a·g/(b·e·N0), so b(x) = a·g/(e·N0·Φ(x)) and p(x) = (a/e)·x/Φ(x): both explicit in x,
 * decreasing in x. Below bandwidth bLo the power sits at its minimum, above bHi at its maximum.
 */
export interface PowerRegime {
  /** the ends, NaN until the general path first needs them (bandsOf) */
  bLo: number;
  bHi: number;
  /** a/e: the interior power is ratio·x/Φ(x) */
  ratio: number;
  /** k = a·g/(e·N0): b = k/Φ(x) with interior power */
  k: number;
  /** C = bits·a·ln2/k²: with interior power −dU/db = C·Φ(x)²/ln(1+x) */
  c: number;
  /** ln C */
  logC: number;
  /**
   * Price-independent parts of bandwidthForPrice for the last band capHz it saw: the regime's
   * ends clamped to [MIN_SHARE·capHz, capHz] and −slope there (NaN where the test is not made)
   */
  capHz: number;
  a: number;
  b: number;
  slopeA: number;
  slopeB: number;
}

/**
 * The interior regime's constants, memoised on the parameter object itself (a WeakMap lookup costs
 * more than it saves here). Its ends are left to bandsOf: on the usual path the interior SNR is
 * solved first and its power checked against the bounds, which needs neither.
 */
function powerRegime(u: UplinkParams): PowerRegime {
  let r = u.regime;
  if (r) return r;
  const k = (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz);
  const c = (u.bits * u.delayWeight * Math.LN2) / (k * k);
  r = {
    bLo: NaN,
    bHi: NaN,
    ratio: u.delayWeight / u.energyWeight,
    k,
    c,
    logC: Math.log(c),
    capHz: NaN,
    a: NaN,
    b: NaN,
    slopeA: NaN,
    slopeB: NaN,
  };
  u.regime = r;
  return r;
}

/** powerRegime with its ends, and their band-dependent parts for `capHz` (recomputed only when the band changes). */
function bandsOf(u: UplinkParams, capHz: number): PowerRegime {
  const r = powerRegime(u);
  if (r.capHz === capHz) return r;
  if (Number.isNaN(r.bLo)) {
    r.bLo = r.k / phi(snrForPower(r.ratio, u.powerLoW));
    r.bHi = r.k / phi(snrForPower(r.ratio, u.powerHiW));
  }
  const lo = capHz * MIN_SHARE;
  r.a = Math.max(lo, Math.min(capHz, r.bLo));
  r.b = Math.max(lo, Math.min(capHz, r.bHi));
  r.slopeA = r.a > lo ? negSlopeAt(u, r.a, u.powerLoW) : NaN;
  r.slopeB = r.b < capHz ? negSlopeAt(u, r.b, u.powerHiW) : NaN;
  r.capHz = capHz;
  return r;
}

/**
 * The optimal bandwidth when it is interior (both weights and the price positive, the power strictly
 * between its bounds, the bandwidth strictly inside the band), else NaN. The interior SNR x solves
 * the price equation of interior power whatever the regime; the priced optimum is interior exactly
 * when its power ratio·x/Φ(x) lies strictly between the bounds (the power rises with b) and its
 * bandwidth k/Φ(x) inside the band, so the regime's ends (a Newton solve each) are not needed here.
 * The SNR is left in snrOut[0].
 */
function interiorBandwidth(u: UplinkParams, price: number, capHz: number): number {
  if (!(price > 0 && u.delayWeight > 0 && u.energyWeight > 0)) return NaN;
  const r = powerRegime(u);
  const x = fastInteriorSnr(Math.log(price) - r.logC, price / r.c);
  const b = interiorAt(x, r.k, r.ratio, u.powerLoW, u.powerHiW, capHz);
  if (!Number.isNaN(b)) snrOut[0] = x;
  return b;
}

/**
 * The bandwidth k/Φ(x) at fastInteriorSnr's root x (Φ(x) in phiOut[0]) when the optimum there is
 * interior: its power ratio·x/Φ(x) strictly between the bounds and the bandwidth strictly inside the
 * band; else NaN (and NaN for a NaN x).
 */
function interiorAt(x: number, k: number, ratio: number, powerLoW: number, powerHiW: number, capHz: number): number {
  if (Number.isNaN(x)) return NaN;
  const f = phiOut[0];
  const b = k / f;
  const p = (ratio * x) / f;
  return p > powerLoW && p < powerHiW && b > capHz * MIN_SHARE && b < capHz ? b : NaN;
}

/**
 * What a pair's uplink shares with every server of its device: UplinkParams without the gain, and
 * the interior regime's constants per unit of gain (k = kPerGain·g, price/C = price·g²·qPerGain2).
 */
export interface UplinkBase {
  bits: number;
  powerLoW: number;
  powerHiW: number;
  delayWeight: number;
  /** a/e */
  ratio: number;
  /** a/(e·N0) */
  kPerGain: number;
  /** kPerGain²/(bits·a·ln2) */
  qPerGain2: number;
  /** bits·a·ln2 */
  costScale: number;
}

/** The gain-free part of `u` (its gain is ignored). */
export function uplinkBase(u: UplinkParams): UplinkBase {
  const kPerGain = u.delayWeight / (u.energyWeight * u.noiseWPerHz);
  const costScale = u.bits * u.delayWeight * Math.LN2;
  return {
    bits: u.bits,
    powerLoW: u.powerLoW,
    powerHiW: u.powerHiW,
    delayWeight: u.delayWeight,
    ratio: u.delayWeight / u.energyWeight,
    kPerGain,
    qPerGain2: (kPerGain * kPerGain) / costScale,
    costScale,
  };
}

/**
 * pricedUplinkInto for the pair (device of `base`, server of `gain`) when its optimum is interior
 * (interiorBandwidth's test), from the device's data and the gain alone: no per-pair object is read
 * or built (on large instances those are scattered over memory, and most pairs of a pass are new).
 * False, with out untouched, when it is not interior or either weight or the price is not positive:
 * the caller then takes pricedUplinkInto on the pair's own UplinkParams. The SNR goes to out[2].
 */
export function interiorUplinkInto(base: UplinkBase, gain: number, price: number, capHz: number, out: Float64Array): boolean {
  if (!(price > 0 && base.delayWeight > 0 && base.ratio > 0 && base.ratio < Infinity && gain > 0)) return false;
  const q = price * gain * gain * base.qPerGain2;
  const x = fastInteriorSnr(Math.log(q), q);
  const k = base.kPerGain * gain;
  const b = interiorAt(x, k, base.ratio, base.powerLoW, base.powerHiW, capHz);
  if (Number.isNaN(b)) return false;
  out[0] = (base.costScale * (1 + x)) / k + price * b;
  out[1] = b;
  out[2] = x;
  return true;
}

/** interiorBandwidth's SNR (a typed slot). */
const snrOut = new Float64Array(1);

/** Below powerW/ratio = 1/NO_ROOT_BELOW the interior power's equation has no root among doubles. */
const NO_ROOT_BELOW = 1000;

/**
 * The SNR x at which the interior optimal power (a/e)·x/Φ(x) equals pW. ln(x/Φ(x)) falls with
 * ln x with slope in [−1, 0) (−1 at low SNR, −1/ln x at high): Newton in ln x from the low-SNR
 * asymptote x ≈ 2·(a/e)/p, Brent when it does not settle.
 */
function snrForPower(ratio: number, powerW: number): number {
  // No double is a root here: x/Φ(x) ≈ 1/(ln x − 1) stays above 1/702 wherever Φ(x) is finite, so
  // Newton cannot settle (|step| ≥ |h| ≥ ln(1000/702)) and would spend its 60 steps before the same
  // bracketing call (a pinned minimum power of 1e-9 W hits this on every pair: ~2 ms a 50 × 10 solve).
  if (powerW * NO_ROOT_BELOW < ratio) return rootDecreasingLog((x) => (ratio * x) / phi(x) - powerW, 1e-150, 1e150, 1e-14);
  const target = Math.log(powerW / ratio);
  let t = Math.log(2 / Math.max(powerW / ratio, 1e-300));
  for (let i = 0; i < 60; i++) {
    const x = Math.exp(t);
    const f = phi(x);
    const h = t - Math.log(f) - target;
    const dh = 1 - (x * Math.log1p(x)) / f;
    if (!(dh < 0) || !Number.isFinite(h)) break;
    const step = h / dh;
    t -= Math.max(-5, Math.min(5, step));
    if (Math.abs(step) <= 1e-12) return Math.exp(t);
  }
  return rootDecreasingLog((x) => (ratio * x) / phi(x) - powerW, 1e-150, 1e150, 1e-14);
}

/** Price equation of one power regime: 0 = power at its minimum, 1 = at its maximum (both in b), 2 = interior (in the SNR x). */
type Regime = 0 | 1 | 2;

/** −slope − price in the regime's variable: decreasing in b (regimes 0, 1), increasing in x (regime 2). */
function excess(u: UplinkParams, regime: Regime, v: number, price: number): number {
  if (regime === 0) return negSlopeAt(u, v, u.powerLoW) - price;
  if (regime === 1) return negSlopeAt(u, v, u.powerHiW) - price;
  const f = phi(v);
  const k = (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz);
  // b(x) = k/Φ(x) falls as x rises: written as a decreasing function of x, like the others.
  return price - negSlopeAt(u, k / f, ((u.delayWeight / u.energyWeight) * v) / f);
}

/** Root of the decreasing excess(v) on [lo, hi]: the bracketing fallback when Newton does not settle. */
function regimeRoot(u: UplinkParams, regime: Regime, price: number, lo: number, hi: number, relTol: number): number {
  return rootDecreasingLog((v) => excess(u, regime, v, price), lo, hi, relTol);
}

/**
 * Relative tolerance of the optimal bandwidth: the cost is flat at its minimum, so an error ε in
 * b moves it by O(ε²) (1e-20 here); tighter only costs time in the hottest loop of the solver.
 */
const BANDWIDTH_TOL = 1e-10;

/**
 * Interior power: with x the SNR, −dU/db = C·Φ(x)²/ln(1+x), C = bits·a·ln2/k², k = a·g/(e·N0)
 * (substitute b = k/Φ(x), p = (a/e)·x/Φ(x) into the slope). Its log is smooth, increasing and
 * nearly linear in ln x (slope 3 for small x, 2 for large), so Newton in ln x converges in a few
 * steps from the asymptotic guess. NaN if it does not (the caller then brackets).
 */
function interiorSnr(u: UplinkParams, price: number): number {
  const k = (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz);
  const target = Math.log(price) - Math.log((u.bits * u.delayWeight * Math.LN2) / (k * k));
  let t = snrStart(target);
  for (let i = 0; i < 40; i++) {
    const step = snrNewtonStep(t, target);
    if (Number.isNaN(step)) return NaN;
    t -= Math.max(-5, Math.min(5, step));
    if (Math.abs(step) <= NEWTON_TOL) return Math.exp(t);
  }
  return NaN;
}

/** Newton's start for the root t of 2·ln Φ(e^t) − ln ln(1+e^t) = target: its asymptotes (slope 3 below 0, 2 above). */
function snrStart(target: number): number {
  return target < 0 ? (target + Math.log(4)) / 3 : target / 2;
}

/**
 * Newton's step in t for 2·ln Φ(e^t) − ln ln(1+e^t) = target (interiorSnr's and snrRootOfTarget's
 * one equation); NaN where the slope is not positive or the residual not finite.
 */
function snrNewtonStep(t: number, target: number): number {
  const x = Math.exp(t);
  const l = Math.log1p(x);
  const f = phi(x);
  const h = 2 * Math.log(f) - Math.log(l) - target;
  const dh = interiorSlope(x, l, f);
  return dh > 0 && Number.isFinite(h) ? h / dh : NaN;
}

/**
 * d/dt of the interior price equation's log, 2·ln Φ(x) − ln ln(1+x), at x = e^t (l = ln(1+x), f = Φ(x)):
 * snrNewtonStep's slope, and the table's slopes.
 */
function interiorSlope(x: number, l: number, f: number): number {
  return x * ((2 * l) / f - 1 / ((1 + x) * l));
}

/** ψ(z) = ln(1+z) − z/(1+z), with its series where the difference cancels. */
function psi(z: number): number {
  return z < 1e-3 ? z * z * (0.5 - (2 / 3) * z + 0.75 * z * z - 0.8 * z * z * z) : Math.log1p(z) - z / (1 + z);
}

/**
 * Power pinned at p: with z = g·p/(N0·b), −dU/db = K·z²·ψ(z)/ln²(1+z), K = bits·(a + e·p)·ln2/(g·p/N0)².
 * Its log has slope 2 + zψ′/ψ − 2z/((1+z)·ln(1+z)) ≈ 2 in ln z: Newton again. Returns b, or NaN.
 */
function pinnedBandwidth(u: UplinkParams, powerW: number, price: number): number {
  const s = (u.gain * powerW) / u.noiseWPerHz;
  const target = Math.log(price) - Math.log((u.bits * (u.delayWeight + u.energyWeight * powerW) * Math.LN2) / (s * s));
  let t = target / 2;
  for (let i = 0; i < 40; i++) {
    const z = Math.exp(t);
    const l = Math.log1p(z);
    const q = psi(z);
    const h = 2 * t + Math.log(q) - 2 * Math.log(l) - target;
    const dh = 2 + (z * z) / ((1 + z) * (1 + z) * q) - (2 * z) / ((1 + z) * l);
    if (!(dh > 0) || !Number.isFinite(h)) return NaN;
    const step = h / dh;
    t -= Math.max(-5, Math.min(5, step));
    if (Math.abs(step) <= NEWTON_TOL) return s / Math.exp(t);
  }
  return NaN;
}

const NEWTON_TOL = 1e-11;

/** A pinned-power root by Newton, kept inside [lo, hi]; Brent when Newton does not settle. */
function pinnedRoot(u: UplinkParams, regime: 0 | 1, price: number, lo: number, hi: number): number {
  const b = pinnedBandwidth(u, regime === 0 ? u.powerLoW : u.powerHiW, price);
  if (Number.isFinite(b)) return Math.max(lo, Math.min(hi, b));
  return regimeRoot(u, regime, price, lo, hi, BANDWIDTH_TOL);
}

/** argmin over b ∈ [MIN_SHARE·cap, cap] of cost(b) + price·b. */
export function bandwidthForPrice(u: UplinkParams, price: number, capHz: number): number {
  const fast = interiorBandwidth(u, price, capHz);
  return Number.isNaN(fast) ? generalBandwidth(u, price, capHz) : fast;
}

/** bandwidthForPrice where interiorBandwidth found no interior optimum: every regime, the band's ends included. */
function generalBandwidth(u: UplinkParams, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  if (u.delayWeight <= 0 && u.energyWeight <= 0) return price > 0 ? lo : capHz;
  // U falls with b: without a price the whole budget is best.
  if (!(price > 0)) return capHz;
  if (u.energyWeight <= 0) return pinnedRoot(u, 1, price, lo, capHz);
  if (u.delayWeight <= 0) return pinnedRoot(u, 0, price, lo, capHz);
  const r = bandsOf(u, capHz);
  const { a, b } = r;
  // Power pinned at one bound below bLo / above bHi: −slope is explicit in b there (slopeA, slopeB:
  // NaN where the end is clamped to the band, and then the test fails, as it must).
  if (r.slopeA <= price) return pinnedRoot(u, 0, price, lo, a);
  if (r.slopeB >= price) return pinnedRoot(u, 1, price, b, capHz);
  if (!(b > a)) return a;
  // Interior power (at an end of it, or where the table does not reach): the SNR by Newton in ln x
  // (bracketed Brent as the fallback); b(x) = k/Φ(x).
  const k = r.k;
  let x = interiorSnr(u, price);
  if (!Number.isFinite(x)) x = regimeRoot(u, 2, price, inversePhi(k / b), inversePhi(k / a), BANDWIDTH_TOL);
  return Math.max(a, Math.min(b, k / phi(x)));
}

/**
 * min over b of cost(b) + price·b (the priced uplink) into out[0] and its argmin b into out[1]:
 * bandwidthForPrice and uplinkCost in one, without allocating. With interior power (the usual case)
 * the cost at b = k/Φ(x) is explicit in the SNR x: p = (a/e)·x/Φ(x), r = b·ln(1+x)/ln2, so
 * cost = bits·(a + e·p)/r = bits·a·ln2·(1+x)/k, and the power's own optimisation is not repeated.
 * That SNR goes to out[2] (NaN off the interior: curvatureAtSnr reads it; a 2-slot out ignores it).
 */
export function pricedUplinkInto(u: UplinkParams, price: number, capHz: number, out: Float64Array): void {
  const fast = interiorBandwidth(u, price, capHz);
  if (!Number.isNaN(fast)) {
    out[0] = (u.bits * u.delayWeight * Math.LN2 * (1 + snrOut[0])) / u.regime!.k + price * fast;
    out[1] = fast;
    out[2] = snrOut[0];
    return;
  }
  const b = generalBandwidth(u, price, capHz);
  out[0] = uplinkCost(u, b).cost + price * b;
  out[1] = b;
  out[2] = NaN;
}

/**
 * The interior SNR (see interiorSnr) from a table of the root against the target: h(t) = 2·ln Φ(e^t)
 * − ln ln(1+e^t) − ln(price/C) = 0 has one parameter, the target, so its root t(target) is
 * tabulated once per process (by a full-precision Newton in t) with its slope 1/h′, and interpolated
 * by cubic Hermite (within 1.7e-10 in t over the table, measured at 3 points an interval). Newton on
 * F(x) = Φ(x)² − (price/C)·ln(1+x) in x itself then settles in one step from there (a step under
 * FAST_TOL leaves an error of its square), one log1p where a step in ln x takes five
 * transcendentals; more steps only where the start is off. Φ at the root is left in phiOut[0] (from the last
 * step's values, to first order in the last step: exact to ~1e-18). NaN outside the table or when
 * Newton does not settle in a few steps (the caller then takes the general path). `q` is
 * price/C and `target` its logarithm.
 */
function fastInteriorSnr(target: number, q: number): number {
  const u = (target - TABLE_FROM) * TABLE_PER_UNIT;
  if (!(u >= 0 && u < TABLE_SIZE - 1)) return NaN;
  const table = snrTable ?? buildSnrTable();
  const i = Math.floor(u);
  const s = u - i;
  // Cubic Hermite on [τ_i, τ_i+1] (slopes in t per unit of τ, times the step).
  const t0 = table[2 * i];
  const d0 = table[2 * i + 1];
  const t1 = table[2 * i + 2];
  const d1 = table[2 * i + 3];
  const s2 = s * s;
  const s3 = s2 * s;
  const t = (2 * s3 - 3 * s2 + 1) * t0 + (s3 - 2 * s2 + s) * d0 * TABLE_STEP + (3 * s2 - 2 * s3) * t1 + (s3 - s2) * d1 * TABLE_STEP;
  let x = Math.exp(t);
  for (let k = 0; k < 6; k++) {
    const l = Math.log1p(x);
    const f = (1 + x) * l - x;
    const dfx = 2 * f * l - q / (1 + x);
    const step = (f * f - q * l) / dfx;
    if (!(dfx > 0) || !Number.isFinite(step)) return NaN;
    x -= step;
    if (Math.abs(step) <= FAST_TOL * x) {
      // Φ(x − step) = Φ(x) − ln(1+x)·step + O(step²/x).
      phiOut[0] = f - l * step;
      return x;
    }
  }
  return NaN;
}

/** Φ at fastInteriorSnr's root (a typed slot: a side channel that allocates nothing). */
const phiOut = new Float64Array(1);

/** fastInteriorSnr's last step, relative: the error after it is of its square (Newton). */
const FAST_TOL = 1e-9;

/**
 * The table's range of targets: t from about −2 (SNR 0.14, above where Φ needs its series) to 40;
 * the solver's pairs lie at t ∈ [2, 30] on generated instances. Step 1/8 in the target.
 */
const TABLE_FROM = -8;
const TABLE_TO = 84;
const TABLE_PER_UNIT = 8;
const TABLE_STEP = 1 / TABLE_PER_UNIT;
const TABLE_SIZE = (TABLE_TO - TABLE_FROM) * TABLE_PER_UNIT + 1;

/** [t_0, t′_0, t_1, t′_1, …]: the root t of h at each tabulated target, and dt/dtarget = 1/h′(t). */
let snrTable: Float64Array | null = null;

function buildSnrTable(): Float64Array {
  const table = new Float64Array(2 * TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) {
    const target = TABLE_FROM + i * TABLE_STEP;
    const t = snrRootOfTarget(target);
    const x = Math.exp(t);
    const l = Math.log1p(x);
    const f = phi(x);
    table[2 * i] = t;
    table[2 * i + 1] = 1 / interiorSlope(x, l, f);
  }
  snrTable = table;
  return table;
}

/** The root t of 2·ln Φ(e^t) − ln ln(1+e^t) = target, by Newton in t to full precision (table building only). */
export function snrRootOfTarget(target: number): number {
  let t = snrStart(target);
  for (let i = 0; i < 100; i++) {
    const step = snrNewtonStep(t, target);
    t -= Math.max(-5, Math.min(5, step));
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(t))) break;
  }
  return t;
}
