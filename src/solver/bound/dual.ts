// The Lagrangian dual of the whole problem, priced per server: bandwidth λ_m, frequency μ_m and,
// where maxDevices binds, a seat price ν_m. At any prices ≥ 0 every device independently takes
// its cheapest (server, mode, split, power, b, f), and
//   g(λ, μ, ν) = Σ_n min_m φ_nm(λ_m, μ_m) + ν_m − Σ_m (λ_m·W_m + μ_m·F_m + ν_m·cap_m)
// is a lower bound on the optimum (weak duality; every φ is minimised exactly, or bounded below
// where a pair is pruned). g is concave; its supergradient is demand − supply per budget.
//
// Maximised over λ and μ by multiplicative ascent from the primal's prices (ascendDual; seat
// prices stay at 0 there, which only relaxes capacities); every evaluation is an exact g, and the
// best of those is the bound.

import { newPairPrice, pricePair, type PairPrice } from '../pricing/kernel.js';
import type { PlanContext } from '../pricing/member.js';
import { now } from '../clock.js';
import { reportProgress } from '../control.js';

export interface DualPrices {
  bandwidth: Float64Array;
  frequency: Float64Array;
  seat: Float64Array;
}

export interface DualPoint {
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

/**
 * Multiplicative ascent on the dual from the primal's prices: each budget's price moves by
 * exp(η_k·clip(demand/supply − 1)), η_k = η/√(k+1). On this problem the dual is degenerate (many
 * devices nearly indifferent between servers), so a device's whole demand flips between servers
 * from one step to the next; clipped relative steps that shrink are robust to that, where
 * coordinate ascent stalls. Prices that start at 0 (empty or slack servers) start at the
 * smallest positive price of their budget instead. Stops at the deadline, when `closeEnough`, or
 * when progress towards `target` (the primal objective) stalls. Returns the best exact dual value seen.
 */
export function ascendDual(
  ctx: PlanContext,
  start: { bandwidth: number[]; frequency: number[] },
  capacity: number[],
  deadlineAt: number,
  target: number,
  closeEnough: (value: number) => boolean,
  /** how long one pass over every pair took last time (ms): a pass starts only if it fits */
  passMs = 0,
): { value: number; prices: DualPrices } {
  const M = ctx.instance.servers.length;
  const lift = (xs: number[]) => {
    const positive = xs.filter((x) => x > 0);
    const floor = positive.length > 0 ? Math.min(...positive) : 0;
    return Float64Array.from(xs, (x) => (x > 0 ? x : floor));
  };
  const prices: DualPrices = { bandwidth: lift(start.bandwidth), frequency: lift(start.frequency), seat: new Float64Array(M) };
  let best = {
    value: -Infinity,
    prices: { bandwidth: prices.bandwidth.slice(), frequency: prices.frequency.slice(), seat: prices.seat.slice() },
  };
  let hint: Int32Array | undefined;
  let lastProgress = 0;
  // An evaluation costs about as much as the last one: start another only if it fits.
  let lastMs = passMs;
  for (let k = 0; k < 200 && now() + lastMs < deadlineAt; k++) {
    const t = now();
    const point = evaluateDual(ctx, prices, capacity, hint);
    lastMs = now() - t;
    hint = point.choice;
    if (point.value > best.value) {
      // Progress counts when it closes a noticeable part of what is left to the primal.
      if (point.value - best.value > STALL_SHARE * (target - best.value)) lastProgress = k;
      best = {
        value: point.value,
        prices: { bandwidth: prices.bandwidth.slice(), frequency: prices.frequency.slice(), seat: prices.seat.slice() },
      };
      reportProgress({ phase: 'bound', bound: best.value });
    }
    if (closeEnough(best.value) || k - lastProgress >= STALL_ITERATIONS) break;
    const eta = ASCENT_STEP / Math.sqrt(k + 1);
    for (let m = 0; m < M; m++) {
      prices.bandwidth[m] *= Math.exp(eta * Math.max(-1, Math.min(1, point.excessBandwidth[m])));
      prices.frequency[m] *= Math.exp(eta * Math.max(-1, Math.min(1, point.excessFrequency[m])));
    }
  }
  return best;
}

const ASCENT_STEP = 0.1;
/** The ascent stops after this many evaluations without closing STALL_SHARE of the remaining gap. */
const STALL_ITERATIONS = 6;
const STALL_SHARE = 0.02;
