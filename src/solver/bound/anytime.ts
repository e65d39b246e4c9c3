// An anytime Lagrangian bound: a valid lower bound on the optimum that exists as soon as one
// pass over the devices has been made at some prices, and rises while the caller gives it time.
//
// The dual (dual.ts): at per-server prices λ (bandwidth), μ (frequency) and ν (a seat, where
// maxDevices binds), each device takes its cheapest server on its own, and
//   g(λ, μ, ν) = Σ_n min_m (φ_nm(λ_m, μ_m) + ν_m) − Σ_m (λ_m·W_m + μ_m·F_m + ν_m·cap_m) ≤ optimum.
// A pass evaluates g exactly, device by device. It is resumable: tightenBound() stops at its
// deadline between two devices and the next call carries on, so the search can interleave bound
// work in slices of any length. A pass is cheap at scale because a pair is priced only when its
// floor (pricing/floor.ts, a lower bound of its cost from the device's data, the gain and the
// prices) is below the device's cheapest pair so far, and servers are walked by ascending edge
// floor so the walk stops at the first server whose floor reaches it: the minimum, and so g, is
// exactly what pricing every pair would give (tested), at a few exact pairs per device.
// Between passes the prices move by a multiplicative supergradient step (demand/supply − 1 per
// budget, clipped, with a shrinking step), restarted from the best prices when progress stalls;
// prices offered by the search (its plans' prices) are evaluated by the next pass and the ascent
// continues from whichever is better. Only complete passes raise `value`, so it never falls.
//
// Usage (auto.ts):
//   const bound = createAnytimeBound(ctx);
//   offerPrices(bound, pricesOf(plans), priced?);    // the first feasible plan's prices (and any later plan's);
//                                                     // with the search's priced matrix the bound is taken at once
//   tightenBound(bound, now() + sliceMs, objective);  // between search steps, as often as wanted
//   bound.value                                        // best proven bound so far (−Infinity before the first pass)
//   bound.stats.lastPassMs                             // what one pass costs, to size slices
// The bound does not report progress itself (the caller knows the phase): read bound.value.

import type { PlanContext } from '../pricing/member.js';
import { choicesOf, newMemberCache } from '../pricing/member.js';
import { newPairPrice, pricePair, type PairPrice } from '../pricing/kernel.js';
import {
  deviceFloor,
  edgeFloor,
  edgeFloorAt,
  FLOOR_SLACK,
  groupFloor,
  interiorUplinkFloor,
  leastServerFloor,
  rootPriceFloor,
  serverFloor,
  uplinkFloor,
  uplinkTangentGuess,
  type DeviceFloor,
  type ServerFloor,
} from '../pricing/floor.js';
import { capacities } from '../association/association.js';
import { now } from '../clock.js';

export interface BoundPrices {
  bandwidth: Float64Array;
  frequency: Float64Array;
  /** per-seat price where maxDevices binds (0 elsewhere) */
  seat: Float64Array;
}

/** Prices as the search has them: one per server per budget (e.g. its plans' bandwidthPrice, frequencyPrice). */
export interface OfferedPrices {
  bandwidth: ArrayLike<number>;
  frequency: ArrayLike<number>;
  seat?: ArrayLike<number>;
}

interface AnytimeBoundOptions {
  /** tightenBound stops once (objective − value) ≤ relativeGap·|objective| (default 1e-6) */
  relativeGap?: number;
  /** who prices a pass's devices (default inThreadPasses: this thread, device by device) */
  devicePasses?: DevicePasses;
}

/**
 * What each device of a pass came to, by device index: its term of the sum (its cheapest pair, or
 * the least floor where the pass caps exact pairs) and the demand it puts on its cheapest server
 * and on the runner-up within NEAR (weight `w`). Kept per device and added up in device order at
 * the pass's end, so the value is the same bits however the devices were split between threads.
 */
interface DeviceResults {
  value: Float64Array;
  at: Int32Array;
  bestB: Float64Array;
  bestF: Float64Array;
  secondAt: Int32Array;
  w: Float64Array;
  secondB: Float64Array;
  secondF: Float64Array;
}

function newDeviceResults(N: number): DeviceResults {
  return {
    value: new Float64Array(N),
    at: new Int32Array(N).fill(-1),
    bestB: new Float64Array(N),
    bestF: new Float64Array(N),
    secondAt: new Int32Array(N).fill(-1),
    w: new Float64Array(N),
    secondB: new Float64Array(N),
    secondF: new Float64Array(N),
  };
}

/** A pass in progress: the prices it evaluates, the devices still to price and what the others came to. */
export interface Pass {
  prices: BoundPrices;
  servers: ServerFloor[];
  /** servers by ascending ServerFloor.rootPrice: a device's walk stops once the √work floor reaches its cheapest */
  byRootPrice: Int32Array;
  lowestSeat: number;
  /**
   * The least server data over all servers (lowest prices and floor constants, widest band): the
   * floor of one pair made from them is a floor of every pair at the same gain or weaker, which
   * bounds a device's whole weak-gain tail in one evaluation (see priceDevice).
   */
  tail: { server: ServerFloor; bandwidthPrice: number; bandwidthHz: number };
  /** scratch of priceDevice: the head's floors, their order and membership (by server) */
  headFloor: Float64Array;
  headUplink: Float64Array;
  headOrder: Int32Array;
  inHead: Uint8Array;
  /** whether these prices came from offerPrices (not from the ascent) */
  offered: boolean;
  /**
   * Pairs priced exactly per device at most (Infinity: as many as its floors require). Past it a
   * device counts its cheapest priced pair or the least floor of the others, whichever is lower: a
   * valid bound, a little below the pass's exact value, for a fraction of the work.
   */
  maxExact: number;
  /** devices still to price, as [from, to) ranges in device order (flat: from, to, from, to, …) */
  pending: number[];
  results: DeviceResults;
  /** time spent in this pass so far (slices add up) */
  workMs: number;
}

/**
 * Who prices a pass's devices: `run` prices pending devices of `pass` (each with priceDevices or
 * its equal, priceSlice on a copy of the context elsewhere) until `deadlineAt` (the solver's clock),
 * leaving `pass.pending` as what is left. The solver knows nothing of threads: the default prices
 * here; a host with idle cores may inject one that hands part of the devices to another thread.
 */
export interface DevicePasses {
  run(bound: AnytimeBound, pass: Pass, deadlineAt: number): void;
}

/** The default: this thread prices the pending devices in order, checking the clock every 8 devices. */
export const inThreadPasses: DevicePasses = {
  run(bound, pass, deadlineAt) {
    let counted = 0;
    while (pass.pending.length > 0) {
      const to = pass.pending[1];
      let n = pass.pending[0];
      let stop = false;
      while (n < to) {
        priceDevice(bound, pass, n);
        n++;
        if ((++counted & 7) === 0 && now() >= deadlineAt) {
          stop = true;
          break;
        }
      }
      if (n < to) pass.pending[0] = n;
      else pass.pending.splice(0, 2);
      if (stop) return;
    }
  },
};

/** Devices in `pending` ranges. */
export function pendingDevices(pending: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < pending.length; i += 2) total += pending[i + 1] - pending[i];
  return total;
}

/**
 * A range of a pass as another thread needs it to price the same devices the same way: the pass's
 * prices and cap, and the devices' hints (their cheapest server and its bandwidth at the last pass,
 * which decide what is priced first). Plain data: it crosses a thread boundary by structured clone.
 */
export interface PassSlice {
  prices: BoundPrices;
  maxExact: number;
  from: number;
  to: number;
  choice: Int32Array;
  bandwidthHz: Float64Array;
}

/** What pricing a slice gave for devices [from, from + done): their results, their new hints, the pairs counted. */
export interface PricedSlice {
  from: number;
  done: number;
  results: DeviceResults;
  choice: Int32Array;
  bandwidthHz: Float64Array;
  pairsPriced: number;
  pairsSkipped: number;
  pairsSkippedByUplink: number;
}

/** Devices [from, to) of `pass` as a slice for another thread. */
export function sliceOf(bound: AnytimeBound, pass: Pass, from: number, to: number): PassSlice {
  return {
    prices: pass.prices,
    maxExact: pass.maxExact,
    from,
    to,
    choice: bound.choice.slice(from, to),
    bandwidthHz: bound.bandwidthHz.slice(from, to),
  };
}

/**
 * Prices a slice on `worker`, a bound of its own over a context built from the same instance (its
 * floors and members are memos, so each thread keeps its own), until `deadlineAt`: the same
 * priceDevice, so every device's result is the one the owner's thread would have found.
 */
export function priceSlice(worker: AnytimeBound, slice: PassSlice, deadlineAt: number): PricedSlice {
  const { from, to } = slice;
  worker.choice.set(slice.choice, from);
  worker.bandwidthHz.set(slice.bandwidthHz, from);
  const pass = passAt(worker.ctx, slice.prices, false, slice.maxExact);
  pass.pending = [from, to];
  const priced = worker.stats.pairsPriced;
  const skipped = worker.stats.pairsSkipped;
  const byUplink = worker.stats.pairsSkippedByUplink;
  inThreadPasses.run(worker, pass, deadlineAt);
  const done = (pass.pending[0] ?? to) - from;
  const part = <T extends Float64Array | Int32Array>(xs: T) => xs.slice(from, from + done) as T;
  const r = pass.results;
  return {
    from,
    done,
    results: {
      value: part(r.value),
      at: part(r.at),
      bestB: part(r.bestB),
      bestF: part(r.bestF),
      secondAt: part(r.secondAt),
      w: part(r.w),
      secondB: part(r.secondB),
      secondF: part(r.secondF),
    },
    choice: part(worker.choice),
    bandwidthHz: part(worker.bandwidthHz),
    pairsPriced: worker.stats.pairsPriced - priced,
    pairsSkipped: worker.stats.pairsSkipped - skipped,
    pairsSkippedByUplink: worker.stats.pairsSkippedByUplink - byUplink,
  };
}

/**
 * Builds devices [from, to)'s candidates and floors ahead of their first pass (what a thread that
 * did not plan them would otherwise build in it: about 0.1 ms a device), until `deadlineAt`.
 */
export function prepareDevices(bound: AnytimeBound, from: number, to: number, deadlineAt = Infinity): void {
  for (let n = from; n < to && ((n & 31) !== 0 || now() < deadlineAt); n++) {
    choicesOf(bound.ctx, n);
    bound.floors[n] ??= deviceFloor(bound.ctx, n);
  }
}

/** Takes a priced slice into `pass` (its devices' results and hints, the pairs counted); the caller keeps `pending`. */
export function takeSlice(bound: AnytimeBound, pass: Pass, priced: PricedSlice): void {
  const { from, results: r } = priced;
  const out = pass.results;
  out.value.set(r.value, from);
  out.at.set(r.at, from);
  out.bestB.set(r.bestB, from);
  out.bestF.set(r.bestF, from);
  out.secondAt.set(r.secondAt, from);
  out.w.set(r.w, from);
  out.secondB.set(r.secondB, from);
  out.secondF.set(r.secondF, from);
  bound.choice.set(priced.choice, from);
  bound.bandwidthHz.set(priced.bandwidthHz, from);
  bound.stats.pairsPriced += priced.pairsPriced;
  bound.stats.pairsSkipped += priced.pairsSkipped;
  bound.stats.pairsSkippedByUplink += priced.pairsSkippedByUplink;
}

/** The supergradient at a point: demand/supply − 1 per budget, devices per seat − 1. */
interface Excess {
  bandwidth: Float64Array;
  frequency: Float64Array;
  seat: Float64Array;
}

export interface BoundStatistics {
  /** complete passes (each an exact evaluation of g) */
  passes: number;
  /** pairs priced exactly, and pairs skipped because their floor reached the device's cheapest */
  pairsPriced: number;
  pairsSkipped: number;
  /** of pairsSkipped, those the cheap floors left and their exact uplink (interiorUplinkFloor) settled */
  pairsSkippedByUplink: number;
  /** work time of the last complete pass, ms (to plan slices) */
  lastPassMs: number;
}

/**
 * The bound's state, passed in and out of the functions below (no hidden state). `value` is the
 * best proven lower bound so far: −Infinity until the first pass completes; never decreases.
 */
export interface AnytimeBound {
  readonly ctx: PlanContext;
  value: number;
  /** the prices at which `value` was proven (null before the first pass) */
  prices: BoundPrices | null;
  stats: BoundStatistics;
  relativeGap: number;
  capacity: number[];
  seatsBind: boolean;
  /**
   * prices of the next pass (offered, or the ascent's next step); `given`: an earlier answer's
   * dual prices (previous.prices), evaluated as they are rather than replaced by fluid prices
   */
  next: { prices: BoundPrices; offered: boolean; given?: boolean } | null;
  pass: Pass | null;
  /** ascent: the best point it has seen (value, prices, supergradient), steps since, step scale */
  ascent: { value: number; prices: BoundPrices; excess: Excess } | null;
  step: number;
  stepScale: number;
  stalled: number;
  /** per device: cheapest server at the last pass (priced first: a tight cutoff), and its bandwidth there */
  choice: Int32Array;
  bandwidthHz: Float64Array;
  floors: (DeviceFloor | undefined)[];
  devicePasses: DevicePasses;
}

/**
 * A new anytime bound for the instance of `ctx`. Deadlines are relaxed (multipliers 0), as in the
 * bound's definition; when the search runs with deadline multipliers the bound keeps its own memo of
 * members so the two do not rebuild each other's.
 */
export function createAnytimeBound(ctx: PlanContext, options: AnytimeBoundOptions = {}): AnytimeBound {
  const N = ctx.models.length;
  const zero = ctx.deadlineMultipliers.every((v) => v === 0);
  const boundCtx: PlanContext = { ...ctx, deadlineMultipliers: ctx.models.map(() => 0), members: zero ? ctx.members : newMemberCache() };
  const capacity = capacities(boundCtx);
  return {
    ctx: boundCtx,
    value: -Infinity,
    prices: null,
    stats: { passes: 0, pairsPriced: 0, pairsSkipped: 0, pairsSkippedByUplink: 0, lastPassMs: 0 },
    relativeGap: options.relativeGap ?? 1e-6,
    capacity,
    seatsBind: capacity.some((c) => c < N),
    next: null,
    pass: null,
    ascent: null,
    step: 0,
    stepScale: ASCENT_STEP,
    stalled: 0,
    choice: new Int32Array(N).fill(-1),
    bandwidthHz: new Float64Array(N).fill(NaN),
    floors: [],
    devicePasses: options.devicePasses ?? inThreadPasses,
  };
}

/** Offered prices as the bound's arrays (negative prices count as 0). */
function pricesOf(p: OfferedPrices, M: number): BoundPrices {
  const at = (xs: ArrayLike<number> | undefined) => Float64Array.from({ length: M }, (_, m) => Math.max(0, xs?.[m] ?? 0));
  return { bandwidth: at(p.bandwidth), frequency: at(p.frequency), seat: at(p.seat) };
}

/** Zeros lifted to the smallest positive price of their budget: a multiplicative step cannot leave 0. */
function lift(xs: Float64Array): Float64Array {
  let floor = Infinity;
  for (const x of xs) if (x > 0 && x < floor) floor = x;
  return Number.isFinite(floor) ? xs.map((x) => (x > 0 ? x : floor)) : xs.slice();
}

function copyPrices(p: BoundPrices): BoundPrices {
  return { bandwidth: p.bandwidth.slice(), frequency: p.frequency.slice(), seat: p.seat.slice() };
}

function payments(bound: AnytimeBound, p: BoundPrices): number {
  let total = 0;
  bound.ctx.instance.servers.forEach(
    (s, m) => (total += p.bandwidth[m] * s.bandwidthHz + p.frequency[m] * s.frequencyHz + p.seat[m] * bound.capacity[m]),
  );
  return total;
}

function raise(bound: AnytimeBound, value: number, prices: BoundPrices): void {
  if (value > bound.value) {
    bound.value = value;
    bound.prices = copyPrices(prices);
  }
}

/**
 * Offer the search's prices (its plans' prices). They are evaluated by the next pass (a pass in
 * progress finishes first), and the ascent continues from them if they prove more than its own
 * best point. With `priced` (every device's priced cost on every server at exactly these prices, as
 * the search's pricing pass has it; an entry bounded away by a cutoff at least its row's minimum)
 * the bound at these prices is also taken at once, without a pass.
 */
/** An earlier answer's dual prices (previous.prices): the next pass evaluates them as they are. */
export function offerGivenPrices(bound: AnytimeBound, prices: OfferedPrices): void {
  bound.next = { prices: pricesOf(prices, bound.ctx.instance.servers.length), offered: true, given: true };
}

export function offerPrices(bound: AnytimeBound, prices: OfferedPrices, priced?: ArrayLike<ArrayLike<number>>): void {
  const M = bound.ctx.instance.servers.length;
  const exact = pricesOf(prices, M);
  if (priced) {
    let sum = 0;
    for (let n = 0; n < priced.length; n++) {
      const row = priced[n];
      let best = Infinity;
      let at = -1;
      for (let m = 0; m < M; m++) {
        const c = row[m] + exact.seat[m];
        if (c < best) {
          best = c;
          at = m;
        }
      }
      sum += best;
      if (at >= 0) bound.choice[n] = at;
    }
    if (priced.length === bound.ctx.models.length) raise(bound, sum - payments(bound, exact), exact);
  }
  bound.next = { prices: exact, offered: true };
}

/** Whether the bound is within its relative gap of `objective`. */
export function boundCloseEnough(bound: AnytimeBound, objective: number): boolean {
  return Number.isFinite(objective) && objective - bound.value <= bound.relativeGap * Math.abs(objective);
}

/**
 * Tighten the bound until `deadlineAt` (epoch ms, the solver's clock), until it is within its
 * relative gap of `objective` (the best known objective; Infinity when none), or until `maxPasses`
 * passes have completed in this call. Cheap to call often: it works in units of one device and
 * resumes where the last call stopped. Returns bound.value. Before any offer it starts from zero
 * prices (valid, weak), so callers should offer the search's prices first.
 */
export function tightenBound(bound: AnytimeBound, deadlineAt: number, objective = Infinity, maxPasses = Infinity): number {
  const ctx = bound.ctx;
  const N = ctx.models.length;
  if (N === 0) {
    bound.value = Math.max(bound.value, 0);
    return bound.value;
  }
  let passes = 0;
  while (passes < maxPasses && !boundCloseEnough(bound, objective) && now() < deadlineAt) {
    if (bound.pass === null) bound.pass = startPass(bound);
    const pass = bound.pass;
    const sliceStart = now();
    bound.devicePasses.run(bound, pass, deadlineAt);
    pass.workMs += now() - sliceStart;
    if (pass.pending.length === 0) {
      finishPass(bound, pass, objective);
      passes++;
    }
  }
  return bound.value;
}

function startPass(bound: AnytimeBound): Pass {
  const ctx = bound.ctx;
  const M = ctx.instance.servers.length;
  let next = bound.next ?? {
    prices: { bandwidth: new Float64Array(M), frequency: new Float64Array(M), seat: new Float64Array(M) },
    offered: false,
  };
  bound.next = null;
  // No bound yet on a large instance: the first (costly) pass goes to the fluid prices of the offer.
  const quick = next.offered && !Number.isFinite(bound.value) && largeForPricing(ctx);
  if (quick) {
    // (An earlier answer's prices are already near the dual's top: they are kept, not flattened.)
    if (!next.given) next = { prices: fluidPrices(ctx, next.prices), offered: true };
    // That first pass prices one pair per device (maxExact): at 5,000 × 100 it costs 1/3 less and
    // proves 0.08% less than the exact pass (1.79e-2 to the plan, not 1.71e-2); later passes are exact.
    // Fluid prices are near the dual's top: the ascent from them takes small steps (10% steps did
    // not rise for the next few passes at 2,000 × 60 and 5,000 × 100; 3% steps rose from the next).
    bound.stepScale = FLUID_STEP;
  }
  return passAt(ctx, next.prices, next.offered, quick ? QUICK_EXACT : Infinity);
}

/** A pass at `prices` over every device: the servers' floors at them, nothing priced yet. */
function passAt(ctx: PlanContext, prices: BoundPrices, offered: boolean, maxExact: number): Pass {
  const M = ctx.instance.servers.length;
  const servers = ctx.instance.servers.map((_, m) => serverFloor(ctx, m, prices.frequency[m]));
  const byRootPrice = Int32Array.from(servers.keys()).sort((x, y) => servers[x].rootPrice - servers[y].rootPrice);
  let bandwidthPrice = Infinity;
  let bandwidthHz = 0;
  for (let m = 0; m < M; m++) {
    bandwidthPrice = Math.min(bandwidthPrice, prices.bandwidth[m]);
    bandwidthHz = Math.max(bandwidthHz, ctx.instance.servers[m].bandwidthHz);
  }
  const least = leastServerFloor(servers);
  return {
    prices,
    servers,
    byRootPrice,
    lowestSeat: Math.min(...prices.seat),
    tail: { server: least, bandwidthPrice, bandwidthHz },
    headFloor: new Float64Array(HEAD_SERVERS),
    headUplink: new Float64Array(HEAD_SERVERS),
    headOrder: new Int32Array(HEAD_SERVERS),
    inHead: new Uint8Array(M),
    offered,
    maxExact,
    pending: [0, ctx.models.length],
    results: newDeviceResults(ctx.models.length),
    workMs: 0,
  };
}

/** A device's cheapest pair so far, and the runner-up within NEAR of it (they share the demand). */
interface DeviceBest {
  best: number;
  bestB: number;
  bestF: number;
  at: number;
  second: number;
  secondB: number;
  secondF: number;
  secondAt: number;
}

const pair: PairPrice = newPairPrice();
const found: DeviceBest = { best: Infinity, bestB: 0, bestF: 0, at: -1, second: Infinity, secondB: 0, secondF: 0, secondAt: -1 };

/** Pairs within NEAR of the best are priced too (the runner-up shares the demand). */
function limitOf(d: DeviceBest): number {
  return d.best < Infinity ? d.best + NEAR * Math.abs(d.best) : Infinity;
}

/** Price (n, m) exactly unless it is bounded away by the cutoff, and keep the two cheapest. */
function consider(bound: AnytimeBound, pass: Pass, n: number, m: number, upFloor: number, d: DeviceBest): void {
  const { bandwidth, frequency, seat } = pass.prices;
  bound.stats.pairsPriced++;
  pricePair(bound.ctx, m, n, bandwidth[m], frequency[m], limitOf(d) - seat[m], pair, upFloor);
  // A pair bounded away costs at least the cutoff (≥ the best): it never becomes the minimum.
  if (!pair.exact) return;
  const c = pair.cost + seat[m];
  if (c < d.best) {
    d.second = d.best;
    d.secondB = d.bestB;
    d.secondF = d.bestF;
    d.secondAt = d.at;
    d.best = c;
    d.bestB = pair.bandwidthHz;
    d.bestF = pair.frequencyHz;
    d.at = m;
  } else if (c < d.second) {
    d.second = c;
    d.secondB = pair.bandwidthHz;
    d.secondF = pair.frequencyHz;
    d.secondAt = m;
  }
}

/**
 * Device n's cheapest pair at the pass's prices, exactly; pairs whose floor reaches it are skipped.
 * Its last choice is priced first (a tight cutoff); then its HEAD_SERVERS strongest-gain servers in
 * order of their floors, so the cheapest is usually priced first and the rest are skipped on their
 * floors. The remaining servers (its weak-gain tail, most of them at scale) are bounded all at once:
 * the floor is monotone in the gain (falls as it grows) and in every server constant, so the floor
 * at the head's weakest gain with the least constants of any server bounds every tail pair. Only
 * when that group floor is below the best are the tail's pairs looked at one by one, by ascending
 * √work floor (the walk stops where that floor alone reaches the best).
 */
function priceDevice(bound: AnytimeBound, pass: Pass, n: number): void {
  const ctx = bound.ctx;
  const dm = ctx.models[n];
  const floor = (bound.floors[n] ??= deviceFloor(ctx, n));
  const { bandwidth, seat } = pass.prices;
  const gainScale = floor.maxPowerW / ctx.instance.noiseWPerHz;
  const gains = dm.device.gains;
  const servers = ctx.instance.servers;
  const share = Math.min(1, servers.length / ctx.models.length);
  const d = found;
  d.best = Infinity;
  d.at = -1;
  d.second = Infinity;
  d.secondAt = -1;
  const lastB = bound.bandwidthHz[n];
  const guessOf = (m: number) => (Number.isNaN(lastB) ? servers[m].bandwidthHz * share : lastB);
  const hint = bound.choice[n];
  const reachable = floor.reachable;
  let priced = 0;
  // Where the pass caps exact pairs: the least floor of what was left unpriced.
  let unpriced = Infinity;
  if (hint >= 0 && reachable[hint] === 1) {
    consider(bound, pass, n, hint, 0, d);
    priced++;
  }
  const order = dm.serversByGain;
  const H = Math.min(order.length, HEAD_SERVERS);
  // The head: floors first, then pairs by ascending floor until a floor reaches the best.
  const { headFloor, headUplink, headOrder, inHead } = pass;
  for (let i = 0; i < H; i++) {
    const m = order[i];
    const snrHz = gains[m] * gainScale;
    // The device's bandwidth at its last cheapest pair is the tangent point where known: refining it
    // per server (uplinkTangentGuess) tightens a floor the exact uplink below settles anyway.
    const b0 = Number.isNaN(lastB) ? uplinkTangentGuess(floor.uplinkWork, snrHz, bandwidth[m], servers[m].bandwidthHz, guessOf(m)) : lastB;
    headUplink[i] = uplinkFloor(floor.uplinkWork, snrHz, bandwidth[m], servers[m].bandwidthHz, b0);
    headFloor[i] = (headUplink[i] + edgeFloor(floor, pass.servers[m]) + seat[m]) * (1 - FLOOR_SLACK);
    // insertion by floor (H is small)
    let j = i;
    while (j > 0 && headFloor[headOrder[j - 1]] > headFloor[i]) {
      headOrder[j] = headOrder[j - 1];
      j--;
    }
    headOrder[j] = i;
  }
  for (let t = 0; t < H; t++) {
    const i = headOrder[t];
    const m = order[i];
    if (m === hint) continue;
    if (headFloor[i] >= limitOf(d)) {
      bound.stats.pairsSkipped += H - t;
      break;
    }
    if (priced >= pass.maxExact && d.at >= 0) {
      // Floors ascend from here: this one is below every pair left in the head.
      unpriced = headFloor[i];
      bound.stats.pairsSkipped += H - t;
      break;
    }
    // The cheap floor did not settle it: its exact uplink (where interior) often does.
    const up = interiorUplinkFloor(ctx, n, m, bandwidth[m], headUplink[i]);
    if (up > headUplink[i] && (up + edgeFloor(floor, pass.servers[m]) + seat[m]) * (1 - FLOOR_SLACK) >= limitOf(d)) {
      bound.stats.pairsSkipped++;
      bound.stats.pairsSkippedByUplink++;
      continue;
    }
    consider(bound, pass, n, m, up, d);
    priced++;
  }
  if (order.length > H) {
    const tail = pass.tail;
    const snrHz = gains[order[H - 1]] * gainScale;
    const atHz = Number.isNaN(lastB) ? tail.bandwidthHz * share : lastB;
    const group =
      (groupFloor(floor, snrHz, tail.bandwidthPrice, tail.bandwidthHz, tail.server, atHz) + pass.lowestSeat) * (1 - FLOOR_SLACK);
    if (group >= limitOf(d)) bound.stats.pairsSkipped += order.length - H;
    else if (priced >= pass.maxExact && d.at >= 0) {
      unpriced = Math.min(unpriced, group);
      bound.stats.pairsSkipped += order.length - H;
    } else walkTail(bound, pass, n, floor, H, d);
  }
  const r = pass.results;
  r.value[n] = Math.min(d.best, unpriced);
  r.at[n] = d.at;
  bound.choice[n] = d.at;
  if (d.at < 0) return;
  bound.bandwidthHz[n] = d.bestB;
  const near = NEAR * Math.abs(d.best);
  const w = d.secondAt >= 0 && d.second - d.best < near ? 0.5 * (1 - (d.second - d.best) / near) : 0;
  r.bestB[n] = d.bestB;
  r.bestF[n] = d.bestF;
  r.w[n] = w;
  r.secondAt[n] = d.secondAt;
  r.secondB[n] = d.secondB;
  r.secondF[n] = d.secondF;
}

/** The pass's sum and demands, added up in device order (the same bits however the devices were priced). */
function totalsOf(pass: Pass, M: number): { sum: number; bandwidth: Float64Array; frequency: Float64Array; seats: Float64Array } {
  const r = pass.results;
  const bandwidth = new Float64Array(M);
  const frequency = new Float64Array(M);
  const seats = new Float64Array(M);
  let sum = 0;
  for (let n = 0; n < r.value.length; n++) {
    sum += r.value[n];
    const at = r.at[n];
    if (at < 0) continue;
    const w = r.w[n];
    bandwidth[at] += (1 - w) * r.bestB[n];
    frequency[at] += (1 - w) * r.bestF[n];
    seats[at] += 1 - w;
    if (w > 0) {
      const second = r.secondAt[n];
      bandwidth[second] += w * r.secondB[n];
      frequency[second] += w * r.secondF[n];
      seats[second] += w;
    }
  }
  return { sum, bandwidth, frequency, seats };
}

/** The tail one pair at a time: servers by ascending √work floor, each skipped on its own floor. */
function walkTail(bound: AnytimeBound, pass: Pass, n: number, floor: DeviceFloor, H: number, d: DeviceBest): void {
  const ctx = bound.ctx;
  const order = ctx.models[n].serversByGain;
  const servers = ctx.instance.servers;
  const { bandwidth, seat } = pass.prices;
  const gainScale = floor.maxPowerW / ctx.instance.noiseWPerHz;
  const share = Math.min(1, servers.length / ctx.models.length);
  const lastB = bound.bandwidthHz[n];
  const hint = bound.choice[n];
  for (let i = 0; i < H; i++) pass.inHead[order[i]] = 1;
  const byRoot = pass.byRootPrice;
  for (let k = 0; k < byRoot.length; k++) {
    const m = byRoot[k];
    if (m === hint || pass.inHead[m] === 1 || floor.reachable[m] === 0) continue;
    const limit = limitOf(d);
    let upFloor = 0;
    if (limit < Infinity) {
      // Servers come by ascending √work floor: once it reaches the cutoff, so does every later one.
      const rootFloor = rootPriceFloor(floor, pass.servers[m].rootPrice);
      if ((rootFloor + pass.lowestSeat) * (1 - FLOOR_SLACK) >= limit) {
        bound.stats.pairsSkipped += byRoot.length - k;
        break;
      }
      const snrHz = ctx.models[n].device.gains[m] * gainScale;
      const guess = Number.isNaN(lastB) ? servers[m].bandwidthHz * share : lastB;
      // (as in the head: the last bandwidth unrefined where known; the exact uplink below settles the rest)
      const b0 = Number.isNaN(lastB) ? uplinkTangentGuess(floor.uplinkWork, snrHz, bandwidth[m], servers[m].bandwidthHz, guess) : lastB;
      upFloor = uplinkFloor(floor.uplinkWork, snrHz, bandwidth[m], servers[m].bandwidthHz, b0);
      const edge = edgeFloorAt(floor, pass.servers[m], rootFloor) + seat[m];
      if ((upFloor + edge) * (1 - FLOOR_SLACK) >= limit) {
        bound.stats.pairsSkipped++;
        continue;
      }
      const up = interiorUplinkFloor(ctx, n, m, bandwidth[m], upFloor);
      if (up > upFloor && (up + edge) * (1 - FLOOR_SLACK) >= limit) {
        bound.stats.pairsSkipped++;
        bound.stats.pairsSkippedByUplink++;
        continue;
      }
      upFloor = up;
    }
    consider(bound, pass, n, m, upFloor, d);
  }
  for (let i = 0; i < H; i++) pass.inHead[order[i]] = 0;
}

/**
 * Fluid prices from a plan's: one bandwidth price for every server, and frequency prices in
 * proportion to each server's cycles per second's worth of FLOPs (cores × FLOPs per cycle), scaled
 * from the plan's means. Why: a device's priced edge cost is about 2·√(work·w·μ_m/(cores·FLOPs per
 * cycle)_m), so these prices make every server's compute equally dear and the bound is then set by
 * where devices are, not by how a first plan happened to load the servers. A greedy plan's prices
 * are those of servers loaded by nearest-server association (spread over two decades); on generated
 * instances at 5,000 × 100 the first pass at them leaves 8.8% to the plan, at these 1.7% (0.24%
 * below the best known optimum; bench/first-bound.ts). Any prices give a valid bound; these are
 * only a better start.
 */
export function fluidPrices(ctx: PlanContext, plan: BoundPrices): BoundPrices {
  const servers = ctx.instance.servers;
  const M = servers.length;
  const mean = (xs: Float64Array) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const capacity = Float64Array.from(servers, (s) => s.cores * s.flopsPerCycle);
  const meanCapacity = mean(capacity);
  const bandwidth = FLUID_BANDWIDTH * mean(plan.bandwidth);
  const frequency = FLUID_FREQUENCY * mean(plan.frequency);
  return {
    bandwidth: new Float64Array(M).fill(bandwidth),
    frequency: capacity.map((c) => (meanCapacity > 0 ? (frequency * c) / meanCapacity : frequency)),
    seat: plan.seat.slice(),
  };
}

/**
 * Instances (devices × servers) from which the first pass is taken at fluid prices, and where a
 * bound after the search carries on this anytime bound rather than price every pair afresh.
 */
const FLUID_MIN_PAIRS = 100_000;

/** Whether the instance is large enough that only this bound's passes (floors, groups, resumable) fit a solve. */
export function largeForPricing(ctx: PlanContext): boolean {
  return largeForPricingAt(ctx.models.length, ctx.instance.servers.length);
}

/** largeForPricing by size alone (a host deciding before any context is built). */
export function largeForPricingAt(devices: number, servers: number): boolean {
  return devices * servers >= FLUID_MIN_PAIRS;
}
/** Exact pairs per device in the first pass at fluid prices (see Pass.maxExact). */
const QUICK_EXACT = 1;
/** Initial relative step of the ascent from fluid prices. */
const FLUID_STEP = 0.03;
/** Fluid prices as shares of the plan's mean prices (bandwidth, frequency): the best of a grid at 5,000 × 100 and 10,000 × 500. */
const FLUID_BANDWIDTH = 1;
const FLUID_FREQUENCY = 0.45;

/** A device's strongest-gain servers whose floors are computed one by one; the rest are bounded as a group. */
const HEAD_SERVERS = 32;

/** Relative cost difference under which a device's two cheapest servers share its demand. */
const NEAR = 1e-4;

function finishPass(bound: AnytimeBound, pass: Pass, objective: number): void {
  const ctx = bound.ctx;
  const M = ctx.instance.servers.length;
  bound.pass = null;
  bound.stats.passes++;
  bound.stats.lastPassMs = pass.workMs;
  const totals = totalsOf(pass, M);
  const value = totals.sum - payments(bound, pass.prices);
  raise(bound, value, pass.prices);
  const excess: Excess = { bandwidth: new Float64Array(M), frequency: new Float64Array(M), seat: new Float64Array(M) };
  ctx.instance.servers.forEach((s, m) => {
    excess.bandwidth[m] = totals.bandwidth[m] / s.bandwidthHz - 1;
    excess.frequency[m] = totals.frequency[m] / s.frequencyHz - 1;
    excess.seat[m] = bound.capacity[m] > 0 ? totals.seats[m] / bound.capacity[m] - 1 : totals.seats[m];
  });
  const previous = bound.ascent?.value ?? -Infinity;
  if (value > previous) {
    // Progress counts when it closes a noticeable part of what is left to the objective.
    const left = Number.isFinite(objective) && Number.isFinite(previous) ? objective - previous : Infinity;
    if (!(value - previous > STALL_SHARE * left)) bound.stalled++;
    else bound.stalled = 0;
    if (pass.offered) bound.step = 0; // a better start from the search: steps start large again
    bound.ascent = { value, prices: copyPrices(pass.prices), excess };
  } else if (!pass.offered) bound.stalled++;
  if (bound.next !== null) return; // an offer waits: it is the next point
  let from = { prices: pass.prices, excess };
  if (pass.offered && value <= previous && bound.ascent) {
    // An offer that proves less than the ascent's best is not a point to climb from: the ascent
    // carries on from its best (at large sizes the search's early prices are far below it, and
    // stepping from them lost what the fluid start had won).
    from = { prices: bound.ascent.prices, excess: bound.ascent.excess };
  } else if (bound.stalled >= STALL_PASSES && bound.ascent) {
    // Stalled: back to the best point with smaller steps.
    bound.stepScale *= 0.5;
    bound.step = 0;
    bound.stalled = 0;
    from = { prices: bound.ascent.prices, excess: bound.ascent.excess };
  }
  bound.next = { prices: ascentStep(bound, from.prices, from.excess, totals.sum / ctx.models.length), offered: false };
}

/** One multiplicative step: each budget's price × exp(η_k·clip(excess)), η_k = scale/√(k+1); seats additively. */
function ascentStep(bound: AnytimeBound, prices: BoundPrices, excess: Excess, costPerDevice: number): BoundPrices {
  const M = prices.bandwidth.length;
  const eta = bound.stepScale / Math.sqrt(bound.step + 1);
  bound.step++;
  const next = { bandwidth: lift(prices.bandwidth), frequency: lift(prices.frequency), seat: prices.seat.slice() };
  const clip = (x: number) => Math.max(-1, Math.min(1, x));
  for (let m = 0; m < M; m++) {
    next.bandwidth[m] *= Math.exp(eta * clip(excess.bandwidth[m]));
    next.frequency[m] *= Math.exp(eta * clip(excess.frequency[m]));
    if (bound.seatsBind) next.seat[m] = Math.max(0, next.seat[m] + eta * SEAT_STEP * costPerDevice * clip(excess.seat[m]));
  }
  return next;
}

/** Initial relative step of the prices per pass. */
const ASCENT_STEP = 0.1;
/** Seat prices move by this share of the mean device cost per unit step. */
const SEAT_STEP = 0.05;
/** After this many passes that close less than STALL_SHARE of the gap, the ascent restarts from its best point with half the step. */
const STALL_PASSES = 6;
const STALL_SHARE = 0.02;
