// Lagrangian dual bound: price every server's bandwidth and frequency budget; each device then
// picks its best server, mode, split and continuous decisions independently. For any
// non-negative prices, Σ_n min_m φ_nm − Σ_m (λ_m·W_m + μ_m·F_m) ≤ optimum (weak duality), provided
// φ is minimised exactly (or bounded below: see pricedDeviceCost). Deadlines are dropped (a relaxation).

import { pricedDeviceCost, pricedLowerBound, pricedRow, type PlanContext } from '../resources/server-plan.js';
import { capacities } from '../association/association.js';
import { ascendDual } from './dual.js';
import { goldenSectionMin } from '../math/numeric.js';
import { GLPK_TRANSPORT_LIMIT, solveTransportation } from '../association/transportation.js';
import { expired, now, remainingMs } from '../clock.js';
import { reportProgress } from '../control.js';

export interface Prices {
  bandwidth: number[];
  frequency: number[];
}

export function dualValue(ctx: PlanContext, prices: Prices, pricedAtPrices?: number[][]): number {
  const priced = pricedAtPrices ?? ctx.models.map((_, n) => pricedRow(ctx, n, prices.bandwidth, prices.frequency));
  const cap = capacities(ctx);
  const N = ctx.models.length;
  let assignmentCost = 0;
  const binding = cap.some((c) => c < N);
  const pairs = ctx.models.reduce((s, dm) => s + dm.servers.length, 0);
  if (binding && pairs <= GLPK_TRANSPORT_LIMIT) {
    // The capacitated assignment LP is integral: its optimum is the exact inner minimum.
    const assignment = solveTransportation(priced, cap);
    if (!assignment) return -Infinity;
    assignment.forEach((m, n) => (assignmentCost += priced[n][m]));
  } else {
    // Dropping capacities only lowers the inner minimum: still a valid bound.
    for (const row of priced) assignmentCost += Math.min(...row);
  }
  let budgetValue = 0;
  ctx.instance.servers.forEach((s, m) => (budgetValue += prices.bandwidth[m] * s.bandwidthHz + prices.frequency[m] * s.frequencyHz));
  return assignmentCost - budgetValue;
}

/**
 * Coordinate ascent on the dual, one server at a time. With the other servers' prices fixed,
 * the dual as a function of one server's bandwidth (or frequency) price is concave: a sum of
 * minima of affine functions minus a linear term. So golden section on the log of the price
 * finds its maximum. Only devices whose price-free lower bound on this server beats their best
 * other server can change the value, so only they are re-priced.
 */
function serverAscent(ctx: PlanContext, prices: Prices, priced: number[][], deadlineAt: number, closeEnough: () => boolean): void {
  const N = ctx.models.length;
  const M = ctx.instance.servers.length;
  // A server's step costs a pass over every device's row: the next starts only if the last fits.
  let stepMs = 0;
  for (let round = 0; round < 2 && !closeEnough(); round++) {
    for (let m = 0; m < M && remainingMs(deadlineAt) > stepMs; m++) {
      const stepStart = now();
      const s = ctx.instance.servers[m];
      const others = priced.map((row) => {
        let best = Infinity;
        for (let j = 0; j < M; j++) if (j !== m && row[j] < best) best = row[j];
        return best;
      });
      const movable: number[] = [];
      for (let n = 0; n < N; n++) {
        if (ctx.models[n].servers.includes(m) && pricedLowerBound(ctx, m, n) < others[n]) movable.push(n);
      }
      if (movable.length === 0) continue;
      const value = (bandwidthPrice: number, frequencyPrice: number) => {
        let v = -bandwidthPrice * s.bandwidthHz - frequencyPrice * s.frequencyHz;
        for (const n of movable) v += Math.min(others[n], pricedDeviceCost(ctx, m, n, bandwidthPrice, frequencyPrice, others[n]));
        return v;
      };
      for (const which of ['bandwidth', 'frequency'] as const) {
        const p0 = prices[which][m];
        if (!(p0 > 0)) continue;
        const at = (t: number) =>
          which === 'bandwidth' ? value(p0 * Math.exp(t), prices.frequency[m]) : value(prices.bandwidth[m], p0 * Math.exp(t));
        const search = goldenSectionMin((t) => -at(t), -3, 3, 14);
        if (-search.value > at(0)) prices[which][m] = p0 * Math.exp(search.x);
      }
      for (const n of movable) priced[n][m] = pricedDeviceCost(ctx, m, n, prices.bandwidth[m], prices.frequency[m], others[n]);
      stepMs = now() - stepStart;
    }
  }
}

/**
 * Start from the primal's prices (and its priced matrix at those prices when the search has it),
 * then raise the dual by per-server coordinate ascent while time allows. Every evaluated point is
 * a valid bound; the best is returned.
 */
export function lagrangianBound(
  ctx: PlanContext,
  start: Prices,
  deadlineAt: number,
  objective: number,
  pricedAtStart?: number[][],
): number {
  const prices: Prices = { bandwidth: start.bandwidth.slice(), frequency: start.frequency.slice() };
  const t0 = now();
  const priced = pricedAtStart?.map((row) => row.slice()) ?? pricedWithin(ctx, prices, deadlineAt);
  if (!priced) return -Infinity; // no time for one full pricing pass: no bound
  const passMs = pricedAtStart ? 0 : now() - t0;
  let best = dualValue(ctx, prices, priced);
  const N = ctx.models.length;
  const cap = capacities(ctx);
  const closeEnough = (v: number) => objective - v <= 1e-6 * Math.abs(objective);
  // With binding capacities the inner problem is a transportation LP; ascent there is not worth its cost.
  if (cap.every((c) => c >= N) && !closeEnough(best)) {
    // Multiplicative ascent first (it moves every price at once), then per-server coordinate
    // ascent from its best prices with whatever time is left.
    const ascended = ascendDual(ctx, prices, cap, deadlineAt, objective, closeEnough, passMs);
    if (ascended.value > best) {
      best = ascended.value;
      prices.bandwidth = Array.from(ascended.prices.bandwidth);
      prices.frequency = Array.from(ascended.prices.frequency);
      if (expired(deadlineAt) || closeEnough(best)) return best;
      const repriced = pricedWithin(ctx, prices, deadlineAt);
      if (!repriced) return best;
      priced.splice(0, priced.length, ...repriced);
    }
    serverAscent(ctx, prices, priced, deadlineAt, () => closeEnough(dualValue(ctx, prices, priced)));
    best = Math.max(best, dualValue(ctx, prices, priced));
  }
  reportProgress({ phase: 'bound', bound: best });
  return best;
}

/**
 * Every device's priced row, or null when the deadline comes first: a bound needs every row,
 * and the price-free fallback per row costs a power optimisation per pair, too much to finish
 * late on large instances.
 */
function pricedWithin(ctx: PlanContext, prices: Prices, deadlineAt: number): number[][] | null {
  const rows: number[][] = [];
  for (let n = 0; n < ctx.models.length; n++) {
    if ((n & 15) === 0 && expired(deadlineAt)) return null;
    rows.push(pricedRow(ctx, n, prices.bandwidth, prices.frequency));
  }
  return rows;
}
