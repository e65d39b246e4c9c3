// The optimal bandwidth at a price (Newton in log-SNR, uplink.ts) against a plain golden-section
// search of cost(b) + price·b over log b, on random parameters spanning every power regime:
// pinned at the minimum, interior, pinned at the maximum, and zero delay or energy weights.
import { describe, expect, it } from 'vitest';
import { bandwidthForPrice, uplinkCost, type UplinkParams } from '../src/solver/resources/uplink.js';
import { goldenSectionMin } from '../src/solver/math/numeric.js';
import { mulberry32 } from '../src/model/random.js';

describe('bandwidthForPrice', () => {
  it('is never beaten by golden section on cost(b) + price·b', () => {
    const r = mulberry32(7);
    const capHz = 2e7;
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      const u: UplinkParams = {
        bits: 10 ** (6 + 3 * r()),
        gain: 10 ** (-14 + 6 * r()),
        noiseWPerHz: 4e-21,
        powerLoW: r() < 0.5 ? 1e-9 : 0.1 * r(),
        powerHiW: 1 + r(),
        delayWeight: r() < 0.1 ? 0 : 10 ** (-10 + 4 * r()),
        energyWeight: r() < 0.1 ? 0 : 10 ** (-10 + 4 * r()),
        regime: undefined,
      };
      if (u.delayWeight === 0 && u.energyWeight === 0) continue;
      const price = r() < 0.02 ? 0 : 10 ** (-20 + 12 * r());
      const b = bandwidthForPrice(u, price, capHz);
      expect(b).toBeGreaterThan(0);
      expect(b).toBeLessThanOrEqual(capHz);
      const value = uplinkCost(u, b).cost + price * b;
      const f = (t: number) => uplinkCost(u, Math.exp(t)).cost + price * Math.exp(t);
      const g = goldenSectionMin(f, Math.log(capHz * 1e-12), Math.log(capHz), 200);
      const reference = Math.min(g.value, f(Math.log(capHz)));
      worst = Math.max(worst, (value - reference) / reference);
    }
    expect(worst).toBeLessThanOrEqual(1e-12);
  });
});
