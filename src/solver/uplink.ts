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

/** argmin over b ∈ [MIN_SHARE·cap, cap] of cost(b) + price·b. */
export function bandwidthForPrice(u: UplinkParams, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  if (u.delayWeight <= 0 && u.energyWeight <= 0) return price > 0 ? lo : capHz;
  return rootDecreasingLog((b) => -uplinkSlope(u, b) - price, lo, capHz, 1e-12);
}
