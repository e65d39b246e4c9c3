// Association search by estimated moves. Moving device n from server A to B changes A's and B's
// optimal costs; at the servers' current prices the priced cost φ (pricing/kernel.ts) is the first-order
// change of either, and it is biased: by weak duality φ_nB understates B's increase and φ_nA
// overstates A's saving. The second-order term is the cost of moving a server's price to clear its
// budget again: ½·x²/|D′| for a demand x and the slope D′ of the members' demand in the price
// (both budgets). For sqrt-like edge costs this is exact; in general its error is third order.
//
// So every device's best move is estimated in O(1) from a priced matrix over its nearest servers.
// Batches of the best moves are applied together, each touched server re-split exactly once (every
// device's mode and split held), and the batch stands only when the true total falls; a server
// takes part in one move per batch at first, up to three after batches that stand. When no move
// pays, swaps (whose net demand changes are small) are estimated the same way and verified one by
// one (a server takes part in up to four per round). Quotes on changed servers move to first order
// and are priced exactly every few batches.
// Servers whose members changed are re-planned in full at the end (modes and splits free again).
//
// A warm start may name the devices to quote first (`focus`: those an earlier answer's prices say are
// out of place): the others are near where they should be, and quoting every pair would be most of
// the search. The others are quoted when the focused search stalls (no move, no swap) unproven, so
// the search ends where an unfocused one could.

import type { Solution } from './association.js';
import { capacities, UNWATCHED, type SearchMonitor } from './association.js';
import { edgeLoadPerLayer } from '../pricing/device-model.js';
import { memberOf, uplinkOf, type Choice, type PlanContext } from '../pricing/member.js';
import { newPairPrice, pricePair } from '../pricing/kernel.js';
import { assembleServer, bestResponseFixedPoint, planServer, type ServerPlan } from '../resources/server-plan.js';
import { curvatureAtSnr, uplinkCurvature, uplinkSlope, type UplinkParams } from '../resources/uplink.js';
import { expired } from '../clock.js';
import { reportProgress } from '../control.js';
import { decisionsOfPlans } from '../resources/decisions.js';

/** Servers quoted per device: its strongest-gain ones (plus its own). */
const CANDIDATE_SERVERS = 12;
/** Moves a server takes part in per batch. */
const TOUCHES_PER_BATCH = 3;
/** Slots a device's candidate list may take (its strongest-gain servers and its own): n·SLOTS + k packs a (device, slot). */
const SLOTS = CANDIDATE_SERVERS + 1;
/**
 * Swaps a server takes part in per swap round, each verified exactly on the two servers' plans as
 * they are then (a later swap's estimate is from before the earlier one, but its check is not):
 * measured at 1,000 × 50, 4 instead of 1 brought the search within 1e-4 of the bound ~10% sooner
 * and to its end ~20% sooner (the round's estimates and its exact re-quotes serve more swaps).
 */
const SWAPS_PER_SERVER = 4;
/** Every this many batches all quotes are priced exactly again. */
const EXACT_EVERY = 4;

export interface Slopes {
  /** |d demand / d price| of the members, per budget (0 when the price is 0: the budget is slack) */
  bandwidth: number;
  frequency: number;
}

/**
 * |db/dλ| = 1/U″(b) for an uplink at bandwidth b: U″ in closed form where the power is interior
 * (uplinkCurvature: one inverse of Φ where the central difference takes two slopes, each with its power;
 * it agrees with the difference to ~2e-8 relative), else by a central difference of the exact slope.
 */
function bandwidthSlope(u: UplinkParams, b: number): number {
  let curvature = uplinkCurvature(u, b);
  if (Number.isNaN(curvature)) {
    const h = 1e-4 * b;
    curvature = (uplinkSlope(u, b + h) - uplinkSlope(u, b - h)) / (2 * h);
  }
  return curvature > 0 ? 1 / curvature : 0;
}

/** bandwidthSlope of a priced pair: from its interior SNR where the kernel left one (no root to solve). */
function pairBandwidthSlope(u: UplinkParams, b: number, snr: number): number {
  if (Number.isNaN(snr)) return bandwidthSlope(u, b);
  const curvature = curvatureAtSnr(u, snr);
  return curvature > 0 ? 1 / curvature : 0;
}

/** |df/dμ| from μ + 2·L·eκ·f − L·w/f² = 0. */
function frequencySlope(load: number, delayWeight: number, energyKappa: number, f: number): number {
  const d = 2 * load * energyKappa + (2 * load * delayWeight) / (f * f * f);
  return d > 0 ? 1 / d : 0;
}

/** The members' demand slopes of a server at its plan (exported for tests). */
export function serverSlopes(ctx: PlanContext, plan: ServerPlan): Slopes {
  const s = ctx.instance.servers[plan.server];
  const eKappa = ctx.weights.energy * s.kappa;
  let bandwidth = 0;
  let frequency = 0;
  for (const d of plan.devices) {
    const mem = memberOf(ctx, plan.server, d.device);
    const opt = mem.model.options[d.choice.option];
    if (plan.bandwidthPrice > 0) bandwidth += bandwidthSlope(uplinkOf(mem, opt.uplinkKind), d.bandwidthHz);
    if (plan.frequencyPrice > 0) {
      const load = (ctx.instance.layers - d.choice.split) * edgeLoadPerLayer(ctx.instance, opt, plan.server);
      frequency += frequencySlope(load, mem.computeDelayWeight, eKappa, d.serverFrequencyHz);
    }
  }
  return { bandwidth, frequency };
}

/** A priced pair with what the move estimate needs. */
export interface Quote {
  server: number;
  cost: number;
  /** the decision's cost at zero prices (cost − λ·b − μ·f): unchanged when the quote moves to first order */
  fixedCost: number;
  candidate: number;
  bandwidthHz: number;
  frequencyHz: number;
  /** the device's own demand slopes at this server */
  slopeB: number;
  slopeF: number;
}

const pairScratch = newPairPrice();

/**
 * Device `device` priced on `plan`'s server at its prices; written into `into` when given (the
 * search re-quotes thousands of pairs a step: reusing a pair's quote allocates nothing).
 */
export function quote(ctx: PlanContext, plan: ServerPlan, device: number, into: Quote | null = null): Quote | null {
  const m = plan.server;
  const pair = pricePair(ctx, m, device, plan.bandwidthPrice, plan.frequencyPrice, Infinity, pairScratch);
  if (!pair.exact) return null;
  const mem = memberOf(ctx, m, device);
  const c = mem.candidates[pair.candidate];
  const opt = mem.model.options[c.option];
  const s = ctx.instance.servers[m];
  const load = (ctx.instance.layers - c.split) * edgeLoadPerLayer(ctx.instance, opt, m);
  const q = into ?? { server: m, cost: 0, fixedCost: 0, candidate: 0, bandwidthHz: 0, frequencyHz: 0, slopeB: 0, slopeF: 0 };
  q.server = m;
  q.cost = pair.cost;
  q.fixedCost = pair.cost - plan.bandwidthPrice * pair.bandwidthHz - plan.frequencyPrice * pair.frequencyHz;
  q.candidate = pair.candidate;
  q.bandwidthHz = pair.bandwidthHz;
  q.frequencyHz = pair.frequencyHz;
  q.slopeB = plan.bandwidthPrice > 0 ? pairBandwidthSlope(uplinkOf(mem, opt.uplinkKind), pair.bandwidthHz, pair.snr) : 0;
  q.slopeF = plan.frequencyPrice > 0 ? frequencySlope(load, mem.computeDelayWeight, ctx.weights.energy * s.kappa, pair.frequencyHz) : 0;
  return q;
}

/** Second-order cost of absorbing demand x into a market whose demand slope is `slope`. */
export function secondOrder(x: number, slope: number): number {
  return slope > 0 ? (0.5 * x * x) / slope : 0;
}

/** d·x/slope: the cross term of ½(d + x)²/slope − ½d²/slope − ½x²/slope (0 on a slack budget). */
export function crossTerm(d: number, x: number, slope: number): number {
  return slope > 0 ? (d * x) / slope : 0;
}

/** Batches of moves at most. */
const MAX_BATCHES = 200;

/** Everything the balance search reads and changes, in one place (each step below takes it). */
interface BalanceState {
  ctx: PlanContext;
  deadlineAt: number;
  /** servers */
  M: number;
  /** devices each server may hold */
  cap: number[];
  /** device → server, and the servers' plans, as the search has them now */
  assignment: number[];
  plans: ServerPlan[];
  /** each server's demand slopes at its plan when its quotes were last brought up to it */
  slopes: Slopes[];
  /** devices per server */
  load: number[];
  /** each device's candidate servers: its own plus its strongest-gain others */
  candidates: number[][];
  /** slot[n·M + m]: k with candidates[n][k] = m, or −1 (the swap round looks up ~N·12·20 quotes: indexOf was most of its time) */
  slot: Int8Array;
  /** quotedBy[m]: n·SLOTS + k for every device n with candidates[n][k] = m, by device (requote's pass over a server's quotes) */
  quotedBy: Int32Array[];
  /** quotes[n][k]: device n on server candidates[n][k] */
  quotes: (Quote | null)[][];
  /** the plan (prices) each server's quotes were made or moved to */
  quotedAt: ServerPlan[];
  /** servers whose members changed (re-planned in full at the end) */
  dirty: Set<number>;
  /** tabu[device·M + server] = 1: the move (or swap half) was tried and did not pay at these prices */
  tabu: Uint8Array;
  /** the swap round's partner lists (swapPartners), kept from round to round: they grow, never shrink */
  partnerList: Int32Array;
  partnerData: Float64Array;
  /** servers whose quotes were last moved to first order rather than priced */
  drifted: Set<number>;
  /** moves a server may take part in per batch: grows after batches that stand */
  touchLimit: number;
  /** focused: quoted[n] = 1 for the devices quoted so far (the others have no quotes and are not re-quoted); null once all are */
  quoted: Uint8Array | null;
  counts: BalanceCounts;
}

/** What a search priced (for tests and benches). */
export interface BalanceCounts {
  /** (device, server) pairs priced exactly */
  pairsQuoted: number;
  /** a focused search stalled and quoted the other devices */
  widened: boolean;
}

export interface BalanceOptions {
  /** focus[n] = 1: device n is quoted from the start; the others once the search stalls (null: all from the start) */
  focus?: Uint8Array | null;
  /** filled in as the search goes */
  counts?: BalanceCounts;
}

interface Move {
  n: number;
  to: number;
  gain: number;
}

/** The state at `start` with every device (or every one in `focus`) quoted, or null when the deadline comes first. */
function initialState(
  ctx: PlanContext,
  start: Solution,
  deadlineAt: number,
  focus: Uint8Array | null,
  counts: BalanceCounts,
): BalanceState | null {
  const N = ctx.models.length;
  const M = ctx.instance.servers.length;
  const assignment = start.assignment.slice();
  const plans = start.plans.slice();
  const load = new Array<number>(M).fill(0);
  assignment.forEach((m) => load[m]++);
  const candidates: number[][] = ctx.models.map((dm, n) => {
    const list = dm.serversByGain.slice(0, CANDIDATE_SERVERS);
    if (!list.includes(assignment[n])) list.push(assignment[n]);
    return list;
  });
  const slot = new Int8Array(N * M).fill(-1);
  candidates.forEach((list, n) => list.forEach((m, k) => (slot[n * M + m] = k)));
  const quotedCount = new Int32Array(M);
  for (const list of candidates) for (const m of list) quotedCount[m]++;
  const quotedBy = Array.from(quotedCount, (c) => new Int32Array(c));
  quotedCount.fill(0);
  candidates.forEach((list, n) => list.forEach((m, k) => (quotedBy[m][quotedCount[m]++] = n * SLOTS + k)));
  const slopes = plans.map((p) => serverSlopes(ctx, p));
  const quotes: (Quote | null)[][] = [];
  for (let n = 0; n < N; n++) {
    // Quoting every device is a pass over N × CANDIDATE_SERVERS pairs: without time for it, no balancing.
    if ((n & 63) === 0 && expired(deadlineAt)) return null;
    if (focus && focus[n] === 0) {
      quotes.push(candidates[n].map(() => null));
      continue;
    }
    quotes.push(candidates[n].map((m) => quote(ctx, plans[m], n)));
    counts.pairsQuoted += candidates[n].length;
  }
  return {
    ctx,
    deadlineAt,
    M,
    cap: capacities(ctx),
    assignment,
    plans,
    slopes,
    load,
    candidates,
    slot,
    quotedBy,
    quotes,
    quotedAt: plans.slice(),
    dirty: new Set(),
    tabu: new Uint8Array(N * M),
    partnerList: new Int32Array(0),
    partnerData: new Float64Array(0),
    drifted: new Set(),
    touchLimit: 1,
    quoted: focus ? focus.slice() : null,
    counts,
  };
}

/**
 * A focused search that stalled: quote the devices not quoted yet, each server at the prices its
 * quotes are at (quotedAt: first-order moves stay consistent). False when the deadline came first.
 */
function widen(s: BalanceState): boolean {
  const { ctx, candidates, quotes, quotedAt, quoted } = s;
  if (!quoted) return false;
  s.quoted = null;
  // (Every device in focus already: nothing new to quote, so no new move either; no round for it.)
  if (quoted.every((q) => q === 1)) return false;
  s.counts.widened = true;
  for (let n = 0; n < quoted.length; n++) {
    if (quoted[n] === 1) continue;
    if ((n & 63) === 0 && expired(s.deadlineAt)) return false;
    const list = candidates[n];
    for (let k = 0; k < list.length; k++) quotes[n][k] = quote(ctx, quotedAt[list[k]], n);
    s.counts.pairsQuoted += list.length;
  }
  return true;
}

function quoteOf(s: BalanceState, n: number, m: number): Quote | null {
  const k = s.slot[n * s.M + m];
  return k < 0 ? null : s.quotes[n][k];
}

/**
 * Bring the quotes on `servers` to their current plans: priced exactly when `exact` (and always
 * for a device's own server), otherwise moved to first order (envelope theorem: dφ/dλ = b,
 * dφ/dμ = f). A server whose plan changed lifts its tabus and has its slopes recomputed.
 */
function requote(s: BalanceState, servers: Set<number>, exact: boolean): void {
  const { ctx, plans, quotedAt, quotes, M, quotedBy, assignment, tabu, quoted, counts } = s;
  let done = 0;
  for (const m of servers) {
    const plan = plans[m];
    const moved = quotedAt[m] !== plan;
    if (moved) s.slopes[m] = serverSlopes(ctx, plan);
    const dB = plan.bandwidthPrice - quotedAt[m].bandwidthPrice;
    const dF = plan.frequencyPrice - quotedAt[m].frequencyPrice;
    const pairs = quotedBy[m];
    for (let i = 0; i < pairs.length; i++) {
      // A pass over every device quoting m: past the deadline (or a stop) the search ends, so stop re-quoting.
      if ((++done & 255) === 0 && expired(s.deadlineAt)) return;
      const n = (pairs[i] / SLOTS) | 0;
      const k = pairs[i] - n * SLOTS;
      if (moved) tabu[n * M + m] = 0;
      if (quoted && quoted[n] === 0) continue;
      const q = quotes[n][k];
      if (exact || m === assignment[n] || !q) {
        quotes[n][k] = quote(ctx, plan, n, q);
        counts.pairsQuoted++;
      } else q.cost += q.bandwidthHz * dB + q.frequencyHz * dF;
    }
  }
  for (const m of servers) {
    quotedAt[m] = plans[m];
    if (exact) s.drifted.delete(m);
    else s.drifted.add(m);
  }
}

/** The candidate a device would take on server m at its current prices. */
function choiceAt(s: BalanceState, n: number, m: number): Choice {
  const pair = pricePair(s.ctx, m, n, s.plans[m].bandwidthPrice, s.plans[m].frequencyPrice, Infinity, pairScratch);
  return memberOf(s.ctx, m, n).candidates[pair.candidate];
}

/**
 * Swap partners per (own server b, other server a): partnerList[partnerStart[b·M + a] …] are the
 * devices j on b (ascending) that quote a, with both quotes and a not tabu; partnerData holds, per
 * entry, what the swap estimate reads of j: its quote at a and at b (cost, bandwidth, frequency),
 * contiguous (the estimate runs over ~150,000 such pairs a round at 1,000 × 50).
 */
function swapPartners(s: BalanceState): { partnerStart: Int32Array; partnerList: Int32Array; partnerData: Float64Array } {
  const { assignment, candidates, quotes, tabu, M } = s;
  const N = assignment.length;
  const partnerStart = new Int32Array(M * M + 1);
  const usable = (j: number, k: number, b: number): boolean => {
    const a = candidates[j][k];
    return a !== b && quotes[j][k] !== null && tabu[j * M + a] === 0;
  };
  for (let j = 0; j < N; j++) {
    const b = assignment[j];
    if (!quoteOf(s, j, b)) continue;
    for (let k = 0; k < candidates[j].length; k++) if (usable(j, k, b)) partnerStart[b * M + candidates[j][k] + 1]++;
  }
  for (let i = 0; i < M * M; i++) partnerStart[i + 1] += partnerStart[i];
  const fill = partnerStart.slice(0, M * M);
  if (s.partnerList.length < partnerStart[M * M]) {
    s.partnerList = new Int32Array(partnerStart[M * M]);
    s.partnerData = new Float64Array(6 * partnerStart[M * M]);
  }
  const { partnerList, partnerData } = s;
  for (let j = 0; j < N; j++) {
    const b = assignment[j];
    const jB = quoteOf(s, j, b);
    if (!jB) continue;
    for (let k = 0; k < candidates[j].length; k++) {
      if (!usable(j, k, b)) continue;
      const p = fill[b * M + candidates[j][k]]++;
      const jA = quotes[j][k]!;
      partnerList[p] = j;
      partnerData[6 * p] = jA.cost;
      partnerData[6 * p + 1] = jA.bandwidthHz;
      partnerData[6 * p + 2] = jA.frequencyHz;
      partnerData[6 * p + 3] = jB.cost;
      partnerData[6 * p + 4] = jB.bandwidthHz;
      partnerData[6 * p + 5] = jB.frequencyHz;
    }
  }
  return { partnerStart, partnerList, partnerData };
}

/** The best estimated swap of each device, verified exactly one by one; true if one stood. */
function swapRound(s: BalanceState): boolean {
  const { ctx, assignment, plans, tabu, M, deadlineAt, quotes } = s;
  // partners[b·M + a]: the devices on b (ascending) that quote a, with both quotes and a not tabu:
  // those device n on a may swap with through b (a quarter of b's members, at 12 of 50 servers quoted).
  const { partnerStart, partnerList, partnerData: pd } = swapPartners(s);
  const swaps: { n: number; j: number; gain: number }[] = [];
  for (let n = 0; n < assignment.length; n++) {
    // Estimating every device's best swap takes ~200 ms at 5000 devices: check the clock within it.
    if ((n & 63) === 0 && expired(deadlineAt)) return false;
    const a = assignment[n];
    const nA = quoteOf(s, n, a);
    if (!nA) continue;
    let bestJ = -1;
    let bestGain = 0;
    const list = s.candidates[n];
    const slopeBA = s.slopes[a].bandwidth;
    const slopeFA = s.slopes[a].frequency;
    for (let kb = 0; kb < list.length; kb++) {
      const b = list[kb];
      if (b === a || tabu[n * M + b] === 1) continue;
      const nB = quotes[n][kb];
      if (!nB) continue;
      const slopeBB = s.slopes[b].bandwidth;
      const slopeFB = s.slopes[b].frequency;
      const key = b * M + a;
      for (let p = partnerStart[key]; p < partnerStart[key + 1]; p++) {
        const o = 6 * p;
        // Second-order change of a's cost (n out, j in) and b's (j out, n in), j's quotes as swapPartners stored them
        const atA = pd[o] - nA.cost + secondOrder(pd[o + 1] - nA.bandwidthHz, slopeBA) + secondOrder(pd[o + 2] - nA.frequencyHz, slopeFA);
        const atB =
          nB.cost - pd[o + 3] + secondOrder(nB.bandwidthHz - pd[o + 4], slopeBB) + secondOrder(nB.frequencyHz - pd[o + 5], slopeFB);
        const gain = -(atA + atB);
        if (gain > bestGain) {
          bestJ = partnerList[p];
          bestGain = gain;
        }
      }
    }
    if (bestJ >= 0) swaps.push({ n, j: bestJ, gain: bestGain });
  }
  swaps.sort((x, y) => y.gain - x.gain);
  const changedSet = new Set<number>();
  const touched = new Map<number, number>();
  const movedNow = new Set<number>();
  for (const sw of swaps) {
    if (expired(deadlineAt)) break;
    const a = assignment[sw.n];
    const b = assignment[sw.j];
    if (a === b || (touched.get(a) ?? 0) >= SWAPS_PER_SERVER || (touched.get(b) ?? 0) >= SWAPS_PER_SERVER) continue;
    // A device already swapped this round is no longer where its estimate put it.
    if (movedNow.has(sw.n) || movedNow.has(sw.j)) continue;
    const newA = assembleServer(
      ctx,
      a,
      [...plans[a].devices.filter((d) => d.device !== sw.n), { device: sw.j, choice: choiceAt(s, sw.j, a) }],
      plans[a],
    );
    const newB = assembleServer(
      ctx,
      b,
      [...plans[b].devices.filter((d) => d.device !== sw.j), { device: sw.n, choice: choiceAt(s, sw.n, b) }],
      plans[b],
    );
    if (newA.cost + newB.cost < (plans[a].cost + plans[b].cost) * (1 - 1e-12)) {
      plans[a] = newA;
      plans[b] = newB;
      assignment[sw.n] = b;
      assignment[sw.j] = a;
      changedSet.add(a);
      changedSet.add(b);
      touched.set(a, (touched.get(a) ?? 0) + 1);
      touched.set(b, (touched.get(b) ?? 0) + 1);
      movedNow.add(sw.n);
      movedNow.add(sw.j);
      s.dirty.add(a);
      s.dirty.add(b);
    } else {
      tabu[sw.n * M + b] = 1;
      tabu[sw.j * M + a] = 1;
    }
  }
  if (changedSet.size === 0) return false;
  requote(s, changedSet, true);
  return true;
}

/** Best estimated move of every device (cut short at the deadline). */
function estimateMoves(s: BalanceState): Move[] {
  const { assignment, plans, slopes, quotes, candidates, load, cap, tabu, M } = s;
  const moves: Move[] = [];
  for (let n = 0; n < assignment.length; n++) {
    if ((n & 255) === 0 && expired(s.deadlineAt)) break;
    const from = assignment[n];
    const here = quotes[n][s.slot[n * M + from]];
    if (!here) continue;
    const fromPlan = plans[from];
    const saving =
      fromPlan.devices.length === 1
        ? fromPlan.cost
        : here.cost -
          secondOrder(here.bandwidthHz, slopes[from].bandwidth - here.slopeB) -
          secondOrder(here.frequencyHz, slopes[from].frequency - here.slopeF);
    let bestGain = 0;
    let bestTo = -1;
    const list = candidates[n];
    for (let k = 0; k < list.length; k++) {
      const m = list[k];
      const q = quotes[n][k];
      if (m === from || !q || load[m] >= cap[m] || tabu[n * M + m] === 1) continue;
      const insertion =
        q.cost + secondOrder(q.bandwidthHz, slopes[m].bandwidth + q.slopeB) + secondOrder(q.frequencyHz, slopes[m].frequency + q.slopeF);
      const gain = saving - insertion;
      if (gain > bestGain) {
        bestGain = gain;
        bestTo = m;
      }
    }
    if (bestTo >= 0) moves.push({ n, to: bestTo, gain: bestGain });
  }
  return moves;
}

/**
 * The batch's moves (best first, each while its estimate with the batch's earlier moves at its
 * servers still gains) are applied together and each server they touch is re-split
 * once; the batch stands if the touched servers' true total fell, otherwise it is undone and the
 * next batch keeps to disjoint server pairs (whose estimates are sharpest). Returns the servers
 * whose plans changed, or null when the deadline cut the re-splits short (the batch is dropped).
 */
function applyBatch(s: BalanceState, moves: Move[]): number[] | null {
  const { ctx, assignment, plans, load, cap } = s;
  const touches = new Map<number, number>();
  const movers: { n: number; from: number; to: number }[] = [];
  const added = new Map<number, { device: number; choice: Choice }[]>();
  const removed = new Map<number, Set<number>>();
  /** the batch's net demand change per server so far (bandwidth, frequency): what the servers' other members must give up */
  const shiftB = new Map<number, number>();
  const shiftF = new Map<number, number>();
  for (const mv of moves) {
    const from = assignment[mv.n];
    if ((touches.get(from) ?? 0) >= s.touchLimit || (touches.get(mv.to) ?? 0) >= s.touchLimit || load[mv.to] >= cap[mv.to]) continue;
    // Each move's estimate is alone at its servers; moves sharing a server also pay the cross term
    // of its second-order cost with the batch's earlier moves there (½(d + x)² − ½d² − ½x², over the
    // slope): a move no longer estimated to gain waits for a later batch (not tabu).
    const here = quoteOf(s, mv.n, from)!;
    const there = quoteOf(s, mv.n, mv.to)!;
    const dBto = shiftB.get(mv.to) ?? 0;
    const dFto = shiftF.get(mv.to) ?? 0;
    const dBfrom = shiftB.get(from) ?? 0;
    const dFfrom = shiftF.get(from) ?? 0;
    const cross =
      crossTerm(dBto, there.bandwidthHz, s.slopes[mv.to].bandwidth) +
      crossTerm(dFto, there.frequencyHz, s.slopes[mv.to].frequency) +
      crossTerm(dBfrom, -here.bandwidthHz, s.slopes[from].bandwidth) +
      crossTerm(dFfrom, -here.frequencyHz, s.slopes[from].frequency);
    if (mv.gain - cross <= 0) continue;
    shiftB.set(mv.to, dBto + there.bandwidthHz);
    shiftF.set(mv.to, dFto + there.frequencyHz);
    shiftB.set(from, dBfrom - here.bandwidthHz);
    shiftF.set(from, dFfrom - here.frequencyHz);
    touches.set(from, (touches.get(from) ?? 0) + 1);
    touches.set(mv.to, (touches.get(mv.to) ?? 0) + 1);
    const choice = choiceAt(s, mv.n, mv.to);
    movers.push({ n: mv.n, from, to: mv.to });
    load[from]--;
    load[mv.to]++;
    if (!added.has(mv.to)) added.set(mv.to, []);
    added.get(mv.to)!.push({ device: mv.n, choice });
    if (!removed.has(from)) removed.set(from, new Set());
    removed.get(from)!.add(mv.n);
  }
  let before = 0;
  let after = 0;
  const next = new Map<number, ServerPlan>();
  // Re-splitting every touched server is the long part of a batch on large instances: past the
  // deadline (or a stop) the batch is dropped rather than finished.
  for (const m of touches.keys()) {
    if (expired(s.deadlineAt)) {
      for (const mv of movers) {
        load[mv.from]++;
        load[mv.to]--;
      }
      return null;
    }
    const out = removed.get(m);
    const devices = plans[m].devices.filter((d) => !out?.has(d.device));
    const plan = assembleServer(ctx, m, [...devices, ...(added.get(m) ?? [])], plans[m]);
    next.set(m, plan);
    before += plans[m].cost;
    after += plan.cost;
  }
  const changed: number[] = [];
  if (after < before * (1 - 1e-12)) {
    for (const mv of movers) assignment[mv.n] = mv.to;
    for (const [m, plan] of next) {
      plans[m] = plan;
      changed.push(m);
      s.dirty.add(m);
    }
    s.touchLimit = Math.min(TOUCHES_PER_BATCH, s.touchLimit + 1);
  } else {
    for (const mv of movers) {
      load[mv.from]++;
      load[mv.to]--;
      if (s.touchLimit === 1) s.tabu[mv.n * s.M + mv.to] = 1;
    }
    s.touchLimit = 1;
  }
  return changed;
}

/** The state's association and plans as a solution (shared, not copied: for a monitor to read). */
function solutionOf(s: BalanceState): Solution {
  return { assignment: s.assignment, plans: s.plans, cost: s.plans.reduce((sum, p) => sum + p.cost, 0), exact: false };
}

export function balanceAssociation(
  ctx: PlanContext,
  start: Solution,
  deadlineAt: number,
  monitor: SearchMonitor = UNWATCHED,
  options: BalanceOptions = {},
): Solution {
  const counts = options.counts ?? { pairsQuoted: 0, widened: false };
  const s = initialState(ctx, start, deadlineAt, options.focus ?? null, counts);
  if (!s) return start;
  for (let batch = 0; batch < MAX_BATCHES && !expired(deadlineAt); batch++) {
    // Proven good enough: the full re-plans below could only lower the cost further.
    if (batch > 0 && monitor.proven(solutionOf(s))) {
      const sol = solutionOf(s);
      return sol.cost < start.cost ? sol : start;
    }
    reportProgress({
      phase: 'search',
      objective: s.plans.reduce((sum, p) => sum + p.cost, 0),
      incumbent: () => decisionsOfPlans(s.ctx, s.plans),
    });
    const moves = estimateMoves(s);
    if (expired(deadlineAt)) break; // estimates cut short: no batch from them
    if (moves.length === 0) {
      // No single move pays: try swaps, whose net demand changes are small; then, focused, the rest of the devices.
      if (swapRound(s)) continue;
      if (widen(s)) continue;
      break;
    }
    moves.sort((a, b) => b.gain - a.gain);
    const changed = applyBatch(s, moves);
    if (changed === null) break;
    if (changed.length === 0 || expired(deadlineAt)) continue; // the loop ends: no need to re-quote
    // Quotes on changed servers move to first order; every few batches those and all that drifted
    // before are priced exactly again.
    if (batch % EXACT_EVERY === EXACT_EVERY - 1) requote(s, new Set([...changed, ...s.drifted]), true);
    else requote(s, new Set(changed), false);
  }
  // Every quote is a real decision of its pair, drifted ones included (their price-free cost stays):
  // cuts of the dual for the bound's ascent, which then needs no pass at the search's prices first.
  monitor.offerQuotes?.(s.quotes.map((row) => row.filter((q): q is Quote => q !== null)));
  // Full re-plans (modes and splits free) of the servers whose members changed, unless no member
  // gains by changing its mode or split alone (measured: at 50 × 10 to 1,000 × 50 every changed
  // server was such a plan, and re-planning one from scratch never bettered it; the test costs a
  // quarter of the re-plan).
  const { plans } = s;
  for (const m of s.dirty) {
    if (expired(deadlineAt)) break;
    if (bestResponseFixedPoint(ctx, plans[m])) continue;
    const full = planServer(
      ctx,
      m,
      plans[m].devices.map((d) => d.device),
      deadlineAt,
    );
    if (full.cost < plans[m].cost) plans[m] = full;
  }
  const cost = plans.reduce((sum, p) => sum + p.cost, 0);
  if (!(cost < start.cost)) return start;
  return { assignment: s.assignment, plans, cost, exact: false };
}
