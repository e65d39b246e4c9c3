// The Lagrangian dual of the whole problem, priced per server: bandwidth λ_m, frequency μ_m and,
// where maxDevices binds, a seat price ν_m. At any prices ≥ 0 every device independently takes
// its cheapest (server, mode, split, power, b, f), and
//   g(λ, μ, ν) = Σ_n min_m φ_nm(λ_m, μ_m) + ν_m − Σ_m (λ_m·W_m + μ_m·F_m + ν_m·cap_m)
// is a lower bound on the optimum (weak duality; every φ is minimised exactly, or bounded below
// where a pair is pruned). g is concave; its supergradient is demand − supply per budget.
//
// Maximised by ascent on a softmin-smoothed g (smooth, so that a device torn between servers
// splits its demand between them instead of flipping), with per-budget steps scaled by supply;
// every evaluation also yields the exact g, and the best of those is the bound.

import { newPairPrice, pricePair, type PairPrice } from './pricing.js';
import { reachOf, type PlanContext } from './member.js';

export interface DualPrices {
  bandwidth: Float64Array;
  frequency: Float64Array;
  seat: Float64Array;
}

export interface DualPoint {
  /** exact dual value g: a valid lower bound */
  value: number;
  /** softmin-smoothed value at temperature tau */
  smooth: number;
  /** demand / supply − 1 per budget, under the smoothed choice */
  excessBandwidth: Float64Array;
  excessFrequency: Float64Array;
  excessSeat: Float64Array;
  /** per device, its cheapest server at these prices (−1 when none was priced exactly) */
  choice: Int32Array;
}

const MARGIN_TAUS = 25;

export function evaluateDual(ctx: PlanContext, prices: DualPrices, capacity: number[], tau: number): DualPoint {
  const { instance } = ctx;
  const M = instance.servers.length;
  const N = ctx.models.length;
  const demandB = new Float64Array(M);
  const demandF = new Float64Array(M);
  const demandS = new Float64Array(M);
  const choice = new Int32Array(N).fill(-1);
  const pair: PairPrice = newPairPrice();
  const listM: number[] = [];
  const listC: number[] = [];
  const listB: number[] = [];
  const listF: number[] = [];
  let value = 0;
  let smooth = 0;
  const margin = tau * MARGIN_TAUS;
  for (let n = 0; n < N; n++) {
    listM.length = listC.length = listB.length = listF.length = 0;
    let best = Infinity;
    let bestExact = Infinity;
    const reach = reachOf(ctx, n);
    for (let k = 0; k < reach.servers.length; k++) {
      const m = reach.servers[k];
      const seat = prices.seat[m];
      // Servers come in increasing order of a price-free lower bound (seat prices only add).
      if (reach.floors[k] >= best + margin) {
        best = Math.min(best, reach.floors[k]);
        break;
      }
      pricePair(ctx, m, n, prices.bandwidth[m], prices.frequency[m], best + margin - seat, pair);
      const c = pair.cost + seat;
      if (c < best) best = c;
      if (pair.exact) {
        listM.push(m);
        listC.push(c);
        listB.push(pair.bandwidthHz);
        listF.push(pair.frequencyHz);
        if (c < bestExact) {
          bestExact = c;
          choice[n] = m;
        }
      }
    }
    value += best;
    if (listM.length === 0) continue;
    // Softmin weights over the servers within the margin of the cheapest.
    let z = 0;
    for (let i = 0; i < listM.length; i++) z += tau > 0 ? Math.exp(-(listC[i] - bestExact) / tau) : listC[i] === bestExact ? 1 : 0;
    smooth += tau > 0 ? bestExact - tau * Math.log(z) : bestExact;
    for (let i = 0; i < listM.length; i++) {
      const w = (tau > 0 ? Math.exp(-(listC[i] - bestExact) / tau) : listC[i] === bestExact ? 1 : 0) / z;
      if (w === 0) continue;
      const m = listM[i];
      demandB[m] += w * listB[i];
      demandF[m] += w * listF[i];
      demandS[m] += w;
    }
  }
  let payments = 0;
  for (let m = 0; m < M; m++) {
    const s = instance.servers[m];
    payments += prices.bandwidth[m] * s.bandwidthHz + prices.frequency[m] * s.frequencyHz + prices.seat[m] * capacity[m];
    demandB[m] = demandB[m] / s.bandwidthHz - 1;
    demandF[m] = demandF[m] / s.frequencyHz - 1;
    demandS[m] = demandS[m] / capacity[m] - 1;
  }
  return { value: value - payments, smooth: smooth - payments, excessBandwidth: demandB, excessFrequency: demandF, excessSeat: demandS, choice };
}
