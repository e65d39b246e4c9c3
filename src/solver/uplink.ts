// One device's uplink: cost = bits·(a + e·p)/r(b, p) with r = b·log2(1 + g·p/(N0·b)).
// For a fixed bandwidth the cost is quasi-convex in power with a closed-form stationary SNR;
// as a function of bandwidth (power re-optimised) it is convex and decreasing, which is what
// lets one multiplier per server price the bandwidth budget exactly.

import { inversePhi, rootDecreasingLog } from './numeric.js';

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

export function optimalPowerW(u: UplinkParams, bandwidthHz: number): number {
  if (u.energyWeight <= 0) return u.powerHiW;
  // Stationarity of (a + e·p)/r in the SNR x: Φ(x) = (1+x)ln(1+x) − x = a·g/(b·e·N0).
  const snr = inversePhi((u.delayWeight * u.gain) / (bandwidthHz * u.energyWeight * u.noiseWPerHz));
  const p = (snr * u.noiseWPerHz * bandwidthHz) / u.gain;
  return Math.min(u.powerHiW, Math.max(u.powerLoW, p));
}

export function rateBps(u: UplinkParams, bandwidthHz: number, powerW: number): number {
  return bandwidthHz * Math.log2(1 + (u.gain * powerW) / (u.noiseWPerHz * bandwidthHz));
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
  const r = bandwidthHz * Math.log2(1 + x);
  const dRate = Math.log2(1 + x) - x / ((1 + x) * Math.LN2);
  return (-u.bits * (u.delayWeight + u.energyWeight * p) * dRate) / (r * r);
}

/** Φ(x) = (1+x)·ln(1+x) − x, with its series where the closed form cancels. */
function phi(x: number): number {
  return x < 1e-4 ? (x * x) / 2 - (x * x * x) / 6 + (x * x * x * x) / 12 : (1 + x) * Math.log1p(x) - x;
}

/** −d cost/d b at a fixed power. */
function negSlopeAt(u: UplinkParams, b: number, p: number): number {
  const x = (u.gain * p) / (u.noiseWPerHz * b);
  const l = Math.log2(1 + x);
  const r = b * l;
  return (u.bits * (u.delayWeight + u.energyWeight * p) * (l - x / ((1 + x) * Math.LN2))) / (r * r);
}

/**
 * Where the optimal power leaves its bounds. With interior power the SNR x satisfies
 * Φ(x) = a·g/(b·e·N0), so b(x) = a·g/(e·N0·Φ(x)) and p(x) = (a/e)·x/Φ(x): both explicit in x,
 * decreasing in x. Below bandwidth bLo the power sits at its minimum, above bHi at its maximum.
 */
export interface PowerRegime {
  bLo: number;
  bHi: number;
}

/** Memoised on the parameter object itself: a WeakMap lookup costs more than it saves here. */
function powerRegime(u: UplinkParams): PowerRegime {
  let r = u.regime;
  if (r) return r;
  const ratio = u.delayWeight / u.energyWeight;
  const snrForPower = (pW: number) => rootDecreasingLog((x) => (ratio * x) / phi(x) - pW, 1e-150, 1e150, 1e-14);
  const bandwidthAtSnr = (x: number) => (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz * phi(x));
  r = { bLo: bandwidthAtSnr(snrForPower(u.powerLoW)), bHi: bandwidthAtSnr(snrForPower(u.powerHiW)) };
  u.regime = r;
  return r;
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

/**
 * Root of the decreasing excess(v) on [lo, hi] in log space: Brent's method, written out here
 * without closures because it runs for every device at every price of every budget split.
 */
function regimeRoot(u: UplinkParams, regime: Regime, price: number, lo: number, hi: number, relTol: number): number {
  let fa = excess(u, regime, lo, price);
  if (fa <= 0) return lo;
  let fb = excess(u, regime, hi, price);
  if (fb >= 0) return hi;
  let a = Math.log(lo);
  let b = Math.log(hi);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let i = 0; i < 200; i++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 0.5 * relTol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return Math.exp(b);
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const sr = fb / fa;
      if (a === c) {
        p = 2 * m * sr;
        q = 1 - sr;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = sr * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (sr - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = excess(u, regime, Math.exp(b), price);
  }
  return Math.exp(b);
}

/**
 * Relative tolerance of the optimal bandwidth: the cost is flat at its minimum, so an error ε in
 * b moves it by O(ε²) (1e-20 here); tighter only costs time in the hottest loop of the solver.
 */
const BANDWIDTH_TOL = 1e-10;

/** argmin over b ∈ [MIN_SHARE·cap, cap] of cost(b) + price·b. */
export function bandwidthForPrice(u: UplinkParams, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  if (u.delayWeight <= 0 && u.energyWeight <= 0) return price > 0 ? lo : capHz;
  if (u.energyWeight <= 0) return regimeRoot(u, 1, price, lo, capHz, BANDWIDTH_TOL);
  if (u.delayWeight <= 0) return regimeRoot(u, 0, price, lo, capHz, BANDWIDTH_TOL);
  const { bLo, bHi } = powerRegime(u);
  const a = Math.max(lo, Math.min(capHz, bLo));
  const b = Math.max(lo, Math.min(capHz, bHi));
  // Power pinned at one bound below bLo / above bHi: −slope is explicit in b there.
  if (a > lo && negSlopeAt(u, a, u.powerLoW) <= price) return regimeRoot(u, 0, price, lo, a, BANDWIDTH_TOL);
  if (b < capHz && negSlopeAt(u, b, u.powerHiW) >= price) return regimeRoot(u, 1, price, b, capHz, BANDWIDTH_TOL);
  if (!(b > a)) return a;
  // Interior power: walk the SNR; b(x) decreases and −slope increases with x.
  const k = (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz);
  const x = regimeRoot(u, 2, price, inversePhi(k / b), inversePhi(k / a), BANDWIDTH_TOL);
  return Math.max(a, Math.min(b, k / phi(x)));
}
