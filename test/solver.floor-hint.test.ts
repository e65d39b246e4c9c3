// edgeFloorAt settles the envelope in work from one hinted line when that line is already below the
// √work envelope: whatever the hint, its value must be the full evaluation's, max of both envelopes.
import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { mulberry32 } from '../src/model/random.js';
import { pricingContext } from '../src/solver/auto.js';
import { deviceFloor, edgeFloor, edgeFloorAt, envelopeAt, rootPriceFloor, serverFloor } from '../src/solver/pricing/floor.js';

describe('edgeFloorAt', () => {
  it('equals both envelopes evaluated in full, for any hint', () => {
    const body = generateRequest(5, { devices: 40, servers: 6 });
    const instance = normalize({ ...body, options: { ...body.options, baselines: false } }).instance;
    const { ctx } = pricingContext(instance);
    const r = mulberry32(3);
    let hinted = 0;
    for (let n = 0; n < 40; n++) {
      const f = deviceFloor(ctx, n);
      for (let i = 0; i < 200; i++) {
        const m = Math.floor(r() * 6);
        // frequency prices over forty decades: either envelope can be the larger
        const s = serverFloor(ctx, m, 10 ** (-40 + 40 * r()));
        const root = envelopeAt(f.sqrtHull, s.rootPrice * Math.sqrt(f.delayWeight));
        const c = Math.max(f.delayWeight * s.perCapacity, s.perKappa * Math.cbrt(f.delayWeight * f.delayWeight));
        const full = Math.max(root, envelopeAt(f.linearHull, c));
        const hint = 2 * Math.floor((r() * f.linearHull.length) / 2);
        f.linearHint = hint;
        if (f.linearHull[hint] + f.linearHull[hint + 1] * c <= root) hinted++;
        const at = edgeFloorAt(f, s, rootPriceFloor(f, s.rootPrice));
        expect(Object.is(at, full)).toBe(true);
        expect(Object.is(edgeFloor(f, s), full)).toBe(true);
      }
    }
    // both paths were taken (the hinted line settling it, and the full evaluation)
    expect(hinted).toBeGreaterThan(0);
    expect(hinted).toBeLessThan(40 * 200);
  });
});
