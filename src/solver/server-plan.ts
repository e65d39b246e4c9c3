// Plan one server: given the devices associated with it, choose every device's training mode
// and split layer and split the server's bandwidth and frequency. Exact by enumeration when the
// (mode, split) combinations are few; otherwise price-guided choices polished by coordinate
// descent with exact re-splits.

import type { Instance } from '../model/types.js';
import {
  delayWeights,
  edgeLoadPerLayer,
  localCost,
  localFrequencyHz,
  stabilityCost,
  uplinkParams,
  type DeviceModel,
  type ModeOption,
  type Weights,
} from './device-model.js';
import { frequencyForPrice, shareBandwidth, shareServerFrequency, unconstrainedFrequency, type EdgeLoad } from './shares.js';
import { bandwidthForPrice, uplinkCost, type UplinkParams } from './uplink.js';

export interface PlanContext {
  instance: Instance;
  weights: Weights;
  models: DeviceModel[];
  /** per-device deadline multipliers (0 when no deadline binds) */
  deadlineMultipliers: number[];
  /** max (mode, split) combinations per server to enumerate exhaustively */
  exactLimit: number;
  /** memo of per-(server, device, multiplier) pieces; create with new Map() */
  memberCache: Map<string, Member>;
}

export interface Choice {
  option: number;
  split: number;
}

export interface DevicePlan {
  device: number;
  choice: Choice;
  cpuFrequencyHz: number;
  transmitPowerW: number;
  bandwidthHz: number;
  serverFrequencyHz: number;
  cost: number;
}

export interface ServerPlan {
  server: number;
  devices: DevicePlan[];
  cost: number;
  bandwidthPrice: number;
  frequencyPrice: number;
  exact: boolean;
}

export interface Member {
  model: DeviceModel;
  cpuFrequencyHz: number;
  /** candidate (option, split) pairs; zeroth-order options that another option dominates are dropped */
  candidates: Choice[];
  uplink: Map<'bp' | 'zo', UplinkParams>;
  computeDelayWeight: number;
  /** smallest local + stability cost over the candidates, filled on first use */
  minFixedCost?: number;
}

function memberOf(ctx: PlanContext, server: number, deviceIndex: number): Member {
  const key = `${server}:${deviceIndex}:${ctx.deadlineMultipliers[deviceIndex]}`;
  let mem = ctx.memberCache.get(key);
  if (!mem) {
    mem = buildMember(ctx, server, deviceIndex);
    ctx.memberCache.set(key, mem);
  }
  return mem;
}

function buildMember(ctx: PlanContext, server: number, deviceIndex: number): Member {
  const model = ctx.models[deviceIndex];
  const dw = delayWeights(ctx.instance, ctx.weights, ctx.deadlineMultipliers[deviceIndex]);
  const f = localFrequencyHz(model, ctx.weights, dw);
  // Zeroth-order (q, P) variants differ only in call overhead and memory: for each split keep
  // the cheapest variant that fits.
  const bestZeroOrder = new Map<number, number>();
  const candidates: Choice[] = [];
  model.options.forEach((opt, i) => {
    for (const split of opt.splits) {
      if (opt.uplinkKind === 'bp') candidates.push({ option: i, split });
      else {
        const prev = bestZeroOrder.get(split);
        if (prev === undefined || opt.work.overheadS < model.options[prev].work.overheadS) bestZeroOrder.set(split, i);
      }
    }
  });
  // At the same split, backprop costs no more than zeroth-order in every term and for any
  // resources when ζ·2φ ≥ ψ (ζ ≥ 1.5): local FLOPs ψ vs ζ·2ψ/3, uplink bits s vs ζ·2s, edge FLOPs ψ vs
  // ζ·2ψ, same stability. Zeroth-order then only matters where backprop does not fit in memory.
  const backpropSplits = new Set(candidates.map((c) => c.split));
  const dominated = ctx.instance.zerothOrderStepMultiplier >= 1.5;
  for (const [split, option] of bestZeroOrder) if (!(dominated && backpropSplits.has(split))) candidates.push({ option, split });
  const uplink = new Map<'bp' | 'zo', UplinkParams>();
  for (const c of candidates) {
    const opt = model.options[c.option];
    if (!uplink.has(opt.uplinkKind)) uplink.set(opt.uplinkKind, uplinkParams(ctx.instance, model, opt, server, ctx.weights, dw));
  }
  return { model, cpuFrequencyHz: f, candidates, uplink, computeDelayWeight: dw.compute };
}

function fixedCost(ctx: PlanContext, mem: Member, c: Choice): number {
  const opt = mem.model.options[c.option];
  const dw = { compute: mem.computeDelayWeight, uplink: 0 };
  return localCost(mem.model, opt, c.split, ctx.weights, dw, mem.cpuFrequencyHz) + stabilityCost(ctx.instance, mem.model, c.split, ctx.weights);
}

function edgeLoad(ctx: PlanContext, server: number, mem: Member, c: Choice): EdgeLoad {
  const opt: ModeOption = mem.model.options[c.option];
  return { load: (ctx.instance.layers - c.split) * edgeLoadPerLayer(ctx.instance, opt, server), delayWeight: mem.computeDelayWeight };
}

function edgeCost(l: EdgeLoad, energyKappa: number, f: number): number {
  return l.load * (l.delayWeight / f + energyKappa * f * f);
}

/** Exact cost of a full choice vector: splits of both budgets solved to optimality. */
function assemble(ctx: PlanContext, server: number, members: Member[], choices: Choice[], bandwidthCache: Map<string, ReturnType<typeof shareBandwidth>>): ServerPlan {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  const kinds = choices.map((c, i) => members[i].model.options[c.option].uplinkKind);
  const kindKey = kinds.join(',');
  let bw = bandwidthCache.get(kindKey);
  const ups = members.map((m, i) => m.uplink.get(kinds[i])!);
  if (!bw) {
    bw = shareBandwidth(ups, s.bandwidthHz);
    bandwidthCache.set(kindKey, bw);
  }
  const loads = choices.map((c, i) => edgeLoad(ctx, server, members[i], c));
  const fr = shareServerFrequency(loads, eKappa, s.frequencyHz);
  let total = 0;
  const devices: DevicePlan[] = members.map((mem, i) => {
    const up = uplinkCost(ups[i], bw.shares[i]);
    const cost = fixedCost(ctx, mem, choices[i]) + up.cost + edgeCost(loads[i], eKappa, fr.shares[i]);
    total += cost;
    return {
      device: mem.model.index,
      choice: choices[i],
      cpuFrequencyHz: mem.cpuFrequencyHz,
      transmitPowerW: up.powerW,
      bandwidthHz: bw.shares[i],
      serverFrequencyHz: fr.shares[i],
      cost,
    };
  });
  return { server, devices, cost: total, bandwidthPrice: bw.price, frequencyPrice: fr.price, exact: false };
}

/** Every (mode, split) vector; costs only, the winner is assembled once at the end. */
function enumerate(ctx: PlanContext, server: number, members: Member[], deadlineAt: number): ServerPlan {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  const fixed = members.map((m) => m.candidates.map((c) => fixedCost(ctx, m, c)));
  const loads = members.map((m) => m.candidates.map((c) => edgeLoad(ctx, server, m, c)));
  const kinds = members.map((m) => m.candidates.map((c) => m.model.options[c.option].uplinkKind));
  const uplinkCosts = new Map<string, number[]>();
  const idx = members.map(() => 0);
  let bestIdx = idx.slice();
  let bestCost = Infinity;
  let complete = true;
  for (let iter = 0; ; iter++) {
    if ((iter & 255) === 255 && Date.now() >= deadlineAt) {
      complete = false;
      break;
    }
    const kindVector = idx.map((j, i) => kinds[i][j]);
    const key = kindVector.join(',');
    let up = uplinkCosts.get(key);
    if (!up) {
      const ups = members.map((m, i) => m.uplink.get(kindVector[i])!);
      const bw = shareBandwidth(ups, s.bandwidthHz);
      up = ups.map((u, i) => uplinkCost(u, bw.shares[i]).cost);
      uplinkCosts.set(key, up);
    }
    const chosenLoads = idx.map((j, i) => loads[i][j]);
    const fr = shareServerFrequency(chosenLoads, eKappa, s.frequencyHz);
    let cost = 0;
    for (let i = 0; i < members.length; i++) cost += fixed[i][idx[i]] + up[i] + edgeCost(chosenLoads[i], eKappa, fr.shares[i]);
    if (cost < bestCost) {
      bestCost = cost;
      bestIdx = idx.slice();
    }
    let i = 0;
    while (i < members.length && ++idx[i] === members[i].candidates.length) idx[i++] = 0;
    if (i === members.length) break;
  }
  const plan = assemble(ctx, server, members, members.map((m, i) => m.candidates[bestIdx[i]]), new Map());
  return { ...plan, exact: complete };
}

/** Best candidate of each device at given prices: the Lagrangian best response. */
function bestResponse(ctx: PlanContext, server: number, mem: Member, bandwidthPrice: number, frequencyPrice: number): Choice {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  const uplinkAtPrice = new Map<'bp' | 'zo', number>();
  for (const [kind, u] of mem.uplink) {
    const b = bandwidthForPrice(u, bandwidthPrice, s.bandwidthHz);
    uplinkAtPrice.set(kind, uplinkCost(u, b).cost + bandwidthPrice * b);
  }
  let best = mem.candidates[0];
  let bestCost = Infinity;
  for (const c of mem.candidates) {
    const l = edgeLoad(ctx, server, mem, c);
    const f = frequencyForPrice(l, eKappa, frequencyPrice, s.frequencyHz);
    const cost = fixedCost(ctx, mem, c) + uplinkAtPrice.get(mem.model.options[c.option].uplinkKind)! + edgeCost(l, eKappa, f) + frequencyPrice * f;
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

function priceGuided(ctx: PlanContext, server: number, members: Member[], deadlineAt: number): ServerPlan {
  const cache = new Map<string, ReturnType<typeof shareBandwidth>>();
  const s = ctx.instance.servers[server];
  const k = members.length;
  // Start from each device's best response to the prices of an equal split.
  let plan = assemble(ctx, server, members, members.map((m) => m.candidates[0]), cache);
  let choices = members.map((m) => bestResponse(ctx, server, m, plan.bandwidthPrice, plan.frequencyPrice));
  let best = assemble(ctx, server, members, choices, cache);
  const seen = new Set<string>();
  for (let round = 0; round < 30; round++) {
    const next = members.map((m) => bestResponse(ctx, server, m, best.bandwidthPrice, best.frequencyPrice));
    const key = next.map((c) => `${c.option}:${c.split}`).join('|');
    if (seen.has(key)) break;
    seen.add(key);
    plan = assemble(ctx, server, members, next, cache);
    if (plan.cost < best.cost) best = plan;
    choices = next;
  }
  // Coordinate descent with exact re-splits: each device tries its neighbouring splits and the
  // other uplink kind; accept strict improvements.
  choices = best.devices.map((d) => d.choice);
  let improved = true;
  while (improved && Date.now() < deadlineAt) {
    improved = false;
    for (let i = 0; i < k; i++) {
      const mem = members[i];
      const cur = choices[i];
      const trials = mem.candidates.filter(
        (c) => (c.option === cur.option && Math.abs(c.split - cur.split) <= 2 && c.split !== cur.split) ||
          (mem.model.options[c.option].uplinkKind !== mem.model.options[cur.option].uplinkKind && Math.abs(c.split - cur.split) <= 1),
      );
      for (const t of trials) {
        const trial = choices.slice();
        trial[i] = t;
        const p = assemble(ctx, server, members, trial, cache);
        if (p.cost < best.cost * (1 - 1e-12)) {
          best = p;
          choices = trial;
          improved = true;
        }
      }
    }
  }
  void s;
  return best;
}

/**
 * When every device's frequency optimum f* = (wt/(2eκ))^(1/3) fits the server together, the
 * frequency budget never binds whatever the splits, so splits are chosen device by device; only
 * the uplink kinds (backprop / zeroth-order) still interact, through the bandwidth split.
 */
function separable(ctx: PlanContext, server: number, members: Member[]): ServerPlan | null {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  let demand = 0;
  for (const m of members) demand += Math.min(s.frequencyHz, unconstrainedFrequency({ load: 1, delayWeight: m.computeDelayWeight }, eKappa));
  if (!(demand <= s.frequencyHz)) return null;
  const kindsOf = members.map((m) => [...m.uplink.keys()]);
  const mixed = kindsOf.filter((k) => k.length > 1).length;
  if (mixed > 6) return null;
  // Best candidate of each device within each uplink kind, at its unconstrained frequency.
  const bestWithin = members.map((mem) => {
    const best = new Map<'bp' | 'zo', Choice>();
    const bestCost = new Map<'bp' | 'zo', number>();
    for (const c of mem.candidates) {
      const kind = mem.model.options[c.option].uplinkKind;
      const l = edgeLoad(ctx, server, mem, c);
      const f = frequencyForPrice(l, eKappa, 0, s.frequencyHz);
      const cost = fixedCost(ctx, mem, c) + edgeCost(l, eKappa, f);
      if (cost < (bestCost.get(kind) ?? Infinity)) {
        bestCost.set(kind, cost);
        best.set(kind, c);
      }
    }
    return best;
  });
  const cache = new Map<string, ReturnType<typeof shareBandwidth>>();
  let best: ServerPlan | null = null;
  const idx = members.map(() => 0);
  for (;;) {
    const choices = members.map((_, i) => bestWithin[i].get(kindsOf[i][idx[i]])!);
    const plan = assemble(ctx, server, members, choices, cache);
    if (best === null || plan.cost < best.cost) best = plan;
    let i = 0;
    while (i < members.length && ++idx[i] === kindsOf[i].length) idx[i++] = 0;
    if (i === members.length) break;
  }
  return { ...best!, exact: true };
}

export function planServer(ctx: PlanContext, server: number, deviceIndices: number[], deadlineAt = Infinity): ServerPlan {
  if (deviceIndices.length === 0) return { server, devices: [], cost: 0, bandwidthPrice: 0, frequencyPrice: 0, exact: true };
  const members = deviceIndices.map((n) => memberOf(ctx, server, n));
  const quick = separable(ctx, server, members);
  if (quick) return quick;
  let combos = 1;
  for (const m of members) combos *= m.candidates.length;
  if (combos <= ctx.exactLimit) return enumerate(ctx, server, members, deadlineAt);
  return priceGuided(ctx, server, members, deadlineAt);
}

/**
 * Lagrangian cost of one device on one server at given prices: min over its choices and
 * continuous decisions of its cost + prices × the budget it consumes. Exact (every inner
 * problem is solved to global optimality), so Σ over devices minus prices × budgets is a valid
 * lower bound on the optimum. When a cheap lower bound (uplink + the smallest local/stability
 * cost, edge cost ≥ 0) already reaches `cutoff`, that lower bound is returned instead: callers
 * take minima over servers, which stay valid lower bounds.
 */
export function pricedDeviceCost(ctx: PlanContext, server: number, device: number, bandwidthPrice: number, frequencyPrice: number, cutoff = Infinity): number {
  const mem = memberOf(ctx, server, device);
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  const uplinkAtPrice = new Map<'bp' | 'zo', number>();
  let cheapest = Infinity;
  for (const [kind, u] of mem.uplink) {
    const b = bandwidthForPrice(u, bandwidthPrice, s.bandwidthHz);
    const v = uplinkCost(u, b).cost + bandwidthPrice * b;
    uplinkAtPrice.set(kind, v);
    cheapest = Math.min(cheapest, v);
  }
  if (mem.minFixedCost === undefined) mem.minFixedCost = Math.min(...mem.candidates.map((c) => fixedCost(ctx, mem, c)));
  const lowerBound = cheapest + mem.minFixedCost;
  if (lowerBound >= cutoff) return lowerBound;
  let best = Infinity;
  for (const c of mem.candidates) {
    const l = edgeLoad(ctx, server, mem, c);
    const f = frequencyForPrice(l, eKappa, frequencyPrice, s.frequencyHz);
    best = Math.min(best, fixedCost(ctx, mem, c) + uplinkAtPrice.get(mem.model.options[c.option].uplinkKind)! + edgeCost(l, eKappa, f) + frequencyPrice * f);
  }
  return best;
}

/** Priced costs of one device on every server, nearest (strongest gain) first so pruning bites. */
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
