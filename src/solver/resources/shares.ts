// A server's two shared budgets. Both are separable convex resource-allocation problems with
// one coupling row, solved exactly by bisection on that row's multiplier (the price).

import { rootDecreasingLog } from '../math/numeric.js';
import { MIN_SHARE, bandwidthForPrice, uplinkSlope, type UplinkParams } from './uplink.js';

export interface Split {
  shares: number[];
  /** multiplier of the budget row (marginal cost of one more unit of the budget) */
  price: number;
}

/** A price hint's bracket: [hint/HINT_BRACKET, hint·HINT_BRACKET]. */
const HINT_BRACKET = 1.1;

/**
 * Find the price at which the demanded total meets the budget, then rescale onto it exactly.
 * `demand(i, price)` is member i's demand; the total is summed in place (this runs for every
 * budget split the search makes, so it allocates nothing per price tried). `hint`: a price near
 * the root (the server's price before a move changed its members): the root is bracketed around
 * it first (two demands), and searched in that bracket, or beyond it on the side the signs say.
 */
function clearMarket(
  count: number,
  demand: (i: number, price: number) => number,
  budget: number,
  priceLo: number,
  priceHi: number,
  hint = Number.NaN,
): Split {
  const excess = (price: number) => {
    let total = 0;
    for (let i = 0; i < count; i++) total += demand(i, price);
    return total / budget - 1;
  };
  let price: number;
  if (hint > priceLo && hint < priceHi) {
    const a = Math.max(priceLo, hint / HINT_BRACKET);
    const b = Math.min(priceHi, hint * HINT_BRACKET);
    const fa = excess(a);
    if (fa <= 0) price = rootDecreasingLog(excess, priceLo, a, 1e-9, undefined, fa);
    else {
      const fb = excess(b);
      price = fb >= 0 ? rootDecreasingLog(excess, b, priceHi, 1e-9, fb) : rootDecreasingLog(excess, a, b, 1e-9, fa, fb);
    }
  } else price = rootDecreasingLog(excess, priceLo, priceHi, 1e-9);
  const shares = new Array<number>(count);
  let total = 0;
  for (let i = 0; i < count; i++) total += shares[i] = demand(i, price);
  // The budget binds at the optimum (more of it always helps); land on it exactly.
  for (let i = 0; i < count; i++) shares[i] = (shares[i] * budget) / total;
  return { shares, price };
}

/** min Σ U_n(b_n) s.t. Σ b_n ≤ W, U_n = optimal-power uplink cost (convex, decreasing); `priceHint` as clearMarket's. */
export function shareBandwidth(uplinks: UplinkParams[], bandwidthHz: number, priceHint = Number.NaN): Split {
  const k = uplinks.length;
  if (k === 0) return { shares: [], price: 0 };
  if (k === 1) return { shares: [bandwidthHz], price: Math.max(0, -uplinkSlope(uplinks[0], bandwidthHz)) };
  let lo = Infinity;
  let hi = 0;
  for (const u of uplinks) {
    if (!(u.delayWeight > 0 || u.energyWeight > 0)) continue;
    lo = Math.min(lo, -uplinkSlope(u, bandwidthHz));
    hi = Math.max(hi, -uplinkSlope(u, (bandwidthHz / k) * (1 - 1e-9)));
  }
  if (hi === 0) return { shares: uplinks.map(() => bandwidthHz / k), price: 0 };
  lo = Math.max(lo, 1e-300);
  return clearMarket(k, (i, price) => bandwidthForPrice(uplinks[i], price, bandwidthHz), bandwidthHz, lo, Math.max(hi, lo * 2), priceHint);
}

export interface EdgeLoad {
  /** cycles-equivalent load: cost = load·(delayWeight/f + energyWeight·κ·f²) */
  load: number;
  delayWeight: number;
}

/** Per-device optimum of load·(wt/f + e·κ·f²) + price·f. */
export function frequencyForPrice(l: EdgeLoad, energyKappa: number, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  // Without delay weight the optimum is an infimum at f → 0 (energy only falls); stay on the floor.
  if (l.load <= 0 || l.delayWeight <= 0) return price > 0 ? lo : Math.max(lo, Math.min(capHz, unconstrainedFrequency(l, energyKappa)));
  // q(f) = price + 2·load·eκ·f − load·wt/f² is increasing and concave in f; its root is the
  // optimum. Newton's first step from the right lands left of the root, and from there it
  // converges monotonically.
  const a = l.load * l.delayWeight;
  const c = 2 * l.load * energyKappa;
  let hi = Math.min(capHz, unconstrainedFrequency(l, energyKappa));
  if (price > 0) hi = Math.min(hi, Math.sqrt(a / price));
  if (price + c * hi - a / (hi * hi) <= 0) return hi;
  if (price + c * lo - a / (lo * lo) >= 0) return lo;
  let f = hi;
  for (let i = 0; i < 100; i++) {
    const q = price + c * f - a / (f * f);
    const dq = c + (2 * a) / (f * f * f);
    const next = Math.max(lo, f - q / dq);
    if (Math.abs(next - f) <= 1e-15 * f) return next;
    f = next;
  }
  return f;
}

/** f* = (wt / (2·e·κ))^(1/3): where a device stops wanting more frequency. */
export function unconstrainedFrequency(l: EdgeLoad, energyKappa: number): number {
  if (l.delayWeight <= 0) return 0;
  if (energyKappa <= 0) return Infinity;
  return Math.cbrt(l.delayWeight / (2 * energyKappa));
}

/** min Σ load_n·(wt_n/f_n + e·κ·f_n²) s.t. Σ f_n ≤ F; `priceHint` as clearMarket's. */
export function shareServerFrequency(loads: EdgeLoad[], energyKappa: number, frequencyHz: number, priceHint = Number.NaN): Split {
  const k = loads.length;
  if (k === 0) return { shares: [], price: 0 };
  const floor = frequencyHz * MIN_SHARE;
  const free = new Array<number>(k);
  let demand = 0;
  for (let i = 0; i < k; i++) demand += free[i] = Math.max(floor, Math.min(frequencyHz, unconstrainedFrequency(loads[i], energyKappa)));
  if (demand <= frequencyHz) return { shares: free, price: 0 };
  const marginal = (l: EdgeLoad, f: number) => l.load * (l.delayWeight / (f * f) - 2 * energyKappa * f);
  let lo = Infinity;
  let hi = 0;
  for (const l of loads) {
    lo = Math.min(lo, marginal(l, frequencyHz));
    hi = Math.max(hi, marginal(l, frequencyHz / k));
  }
  lo = Math.max(lo, 1e-300);
  return clearMarket(
    k,
    (i, price) => frequencyForPrice(loads[i], energyKappa, price, frequencyHz),
    frequencyHz,
    lo,
    Math.max(hi, lo * 2),
    priceHint,
  );
}
