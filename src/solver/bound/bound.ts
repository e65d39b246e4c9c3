// Lagrangian dual bound: price every server's bandwidth and frequency budget; each device then
// picks its best server, mode, split and continuous decisions independently. For any
// non-negative prices, Σ_n min_m φ_nm − Σ_m (λ_m·W_m + μ_m·F_m) ≤ optimum (weak duality), provided
// φ is minimised exactly (or bounded below: see pricedDeviceCost). Deadlines are dropped (a relaxation).
// The prices are raised from the primal's by the cutting-plane model of bundle.ts (few exact
// passes); where maxDevices binds, the inner problem is a transportation LP and the bound is taken
// at the primal's prices as they are.

import { pricedRow, type PlanContext } from '../resources/server-plan.js';
import { capacities } from '../association/association.js';
import { createBundle, seedCuts, tightenBundle, type BundleState, type PairCut } from './bundle.js';
import { GLPK_TRANSPORT_LIMIT, solveTransportation } from '../association/transportation.js';
import { expired } from '../clock.js';
import type { DeviceFloor } from '../pricing/floor.js';
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

/** A bound and the prices that prove it (to carry on from later). */
interface PricedBound {
  value: number;
  prices: Prices;
  /** the cutting-plane state (absent where capacities bind): a later call with `resume` carries on from it */
  bundle?: BundleState;
}

interface AscentOptions {
  /** every pair priced at exactly `start` (the search's pricing pass): no pass is needed to start */
  priced?: number[][];
  /** stop once (objective − bound) ≤ tolerance·|objective|: a gap stop needs no more (default 1e-6) */
  tolerance?: number;
  /** carry on from an earlier call's state at the same start (its cuts and best point are kept) */
  resume?: BundleState;
  /** at most this many exact passes (besides the deadline) */
  maxPasses?: number;
  /** decisions found elsewhere per device (the search's quotes): cuts for the model (bundle.ts seedCuts) */
  cuts?: ArrayLike<readonly PairCut[]>;
  /** per device, floor data already built over ctx (the anytime bound's): a new ascent's first pass need not build them */
  floors?: (DeviceFloor | undefined)[];
}

/**
 * Start from the primal's prices (and its priced matrix at those prices when the search has it),
 * then raise the dual while time allows. Every evaluated point is a valid bound; the best is returned.
 */
export function lagrangianBound(
  ctx: PlanContext,
  start: Prices,
  deadlineAt: number,
  objective: number,
  pricedAtStart?: number[][],
): number {
  return ascendBound(ctx, start, deadlineAt, objective, { priced: pricedAtStart }).value;
}

/**
 * lagrangianBound with its prices (−Infinity and the start prices when not even one pass fitted).
 * Stops as soon as the bound is within `tolerance` of `objective`: past that, more ascent cannot
 * end a solve sooner.
 */
export function ascendBound(
  ctx: PlanContext,
  start: Prices,
  deadlineAt: number,
  objective: number,
  options: AscentOptions = {},
): PricedBound {
  const N = ctx.models.length;
  const cap = capacities(ctx);
  const tolerance = options.tolerance ?? 1e-6;
  // With binding capacities the inner problem is a transportation LP; ascent there is not worth its cost.
  if (cap.some((c) => c < N)) {
    const priced = options.priced ?? pricedWithin(ctx, start, deadlineAt);
    return { value: priced ? dualValue(ctx, start, priced) : -Infinity, prices: start };
  }
  const bundle = options.resume ?? createBundle(ctx, start, options.priced);
  // (Floors are a memo of ctx: shared, each is built once, by whichever pass needs it first.)
  if (options.floors && !options.resume) bundle.memo.floors = options.floors;
  if (options.cuts) seedCuts(bundle, options.cuts);
  const found = tightenBundle(bundle, deadlineAt, { tolerance, objective, ...(options.maxPasses ? { maxPasses: options.maxPasses } : {}) });
  // Not even one pass fitted, but the search's pass at these prices gives the value at once.
  if (found.value === -Infinity && options.priced) return { value: dualValue(ctx, start, options.priced), prices: start, bundle };
  reportProgress({ phase: 'bound', bound: found.value });
  return { value: found.value, prices: found.prices, bundle };
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
