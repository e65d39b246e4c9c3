// A server's two shared budgets. Both are separable convex resource-allocation problems with
// one coupling row, solved exactly by bisection on that row's multiplier (the price).

import { rootDecreasingLog } from './numeric.js';
import { MIN_SHARE, bandwidthForPrice, uplinkSlope, type UplinkParams } from './uplink.js';

export interface Split {
  shares: number[];
  /** multiplier of the budget row (marginal cost of one more unit of the budget) */
  price: number;
}

/** Find the price at which the demanded total meets the budget, then rescale onto it exactly. */
function clearMarket(demand: (price: number) => number[], budget: number, priceLo: number, priceHi: number): Split {
  const excess = (price: number) => {
    let total = 0;
    for (const x of demand(price)) total += x;
    return total / budget - 1;
  };
  const price = rootDecreasingLog(excess, priceLo, priceHi, 1e-9);
  const shares = demand(price);
  let total = 0;
  for (const x of shares) total += x;
  // The budget binds at the optimum (more of it always helps); land on it exactly.
  return { shares: shares.map((x) => (x * budget) / total), price };
}

/** min Σ U_n(b_n) s.t. Σ b_n ≤ W, U_n = optimal-power uplink cost (convex, decreasing). */
export function shareBandwidth(uplinks: UplinkParams[], bandwidthHz: number): Split {
  const k = uplinks.length;
  if (k === 0) return { shares: [], price: 0 };
  if (k === 1) return { shares: [bandwidthHz], price: Math.max(0, -uplinkSlope(uplinks[0], bandwidthHz)) };
  const active = uplinks.map((u) => u.delayWeight > 0 || u.energyWeight > 0);
  if (!active.some(Boolean)) return { shares: uplinks.map(() => bandwidthHz / k), price: 0 };
  const marginal = (b: number) => uplinks.filter((_, i) => active[i]).map((u) => -uplinkSlope(u, b));
  const lo = Math.max(Math.min(...marginal(bandwidthHz)), 1e-300);
  const hi = Math.max(...marginal((bandwidthHz / k) * (1 - 1e-9)), lo * 2);
  const cap = bandwidthHz;
  return clearMarket((price) => uplinks.map((u) => bandwidthForPrice(u, price, cap)), bandwidthHz, lo, hi);
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

/** min Σ load_n·(wt_n/f_n + e·κ·f_n²) s.t. Σ f_n ≤ F. */
export function shareServerFrequency(loads: EdgeLoad[], energyKappa: number, frequencyHz: number): Split {
  const k = loads.length;
  if (k === 0) return { shares: [], price: 0 };
  const floor = frequencyHz * MIN_SHARE;
  const free = loads.map((l) => Math.max(floor, Math.min(frequencyHz, unconstrainedFrequency(l, energyKappa))));
  if (free.reduce((s, x) => s + x, 0) <= frequencyHz) return { shares: free, price: 0 };
  const marginal = (l: EdgeLoad, f: number) => l.load * (l.delayWeight / (f * f) - 2 * energyKappa * f);
  const lo = Math.max(Math.min(...loads.map((l) => marginal(l, frequencyHz))), 1e-300);
  const hi = Math.max(...loads.map((l) => marginal(l, frequencyHz / k)), lo * 2);
  return clearMarket((price) => loads.map((l) => frequencyForPrice(l, energyKappa, price, frequencyHz)), frequencyHz, lo, hi);
}
