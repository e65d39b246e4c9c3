// The Lagrangian dual of the whole problem, priced per server: bandwidth λ_m, frequency μ_m and,
// where maxDevices binds, a seat price ν_m. At any prices ≥ 0 every device independently takes
// its cheapest (server, mode, split, power, b, f), and
//   g(λ, μ, ν) = Σ_n min_m φ_nm(λ_m, μ_m) + ν_m − Σ_m (λ_m·W_m + μ_m·F_m + ν_m·cap_m)
// is a lower bound on the optimum (weak duality; every φ is minimised exactly, or bounded below
// where a pair is pruned). g is concave; its supergradient is demand − supply per budget.
//
// evaluateDual is the reference evaluation of g (tests, bench/bound.ts); the solve maximises it with
// the cutting-plane model of bundle.ts (bound.ts's ascendBound) and the anytime passes of anytime.ts.

import { newPairPrice, pricePair, type PairPrice } from '../pricing/kernel.js';
import type { PlanContext } from '../pricing/member.js';

export interface DualPrices {
  bandwidth: Float64Array;
  frequency: Float64Array;
  seat: Float64Array;
}

interface DualPoint {
  /** exact dual value g: a valid lower bound */
  value: number;
  /** demand / supply − 1 per budget, under the devices' cheapest choices */
  excessBandwidth: Float64Array;
  excessFrequency: Float64Array;
  /** per device, its cheapest server at these prices (−1 when none was priced exactly) */
  choice: Int32Array;
}

/** g at these prices. `hint`: per device, a server to price first (its choice at nearby prices). */
export function evaluateDual(ctx: PlanContext, prices: DualPrices, capacity: number[], hint?: Int32Array): DualPoint {
  const { instance } = ctx;
  const M = instance.servers.length;
  const N = ctx.models.length;
  const demandB = new Float64Array(M);
  const demandF = new Float64Array(M);
  const choice = new Int32Array(N).fill(-1);
  const pair: PairPrice = newPairPrice();
  let value = 0;
  for (let n = 0; n < N; n++) {
    let best = Infinity;
    let bestB = 0;
    let bestF = 0;
    // The hinted server first (its cost is a tight cutoff for all the others), then by gain.
    const order = ctx.models[n].serversByGain;
    const first = hint ? hint[n] : -1;
    for (let k = first >= 0 ? -1 : 0; k < order.length; k++) {
      const m = k < 0 ? first : order[k];
      if (k >= 0 && m === first) continue;
      const seat = prices.seat[m];
      pricePair(ctx, m, n, prices.bandwidth[m], prices.frequency[m], best - seat, pair);
      // A pruned pair's cost is a lower bound ≥ the cutoff: it never becomes the minimum.
      if (pair.exact && pair.cost + seat < best) {
        best = pair.cost + seat;
        bestB = pair.bandwidthHz;
        bestF = pair.frequencyHz;
        choice[n] = m;
      }
    }
    value += best;
    if (choice[n] >= 0) {
      demandB[choice[n]] += bestB;
      demandF[choice[n]] += bestF;
    }
  }
  let payments = 0;
  for (let m = 0; m < M; m++) {
    const s = instance.servers[m];
    payments += prices.bandwidth[m] * s.bandwidthHz + prices.frequency[m] * s.frequencyHz + prices.seat[m] * capacity[m];
    demandB[m] = demandB[m] / s.bandwidthHz - 1;
    demandF[m] = demandF[m] / s.frequencyHz - 1;
  }
  return { value: value - payments, excessBandwidth: demandB, excessFrequency: demandF, choice };
}
