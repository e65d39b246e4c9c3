// The pricing kernel: a device's Lagrangian cost on one server at the server's prices,
//   min over (mode, split), power, bandwidth b and server frequency f of
//   fixed(mode, split) + uplink(b) + λ·b + edge(load, f) + μ·f.
// Everything hot in the solver (market clearing, best responses, the dual bound, reassignment)
// goes through here, so it avoids allocation and skips work it can bound:
// - along an edge group (see member.ts) the fixed cost rises and the edge load falls with the
//   split, so fixed(first of a run) + edge(load of last of the run) bounds the whole run: runs
//   are split in halves only while their bound beats the best candidate so far;
// - the uplink with the whole bandwidth bounds the priced uplink from below (λ·b ≥ 0, the cost
//   falls with b), so a device whose bound already reaches a caller's cutoff costs no root solve.

import { MIN_SHARE, interiorUplinkInto, pricedUplinkInto } from '../resources/uplink.js';
import {
  choicesOf,
  floorsOf,
  memberOf,
  migrationCost,
  uplinkOf,
  type EdgeGroup,
  type Member,
  type PlanContext,
  type UplinkKind,
} from './member.js';

/** Frequency chosen by the last edgePriced() call (a side channel; a typed slot, so writing it allocates nothing). */
const last = new Float64Array(1);

/**
 * min over f ∈ [cap·MIN_SHARE, cap] of load·(wt/f + eκ·f²) + μ·f; the minimiser is left in
 * last[0]. q(f) = μ + 2·load·eκ·f − load·wt/f² is increasing and concave in f: Newton
 * from the right of its root lands left of it, then converges monotonically, with relative error
 * after a step of relative size δ at most (|q″|·f/2q′)·δ² ≤ 1.5·δ² (q′ = c + 2a/f³, |q″| = 6a/f⁴):
 * a step under EDGE_STEP leaves the root to a few ulps, so no step is taken only to confirm it.
 */
function edgePriced(load: number, delayWeight: number, energyKappa: number, price: number, capHz: number): number {
  const lo = capHz * MIN_SHARE;
  let f: number;
  if (load <= 0 || delayWeight <= 0) {
    // No delay weight: energy only falls with f, the optimum is the floor (an infimum).
    f = price > 0 || delayWeight <= 0 ? lo : Math.min(capHz, energyKappa > 0 ? Math.cbrt(delayWeight / (2 * energyKappa)) : capHz);
  } else {
    const a = load * delayWeight;
    const c = 2 * load * energyKappa;
    let hi = Math.min(capHz, energyKappa > 0 ? Math.cbrt(delayWeight / (2 * energyKappa)) : Infinity);
    if (price > 0) hi = Math.min(hi, Math.sqrt(a / price));
    if (price + c * hi - a / (hi * hi) <= 0) f = hi;
    else if (price + c * lo - a / (lo * lo) >= 0) f = lo;
    else {
      f = hi;
      for (let i = 0; i < 100; i++) {
        const q = price + c * f - a / (f * f);
        const next = Math.max(lo, f - q / (c + (2 * a) / (f * f * f)));
        if (Math.abs(next - f) <= EDGE_STEP * f) {
          f = next;
          break;
        }
        f = next;
      }
    }
  }
  last[0] = f;
  return load * (delayWeight / f + energyKappa * f * f) + price * f;
}

/** edgePriced's last Newton step (relative): the error after it is at most 1.5·EDGE_STEP², 1.5e-16. */
const EDGE_STEP = 1e-8;

/** Result of a best-candidate search; reused by callers to avoid allocation. */
interface Best {
  cost: number;
  /** index into Member.candidates, −1 when every candidate was bounded away */
  candidate: number;
  frequencyHz: number;
}

export function newBest(): Best {
  return { cost: Infinity, candidate: -1, frequencyHz: 0 };
}

const stackLo = new Int32Array(64);
const stackHi = new Int32Array(64);

/**
 * Best candidate of a device's edge groups on a server (edge load = work × loadScale) at frequency
 * price μ, given each uplink kind's (priced) uplink cost.
 * Exact when out.candidate ≥ 0; candidates whose bound reaches `cutoff` are skipped, so when
 * every candidate is, out.cost is a lower bound ≥ cutoff and out.candidate is −1.
 */
export function bestCandidate(
  groups: EdgeGroup[],
  loadScale: number,
  delayWeight: number,
  energyKappa: number,
  price: number,
  capHz: number,
  uplinkBp: number,
  uplinkZo: number,
  cutoff: number,
  out: Best,
): Best {
  let best = cutoff;
  let bestJ = -1;
  let bestF = 0;
  let floor = Infinity; // lower bound of everything skipped
  const scale = loadScale;
  for (const g of groups) {
    const up = g.kind === 'bp' ? uplinkBp : uplinkZo;
    const n = g.work.length;
    // First candidate evaluated outright (the smallest split is the usual winner), then runs.
    const h0 = up + g.fixed[0] + edgePriced(g.work[0] * scale, delayWeight, energyKappa, price, capHz);
    if (h0 < best) {
      best = h0;
      bestJ = g.candidates[0];
      bestF = last[0];
    } else floor = Math.min(floor, h0);
    if (n === 1) continue;
    let top = 0;
    stackLo[0] = 1;
    stackHi[0] = n - 1;
    top = 1;
    while (top > 0) {
      top--;
      const i = stackLo[top];
      const j = stackHi[top];
      // Edge cost ≥ 0: the fixed costs alone often settle a run without any edge evaluation.
      if (up + g.fixedFloor[i] >= best) {
        floor = Math.min(floor, up + g.fixedFloor[i]);
        continue;
      }
      const bound = up + g.fixedFloor[i] + edgePriced(g.work[j] * scale, delayWeight, energyKappa, price, capHz);
      if (i === j) {
        // The bound is the candidate's exact cost when the floor is its own fixed cost.
        const exact =
          g.fixedFloor[i] === g.fixed[i] ? bound : up + g.fixed[i] + edgePriced(g.work[i] * scale, delayWeight, energyKappa, price, capHz);
        if (exact < best) {
          best = exact;
          bestJ = g.candidates[i];
          bestF = last[0];
        } else floor = Math.min(floor, exact);
        continue;
      }
      if (bound >= best) {
        floor = Math.min(floor, bound);
        continue;
      }
      const mid = (i + j) >> 1;
      // Right half below, left half on top: smaller splits are explored first.
      stackLo[top] = mid + 1;
      stackHi[top] = j;
      top++;
      stackLo[top] = i;
      stackHi[top] = mid;
      top++;
    }
  }
  out.candidate = bestJ;
  out.cost = bestJ >= 0 ? best : floor;
  out.frequencyHz = bestF;
  return out;
}

/** Priced uplink of one kind: min over b of uplink(b) + λ·b, and the b chosen. */
export function pricedUplink(mem: Member, kind: UplinkKind, price: number, capHz: number): { cost: number; bandwidthHz: number } {
  pricedUplinkInto(uplinkOf(mem, kind), price, capHz, upScratch);
  return { cost: upScratch[0], bandwidthHz: upScratch[1] };
}

/** pricedUplinkInto's slots: [cost, bandwidth, interior SNR or NaN] (typed: pricing a pair allocates nothing). */
const upScratch = new Float64Array(3);

const costScratch = newPairPrice();

/**
 * Lagrangian cost of one device on one server at given prices: min over its choices and
 * continuous decisions of its cost + prices × the budget it consumes. Exact (every inner
 * problem is solved to global optimality), so Σ over devices minus prices × budgets is a valid
 * lower bound on the optimum. When a lower bound already reaches `cutoff` (see prunedBelow), that
 * bound is returned instead: callers take minima over servers, which stay valid lower bounds.
 */
export function pricedDeviceCost(
  ctx: PlanContext,
  server: number,
  device: number,
  bandwidthPrice: number,
  frequencyPrice: number,
  cutoff = Infinity,
): number {
  return pricePair(ctx, server, device, bandwidthPrice, frequencyPrice, cutoff, costScratch).cost;
}

/**
 * Whether a pair's priced cost certainly reaches `cutoff`, judged from the device's own data
 * (no per-pair member is built: on large instances most pairs never need one). The uplink is
 * bounded below by `uplinkFloor` (0, or a floor from floor.ts). When true, out.cost is a lower bound ≥ cutoff.
 */
function prunedBelow(
  ctx: PlanContext,
  server: number,
  device: number,
  frequencyPrice: number,
  cutoff: number,
  out: Best,
  uplinkFloor = 0,
): boolean {
  const c = choicesOf(ctx, device);
  const s = ctx.instance.servers[server];
  bestCandidate(
    c.groups,
    1 / (s.cores * s.flopsPerCycle),
    c.computeDelayWeight,
    ctx.weights.energy * s.kappa,
    frequencyPrice,
    s.frequencyHz,
    uplinkFloor,
    uplinkFloor,
    cutoff,
    out,
  );
  return out.candidate < 0;
}

/** A price-free lower bound of pricedDeviceCost: uplink with the whole bandwidth, no edge cost. */
export function pricedLowerBound(ctx: PlanContext, server: number, device: number): number {
  const mem = memberOf(ctx, server, device);
  floorsOf(mem, ctx.instance.servers[server].bandwidthHz);
  return Math.min(mem.floorBp, mem.floorZo) + mem.minFixedCost + mem.migrationCost;
}

/** Priced costs of one device on every server, strongest gain first so that pruning bites. */
export function pricedRow(ctx: PlanContext, device: number, bandwidthPrices: number[], frequencyPrices: number[]): number[] {
  const dm = ctx.models[device];
  const row = new Array<number>(ctx.instance.servers.length).fill(Infinity);
  let best = Infinity;
  for (const m of dm.serversByGain) {
    row[m] = pricedDeviceCost(ctx, m, device, bandwidthPrices[m], frequencyPrices[m], best);
    best = Math.min(best, row[m]);
  }
  return row;
}

/** A priced (server, device) pair: its Lagrangian cost and the budgets its best choice uses. */
export interface PairPrice {
  cost: number;
  /** false when the pair was bounded away by the cutoff: cost is then only a lower bound ≥ cutoff */
  exact: boolean;
  candidate: number;
  bandwidthHz: number;
  frequencyHz: number;
  /** the SNR of the best choice's uplink where its power and bandwidth are interior, else NaN (uplink.ts curvatureAtSnr) */
  snr: number;
}

export function newPairPrice(): PairPrice {
  return { cost: Infinity, exact: false, candidate: -1, bandwidthHz: 0, frequencyHz: 0, snr: NaN };
}

const pairScratch = newBest();

/**
 * pricedDeviceCost with the argmin: which candidate, and how much bandwidth and frequency it takes.
 * `uplinkFloor`: a known lower bound of the pair's priced uplink (every kind), which lets more
 * pairs be bounded away before their member is built.
 */
export function pricePair(
  ctx: PlanContext,
  server: number,
  device: number,
  bandwidthPrice: number,
  frequencyPrice: number,
  cutoff: number,
  out: PairPrice,
  uplinkFloor = 0,
): PairPrice {
  // (Reset here: the early returns below must not leave the previous pair's argmin in `out`.)
  out.exact = false;
  out.candidate = -1;
  out.snr = NaN;
  if (cutoff < Infinity && prunedBelow(ctx, server, device, frequencyPrice, cutoff, pairScratch, uplinkFloor)) {
    out.cost = pairScratch.cost;
    return out;
  }
  // The device's choices and the server's data are all a pair needs (what memberOf would copy into
  // its member), and its uplink is priced from the device's uplink base and the gain when interior:
  // the pair's member (scattered in memory, new for most pairs of a pass) only where it is not.
  const ch = choicesOf(ctx, device);
  const s = ctx.instance.servers[server];
  const gain = ch.model.device.gains[server];
  let bpCost = Infinity;
  let bpHz = 0;
  let bpSnr = NaN;
  let zoCost = Infinity;
  let zoHz = 0;
  let zoSnr = NaN;
  let mem: Member | null = null;
  if (ch.bpBase) {
    if (!interiorUplinkInto(ch.bpBase, gain, bandwidthPrice, s.bandwidthHz, upScratch)) {
      mem = memberOf(ctx, server, device);
      pricedUplinkInto(mem.uplinkBp!, bandwidthPrice, s.bandwidthHz, upScratch);
    }
    bpCost = upScratch[0];
    bpHz = upScratch[1];
    bpSnr = upScratch[2];
  }
  if (ch.zoBase) {
    if (!interiorUplinkInto(ch.zoBase, gain, bandwidthPrice, s.bandwidthHz, upScratch)) {
      mem ??= memberOf(ctx, server, device);
      pricedUplinkInto(mem.uplinkZo!, bandwidthPrice, s.bandwidthHz, upScratch);
    }
    zoCost = upScratch[0];
    zoHz = upScratch[1];
    zoSnr = upScratch[2];
  }
  // The migration is a constant of the pair: carried with the uplink, which every candidate pays.
  const up = migrationCost(ctx, server, device);
  bestCandidate(
    ch.groups,
    1 / (s.cores * s.flopsPerCycle),
    ch.computeDelayWeight,
    ctx.weights.energy * s.kappa,
    frequencyPrice,
    s.frequencyHz,
    bpCost + up,
    zoCost + up,
    cutoff,
    pairScratch,
  );
  out.cost = pairScratch.cost;
  if (pairScratch.candidate < 0) return out;
  const c = ch.candidates[pairScratch.candidate];
  out.exact = true;
  out.candidate = pairScratch.candidate;
  const bp = ch.model.options[c.option].uplinkKind === 'bp';
  out.bandwidthHz = bp ? bpHz : zoHz;
  out.snr = bp ? bpSnr : zoSnr;
  out.frequencyHz = pairScratch.frequencyHz;
  return out;
}
