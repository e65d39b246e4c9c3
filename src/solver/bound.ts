// Lagrangian dual bound: price every server's bandwidth and frequency budget; each device then
// picks its best server, mode, split and continuous decisions independently. For any
// non-negative prices, Σ_n min_m φ_nm − Σ_m (λ_m·W_m + μ_m·F_m) ≤ optimum (weak duality), provided
// φ is minimised exactly (or bounded below: see pricedDeviceCost). Deadlines are dropped (a relaxation).

import { pricedRow, type PlanContext } from './server-plan.js';
import { capacities } from './association.js';
import { GLPK_TRANSPORT_LIMIT, solveTransportation } from './transportation.js';

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
 * Start from the primal's prices (and its priced matrix at those prices when the search has it)
 * and try scaling them while time allows.
 */
export function lagrangianBound(ctx: PlanContext, start: Prices, deadlineAt: number, pricedAtStart?: number[][]): number {
  let best = dualValue(ctx, start, pricedAtStart);
  let cur = start;
  const factors = [0.5, 2, 0.8, 1.25, 0.95, 1.05];
  for (let round = 0; round < 3; round++) {
    let improved = false;
    for (const which of ['bandwidth', 'frequency'] as const) {
      for (const f of factors) {
        if (Date.now() >= deadlineAt) return best;
        const trial: Prices = { ...cur, [which]: cur[which].map((p) => p * f) };
        const v = dualValue(ctx, trial);
        if (v > best) {
          best = v;
          cur = trial;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return best;
}
