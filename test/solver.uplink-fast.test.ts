// The priced uplink in one call (pricedUplinkInto, uplink.ts: a tabulated start, Newton in the SNR,
// the cost in closed form at the root) against references that share none of its numerics: the
// optimal bandwidth as the bracketed root of the envelope slope (uplinkSlope, Brent in log b) and
// the cost as uplinkCost (the power re-optimised by inversePhi) at that bandwidth. Parameters span
// every power regime, and the pairs of a generated instance.
import { describe, expect, it } from 'vitest';
import {
  curvatureAtSnr,
  interiorUplinkInto,
  pricedUplinkInto,
  uplinkBase,
  uplinkCost,
  uplinkCurvature,
  uplinkSlope,
  MIN_SHARE,
  type UplinkParams,
} from '../src/solver/resources/uplink.js';
import { rootDecreasingLog } from '../src/solver/math/numeric.js';
import { mulberry32 } from '../src/model/random.js';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { pricingContext } from '../src/solver/auto.js';
import { memberOf } from '../src/solver/pricing/member.js';

/** The optimal b by bracketing: −slope(b) = price, or an end of the band. */
function referenceBandwidth(u: UplinkParams, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  return rootDecreasingLog((b) => -uplinkSlope(u, b) - price, lo, capHz, 1e-15);
}

function check(u: UplinkParams, price: number, capHz: number, worst: { b: number; cost: number }): void {
  const out = new Float64Array(2);
  pricedUplinkInto(u, price, capHz, out);
  const fresh = { ...u, regime: undefined };
  const b = referenceBandwidth(fresh, price, capHz);
  const cost = uplinkCost(fresh, b).cost + price * b;
  worst.b = Math.max(worst.b, Math.abs(out[1] - b) / b);
  worst.cost = Math.max(worst.cost, Math.abs(out[0] - cost) / cost);
  // and the cost reported is the cost at the bandwidth reported
  expect(Math.abs(out[0] - (uplinkCost(fresh, out[1]).cost + price * out[1])) / out[0]).toBeLessThanOrEqual(1e-13);
}

/** Every (device, server) pair's uplinks of a generated 60 × 8 instance, with the server's band. */
function* pairUplinks(seed: number): Generator<{ u: UplinkParams; capHz: number }> {
  const body = generateRequest(seed, { devices: 60, servers: 8 });
  const instance = normalize({ ...body, options: { ...body.options, baselines: false } }).instance;
  const { ctx } = pricingContext(instance);
  for (let n = 0; n < ctx.models.length; n++)
    for (const m of ctx.models[n].servers) {
      const mem = memberOf(ctx, m, n);
      for (const u of [mem.uplinkBp, mem.uplinkZo]) if (u) yield { u, capHz: instance.servers[m].bandwidthHz };
    }
}

describe('pricedUplinkInto', () => {
  it('matches the bracketed root of the slope and the cost there, on random parameters', () => {
    const r = mulberry32(18);
    const worst = { b: 0, cost: 0 };
    for (let i = 0; i < 4000; i++) {
      const u: UplinkParams = {
        bits: 10 ** (4 + 6 * r()),
        gain: 10 ** (-16 + 10 * r()),
        noiseWPerHz: 4e-21,
        powerLoW: r() < 0.5 ? 1e-9 : 0.1 * r(),
        powerHiW: 1 + r(),
        delayWeight: r() < 0.05 ? 0 : 10 ** (-12 + 8 * r()),
        energyWeight: r() < 0.05 ? 0 : 10 ** (-12 + 8 * r()),
        regime: undefined,
      };
      if (u.delayWeight === 0 && u.energyWeight === 0) continue;
      const capHz = 10 ** (5 + 3 * r());
      const price = 10 ** (-24 + 20 * r());
      check(u, price, capHz, worst);
    }
    expect(worst.b).toBeLessThanOrEqual(1e-9);
    expect(worst.cost).toBeLessThanOrEqual(1e-13);
  });

  it('matches them on the pairs of a generated instance at prices across six decades', () => {
    const worst = { b: 0, cost: 0 };
    for (const { u, capHz } of pairUplinks(3)) {
      // −slope at the whole band: prices around it reach every regime the band allows
      const atCap = -uplinkSlope(u, capHz);
      for (let e = -3; e <= 3; e += 0.5) check(u, atCap * 10 ** e, capHz, worst);
    }
    expect(worst.b).toBeLessThanOrEqual(1e-9);
    expect(worst.cost).toBeLessThanOrEqual(1e-13);
  });

  it("from the device's uplink base and the gain (interiorUplinkInto): the pair's own result, or false", () => {
    const out = new Float64Array(2);
    const own = new Float64Array(2);
    let interior = 0;
    let other = 0;
    for (const { u, capHz } of pairUplinks(4)) {
      const base = uplinkBase(u);
      const atCap = -uplinkSlope(u, capHz);
      for (let e = -3; e <= 3; e += 0.25) {
        const price = atCap * 10 ** e;
        pricedUplinkInto(u, price, capHz, own);
        out.fill(Number.NaN);
        if (interiorUplinkInto(base, u.gain, price, capHz, out)) {
          interior++;
          expect(Math.abs(out[0] - own[0]) / own[0]).toBeLessThanOrEqual(1e-15);
          expect(Math.abs(out[1] - own[1]) / own[1]).toBeLessThanOrEqual(1e-13);
          // interior: strictly inside the band, where the bracketed reference finds it too
          expect(Math.abs(out[1] - referenceBandwidth(u, price, capHz)) / out[1]).toBeLessThanOrEqual(1e-9);
        } else {
          other++;
          expect(Number.isNaN(out[0]) && Number.isNaN(out[1])).toBe(true);
          // not interior: the band's end or a pinned power
          const b = own[1];
          const p = uplinkCost({ ...u, regime: undefined }, b).powerW;
          const pinned = p <= u.powerLoW * (1 + 1e-9) || p >= u.powerHiW * (1 - 1e-9);
          expect(pinned || b >= capHz * (1 - 1e-9) || b <= capHz * MIN_SHARE * (1 + 1e-9)).toBe(true);
        }
      }
    }
    expect(interior).toBeGreaterThan(0);
    expect(other).toBeGreaterThan(0);
  });
});

describe("uplinkCurvature and curvatureAtSnr (the balance search's demand slopes)", () => {
  /** d²cost/db² by a central difference of the envelope slope (uplinkSlope: the power re-optimised at each b). */
  const difference = (u: UplinkParams, b: number): number => {
    const h = 1e-4 * b;
    return (uplinkSlope(u, b + h) - uplinkSlope(u, b - h)) / (2 * h);
  };

  it('equal the difference of the slope where the power is interior, and are NaN where it is pinned', () => {
    let interior = 0;
    let pinned = 0;
    for (const { u, capHz } of pairUplinks(5)) {
      for (let e = -8; e <= 0; e += 0.5) {
        const b = capHz * 10 ** e;
        const fresh = { ...u, regime: undefined };
        const p = uplinkCost(fresh, b).powerW;
        const c = uplinkCurvature(u, b);
        if (p > u.powerLoW * (1 + 1e-6) && p < u.powerHiW * (1 - 1e-6)) {
          interior++;
          expect(Math.abs(c - difference(fresh, b)) / difference(fresh, b)).toBeLessThanOrEqual(1e-6);
        } else if (p <= u.powerLoW || p >= u.powerHiW) {
          pinned++;
          expect(Number.isNaN(c)).toBe(true);
        }
      }
    }
    expect(interior).toBeGreaterThan(0);
    // (and pinned powers on random parameters)
    const r = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const u: UplinkParams = {
        bits: 10 ** (4 + 6 * r()),
        gain: 10 ** (-16 + 10 * r()),
        noiseWPerHz: 4e-21,
        powerLoW: 0.1 * r(),
        powerHiW: 0.2 + r(),
        delayWeight: 10 ** (-12 + 8 * r()),
        energyWeight: 10 ** (-12 + 8 * r()),
        regime: undefined,
      };
      const b = 10 ** (3 + 5 * r());
      const p = uplinkCost({ ...u }, b).powerW;
      const c = uplinkCurvature(u, b);
      if (p <= u.powerLoW || p >= u.powerHiW) {
        pinned++;
        expect(Number.isNaN(c)).toBe(true);
      } else if (p > u.powerLoW * (1 + 1e-6) && p < u.powerHiW * (1 - 1e-6)) {
        const d = difference({ ...u, regime: undefined }, b);
        expect(Math.abs(c - d) / d).toBeLessThanOrEqual(1e-6);
      }
    }
    expect(pinned).toBeGreaterThan(0);
  });

  it('at the SNR the priced uplink leaves in out[2]: the difference at its bandwidth', () => {
    const out = new Float64Array(3);
    let interior = 0;
    for (const { u, capHz } of pairUplinks(6)) {
      const atCap = -uplinkSlope(u, capHz);
      for (let e = -3; e <= 3; e += 0.5) {
        pricedUplinkInto(u, atCap * 10 ** e, capHz, out);
        if (Number.isNaN(out[2])) continue;
        interior++;
        const fresh = { ...u, regime: undefined };
        const reference = difference(fresh, out[1]);
        expect(Math.abs(curvatureAtSnr(u, out[2]) - reference) / reference).toBeLessThanOrEqual(1e-6);
        out[2] = -1;
        if (interiorUplinkInto(uplinkBase(u), u.gain, atCap * 10 ** e, capHz, out))
          expect(Math.abs(curvatureAtSnr(u, out[2]) - reference) / reference).toBeLessThanOrEqual(1e-6);
      }
    }
    expect(interior).toBeGreaterThan(0);
  });
});
