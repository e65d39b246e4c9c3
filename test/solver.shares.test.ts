// A server's budget splits (resources/shares.ts) cleared from a price hint (the server's price before its
// members changed: balance.ts) against the same splits cleared without one, and against the optimality
// conditions themselves (every member's marginal cost equal to the price, the budget spent).
import { describe, expect, it } from 'vitest';
import { shareBandwidth, shareServerFrequency, type EdgeLoad } from '../src/solver/resources/shares.js';
import { uplinkSlope, type UplinkParams } from '../src/solver/resources/uplink.js';
import { mulberry32 } from '../src/model/random.js';

function uplinks(r: () => number, k: number): UplinkParams[] {
  return Array.from({ length: k }, () => ({
    bits: 10 ** (6 + 2 * r()),
    gain: 10 ** (-13 + 4 * r()),
    noiseWPerHz: 4e-21,
    powerLoW: 1e-3,
    powerHiW: 0.2 + r(),
    delayWeight: 10 ** (-2 + 2 * r()),
    energyWeight: 10 ** (-2 + 2 * r()),
  }));
}

function loads(r: () => number, k: number): EdgeLoad[] {
  return Array.from({ length: k }, () => ({ load: 10 ** (8 + 2 * r()), delayWeight: 10 ** (-2 + 2 * r()) }));
}

const hintsAround = (price: number) => [price, price * 1.03, price / 1.07, price * 3, price / 5, price * 1e6, price / 1e6, Number.NaN, 0];

describe('shareBandwidth and shareServerFrequency from a price hint', () => {
  it('clear at the price and shares found without a hint, whatever the hint, and meet the optimality conditions', () => {
    const r = mulberry32(11);
    const W = 2e7;
    const F = 1e9;
    for (let t = 0; t < 40; t++) {
      const k = 2 + Math.floor(20 * r());
      const ups = uplinks(r, k);
      const ref = shareBandwidth(ups, W);
      expect(ref.price).toBeGreaterThan(0);
      // the reference itself: the budget spent, each member's −slope at its share the price (interior shares)
      expect(Math.abs(ref.shares.reduce((a, b) => a + b, 0) - W) / W).toBeLessThanOrEqual(1e-12);
      for (let i = 0; i < k; i++) expect(Math.abs(-uplinkSlope(ups[i], ref.shares[i]) - ref.price) / ref.price).toBeLessThanOrEqual(1e-6);
      for (const hint of hintsAround(ref.price)) {
        const got = shareBandwidth(ups, W, hint);
        expect(Math.abs(got.price - ref.price) / ref.price).toBeLessThanOrEqual(1e-8);
        for (let i = 0; i < k; i++) expect(Math.abs(got.shares[i] - ref.shares[i]) / ref.shares[i]).toBeLessThanOrEqual(1e-8);
      }
      const ls = loads(r, k);
      const fref = shareServerFrequency(ls, 1e-28, F);
      expect(fref.price).toBeGreaterThan(0);
      for (const hint of hintsAround(fref.price)) {
        const got = shareServerFrequency(ls, 1e-28, F, hint);
        expect(Math.abs(got.price - fref.price) / fref.price).toBeLessThanOrEqual(1e-8);
        for (let i = 0; i < k; i++) expect(Math.abs(got.shares[i] - fref.shares[i]) / fref.shares[i]).toBeLessThanOrEqual(1e-8);
      }
    }
  });

  it('a hint near the price clears the market with fewer demands priced', () => {
    const r = mulberry32(12);
    let withHint = 0;
    let without = 0;
    for (let t = 0; t < 20; t++) {
      const k = 5 + Math.floor(15 * r());
      // each member's load read once per demand priced (frequencyForPrice): a count of the demands
      let reads = 0;
      const ls = loads(r, k).map((l) => ({
        get load() {
          reads++;
          return l.load;
        },
        delayWeight: l.delayWeight,
      }));
      const ref = shareServerFrequency(ls, 1e-28, 1e9);
      if (!(ref.price > 0)) continue;
      reads = 0;
      shareServerFrequency(ls, 1e-28, 1e9);
      without += reads;
      reads = 0;
      shareServerFrequency(ls, 1e-28, 1e9, ref.price * 1.05);
      withHint += reads;
    }
    expect(without).toBeGreaterThan(0);
    expect(withHint).toBeLessThan(0.8 * without);
  });
});
