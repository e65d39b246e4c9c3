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
interface PowerRegime {
  bLo: number;
  bHi: number;
}

const regimes = new WeakMap<UplinkParams, PowerRegime>();

function powerRegime(u: UplinkParams): PowerRegime {
  let r = regimes.get(u);
  if (r) return r;
  const ratio = u.delayWeight / u.energyWeight;
  const snrForPower = (pW: number) => rootDecreasingLog((x) => (ratio * x) / phi(x) - pW, 1e-150, 1e150, 1e-14);
  const bandwidthAtSnr = (x: number) => (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz * phi(x));
  r = { bLo: bandwidthAtSnr(snrForPower(u.powerLoW)), bHi: bandwidthAtSnr(snrForPower(u.powerHiW)) };
  regimes.set(u, r);
  return r;
}

/** argmin over b ∈ [MIN_SHARE·cap, cap] of cost(b) + price·b. */
export function bandwidthForPrice(u: UplinkParams, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  if (u.delayWeight <= 0 && u.energyWeight <= 0) return price > 0 ? lo : capHz;
  // Power pinned at one bound: −slope is explicit in b.
  const atPower = (p: number, a: number, b: number) => rootDecreasingLog((bw) => negSlopeAt(u, bw, p) - price, a, b, 1e-13);
  if (u.energyWeight <= 0) return atPower(u.powerHiW, lo, capHz);
  if (u.delayWeight <= 0) return atPower(u.powerLoW, lo, capHz);
  const { bLo, bHi } = powerRegime(u);
  const a = Math.max(lo, Math.min(capHz, bLo));
  const b = Math.max(lo, Math.min(capHz, bHi));
  if (a > lo && negSlopeAt(u, a, u.powerLoW) <= price) return atPower(u.powerLoW, lo, a);
  if (b < capHz && negSlopeAt(u, b, u.powerHiW) >= price) return atPower(u.powerHiW, b, capHz);
  if (!(b > a)) return a;
  // Interior power: walk the SNR; b(x) decreases and −slope increases with x.
  const xOf = (bw: number) => inversePhi((u.delayWeight * u.gain) / (bw * u.energyWeight * u.noiseWPerHz));
  const ratio = u.delayWeight / u.energyWeight;
  const k = (u.delayWeight * u.gain) / (u.energyWeight * u.noiseWPerHz);
  const x = rootDecreasingLog(
    (snr) => {
      const f = phi(snr);
      return price - negSlopeAt(u, k / f, (ratio * snr) / f);
    },
    xOf(b),
    xOf(a),
    1e-13,
  );
  return Math.max(a, Math.min(b, k / phi(x)));
}
