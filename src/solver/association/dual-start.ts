// A start association from the dual (a primal heuristic): each device on its cheapest server at
// prices near the Lagrangian dual's top, capacities repaired, every server planned.
//
// Why: at large sizes the search has almost no time (a first plan takes most of a few seconds),
// so the answer is whatever the start plan is. The strongest-gain start ignores that servers differ
// in compute; at fluid prices (bound/anytime.ts fluidPrices: one bandwidth price, frequency prices
// in proportion to each server's compute) the cheapest servers differ from it for only ~2% of the
// devices, but a few multiplicative supergradient steps on those prices (demand/supply − 1 per
// budget, the bound's own ascent) balance the servers' loads, and the cheapest servers at the
// prices reached, planned, come close to the optimum: at 5,000 × 100 (seed 1) 0.6625 after one
// step, 0.6606 after five, 0.6603 after a dozen, where the strongest-gain start plans 0.6702 and
// the best known optimum is 0.660275.
//
// Each step prices every device only on its CANDIDATE_SERVERS strongest-gain servers (cheaper than
// the bound's full pass, and a device's cheapest server is almost always among them); this is a
// heuristic, not a bound. Steps run while one more, and the plan after them, still fit the deadline.

import type { Solution } from './association.js';
import { capacities } from './association.js';
import { fluidPrices } from '../bound/anytime.js';
import { restrictedTop } from '../bound/bundle.js';
import { newPairPrice, pricePair } from '../pricing/kernel.js';
import type { PlanContext } from '../pricing/member.js';
import { planServer, type ServerPlan } from '../resources/server-plan.js';
import { expired, now } from '../clock.js';

/**
 * Servers priced per device: its strongest-gain ones. After 8 steps at 5,000 × 100: 3 servers
 * plan 0.66054, 4 plan 0.66045, 6 plan 0.66040; the first pass builds each pair's member (~15 µs a pair).
 */
const CANDIDATE_SERVERS = 4;
/**
 * Initial relative price step (η_k = STEP/√(k+1)). Larger steps oscillate: at 10%, 3,000 of
 * 5,000 devices changed server per step and the plans got worse; at 2% the moves shrink from ~800
 * to ~60 a step and each plan is better than the last.
 */
const STEP = 0.02;
/** Price steps at most (later ones move few devices). */
const MAX_STEPS = 16;

interface DualPrices {
  bandwidth: Float64Array;
  frequency: Float64Array;
}

/** The cheapest candidate server of every device at `prices`, and the demand it puts on each budget. */
interface Argmin {
  assignment: number[];
  demandBandwidth: Float64Array;
  demandFrequency: Float64Array;
}

const pair = newPairPrice();

/** Device n's candidate servers: its strongest-gain ones (all it reaches when fewer). */
function candidatesOf(ctx: PlanContext, n: number): number[] {
  return ctx.models[n].serversByGain.slice(0, CANDIDATE_SERVERS);
}

/** One pass over the devices; null when the deadline cut it short (a partial pass is of no use). */
function argminAt(ctx: PlanContext, prices: DualPrices, deadlineAt: number): Argmin | null {
  const M = ctx.instance.servers.length;
  const out: Argmin = { assignment: [], demandBandwidth: new Float64Array(M), demandFrequency: new Float64Array(M) };
  for (let n = 0; n < ctx.models.length; n++) {
    if ((n & 255) === 255 && expired(deadlineAt)) return null;
    let best = Infinity;
    let at = -1;
    let b = 0;
    let f = 0;
    // Strongest gain first: usually the cheapest, so its cost prunes the others without a member.
    for (const m of candidatesOf(ctx, n)) {
      pricePair(ctx, m, n, prices.bandwidth[m], prices.frequency[m], best, pair);
      if (pair.exact && pair.cost < best) {
        best = pair.cost;
        at = m;
        b = pair.bandwidthHz;
        f = pair.frequencyHz;
      }
    }
    if (at < 0) at = ctx.models[n].serversByGain[0];
    out.assignment.push(at);
    out.demandBandwidth[at] += b;
    out.demandFrequency[at] += f;
  }
  return out;
}

/** One multiplicative supergradient step: each price × exp(η·clip(demand/supply − 1)). */
function step(ctx: PlanContext, prices: DualPrices, argmin: Argmin, eta: number): DualPrices {
  const clip = (x: number) => Math.max(-1, Math.min(1, x));
  const servers = ctx.instance.servers;
  return {
    bandwidth: prices.bandwidth.map((p, m) => p * Math.exp(eta * clip(argmin.demandBandwidth[m] / servers[m].bandwidthHz - 1))),
    frequency: prices.frequency.map((p, m) => p * Math.exp(eta * clip(argmin.demandFrequency[m] / servers[m].frequencyHz - 1))),
  };
}

/**
 * Capacities (maxDevices): on a server holding more devices than it may, the members that lose
 * least by moving to another candidate server with room (priced exactly at `prices`) move there,
 * cheapest loss first, until it fits; a member with no such candidate may go to its strongest-gain
 * server with room. Null when the deadline passes or a server still cannot shed enough devices.
 */
export function repairCapacities(ctx: PlanContext, assignment: number[], prices: PriceSource, deadlineAt = Infinity): number[] | null {
  const cap = capacities(ctx);
  const out = assignment.slice();
  const members: number[][] = cap.map(() => []);
  out.forEach((m, n) => members[m].push(n));
  const load = members.map((list) => list.length);
  const costAt = (n: number, m: number) => pricePair(ctx, m, n, prices.bandwidth[m], prices.frequency[m], Infinity, pair).cost;
  for (let m = 0; m < cap.length; m++) {
    if (load[m] <= cap[m]) continue;
    if (expired(deadlineAt)) return null;
    // Each member's cheapest way out (its loss is measured at the prices, as the argmin was).
    const exits = members[m].map((n) => {
      const here = costAt(n, m);
      let loss = Infinity;
      let to = -1;
      for (const k of candidatesOf(ctx, n)) {
        if (k === m || load[k] >= cap[k]) continue;
        const l = costAt(n, k) - here;
        if (l < loss) {
          loss = l;
          to = k;
        }
      }
      return { n, to, loss };
    });
    exits.sort((x, y) => x.loss - y.loss);
    for (const exit of exits) {
      if (load[m] <= cap[m]) break;
      // Its chosen server may have filled meanwhile: then its strongest-gain server with room.
      const to =
        exit.to >= 0 && load[exit.to] < cap[exit.to] ? exit.to : ctx.models[exit.n].serversByGain.find((k) => k !== m && load[k] < cap[k]);
      if (to === undefined) continue;
      out[exit.n] = to;
      load[m]--;
      load[to]++;
    }
    if (load[m] > cap[m]) return null;
  }
  return out;
}

interface DualStartResult {
  /** the association, capacities repaired */
  assignment: number[];
  /** the prices it is the cheapest servers at */
  prices: DualPrices;
  /** price steps taken */
  steps: number;
}

/** Server prices a start is taken from: only their means matter (fluidPrices). */
interface PriceSource {
  bandwidth: ArrayLike<number>;
  frequency: ArrayLike<number>;
}

/** A plan's prices as a PriceSource. */
export function planPrices(plans: ServerPlan[]): PriceSource {
  return { bandwidth: plans.map((p) => p.bandwidthPrice), frequency: plans.map((p) => p.frequencyPrice) };
}

/** Fluid prices (bound/anytime.ts fluidPrices) at `source`'s means: where the dual start's steps and the top start's model begin. */
function fluidStart(ctx: PlanContext, source: PriceSource): DualPrices {
  const M = ctx.instance.servers.length;
  const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  return fluidPrices(ctx, {
    bandwidth: new Float64Array(M).fill(mean(source.bandwidth)),
    frequency: new Float64Array(M).fill(mean(source.frequency)),
    seat: new Float64Array(M),
  });
}

/**
 * The dual-start association from fluid prices at `source`'s means: price steps while one more and
 * `reserveMs` (the plan after them) fit before `deadlineAt`. Null when not even one pass fits.
 */
function dualStartAssociation(ctx: PlanContext, source: PriceSource, deadlineAt: number, reserveMs: number): DualStartResult | null {
  let prices: DualPrices = fluidStart(ctx, source);
  let last: { argmin: Argmin; prices: DualPrices } | null = null;
  let stepMs = 0;
  let steps = 0;
  for (; steps < MAX_STEPS; steps++) {
    // The first pass builds the pairs' members: later ones cost about a third of it (0.3 s, then
    // 0.08 s at 5,000 × 100), and at short limits that second step is the one that pays most.
    const nextMs = steps === 1 ? stepMs / 3 : stepMs;
    if (last !== null && now() + nextMs + reserveMs >= deadlineAt) break;
    const startedAt = now();
    const argmin = argminAt(ctx, prices, deadlineAt - reserveMs);
    if (!argmin) break;
    last = { argmin, prices };
    prices = step(ctx, prices, argmin, STEP / Math.sqrt(steps + 1));
    stepMs = now() - startedAt;
  }
  if (!last) return null;
  const assignment = repairCapacities(ctx, last.argmin.assignment, last.prices, deadlineAt);
  return assignment ? { assignment, prices: last.prices, steps } : null;
}

/**
 * The dual-start association planned (servers whose members are the same as in `start`, when
 * given, keep its plans), or null when there was no time for it (a pass, or the plan before
 * `abortAt`). The caller keeps the better of it and any other start it has.
 */
export function dualStartPlan(
  ctx: PlanContext,
  source: PriceSource,
  start: Solution | null,
  deadlineAt: number,
  abortAt: number,
  reserveMs: number,
): (Solution & { steps: number; prices: DualPrices }) | null {
  const found = dualStartAssociation(ctx, source, deadlineAt, reserveMs);
  if (!found) return null;
  const sol = planReusing(ctx, start, found.assignment, deadlineAt, abortAt);
  return sol ? { ...sol, steps: found.steps, prices: found.prices } : null;
}

/**
 * Every server planned (association.ts planAllBefore: time shared fairly, given up at `abortAt`),
 * except those whose members are the same as in `start`: they keep its plan.
 */
function planReusing(ctx: PlanContext, start: Solution | null, assignment: number[], deadlineAt: number, abortAt: number): Solution | null {
  const M = ctx.instance.servers.length;
  const members: number[][] = Array.from({ length: M }, () => []);
  const before: number[][] = Array.from({ length: M }, () => []);
  assignment.forEach((m, n) => members[m].push(n));
  start?.assignment.forEach((m, n) => before[m].push(n));
  const same = (m: number) => members[m].length === before[m].length && members[m].every((n, i) => n === before[m][i]);
  const plans: ServerPlan[] = [];
  for (let m = 0; m < M; m++) {
    if (start && same(m)) {
      plans.push(start.plans[m]);
      continue;
    }
    if (expired(abortAt)) return null;
    const share = Math.max(0, deadlineAt - now()) / (M - m);
    plans.push(planServer(ctx, m, members[m], Math.min(deadlineAt, now() + share)));
  }
  return { assignment, plans, cost: plans.reduce((s, p) => s + p.cost, 0), exact: plans.every((p) => p.exact) };
}

/** What the top start found: its plan (null: none in time), and the model's prices and choices there. */
export interface TopStart {
  sol: Solution | null;
  /** restrictedTop's prices (near the dual's top; not a bound until a full pass evaluates them) */
  prices: { bandwidth: number[]; frequency: number[] };
  /** each device's cheapest candidate at the model's last pass (a hint for the pass at `prices`) */
  choice: Int32Array;
  passes: number;
}

/**
 * The top start: the cutting-plane model restricted to each device's `candidates` strongest-gain
 * servers (bound/bundle.ts restrictedTop) climbs from fluid prices at `source`'s means for at most
 * `passes` passes, until `modelBy` (a time, or one from what its first pass took), and the
 * association of each device on its cheapest candidate at the pass whose choices overload the servers
 * least (bundle.ts restrictedTop), capacities repaired, is planned (servers unchanged from `start` keep its plans; given up at
 * `abortAt`). Null when not even one pass of the model fitted.
 */
export function topStartPlan(
  ctx: PlanContext,
  source: PriceSource,
  start: Solution | null,
  modelBy: number | ((firstPassMs: number) => number),
  planBy: number,
  abortAt: number,
  candidates: number,
  objective: number,
  passes: number,
): TopStart | null {
  const fluid = fluidStart(ctx, source);
  const from = { bandwidth: Array.from(fluid.bandwidth), frequency: Array.from(fluid.frequency) };
  const top = restrictedTop(ctx, from, modelBy, objective, candidates, undefined, passes);
  if (!top) return null;
  const choice = Array.from(top.planChoice, (m, n) => (m >= 0 ? m : ctx.models[n].serversByGain[0]));
  const assignment = repairCapacities(ctx, choice, top.prices, abortAt);
  const sol = assignment ? planReusing(ctx, start, assignment, planBy, abortAt) : null;
  return { sol, prices: top.prices, choice: top.choice, passes: top.passes };
}
