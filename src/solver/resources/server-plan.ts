// Plan one server: given the devices associated with it, choose every device's training mode
// and split layer and split the server's bandwidth and frequency. Exact by enumeration when the
// (mode, split) combinations are few; otherwise price-guided choices polished by coordinate
// descent with exact re-splits.

import { edgeLoadPerLayer, type ModeOption } from '../pricing/device-model.js';
import { kindsOf, memberOf, uplinkOf, type Choice, type Member, type PlanContext } from '../pricing/member.js';
import { bestCandidate, newBest, pricedUplink } from '../pricing/kernel.js';
import { frequencyForPrice, shareBandwidth, shareServerFrequency, unconstrainedFrequency, type EdgeLoad, type Split } from './shares.js';
import { uplinkCost, type UplinkParams } from './uplink.js';
import { expired } from '../clock.js';

export type { PlanContext };
export { pricedDeviceCost, pricedRow } from '../pricing/kernel.js';

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

/** Local, stability and migration cost of a choice: everything but the server's two budgets. */
function fixedCost(mem: Member, c: Choice): number {
  return mem.fixedCosts[mem.candidates.indexOf(c)] + mem.migrationCost;
}

function edgeLoad(ctx: PlanContext, server: number, mem: Member, c: Choice): EdgeLoad {
  const opt: ModeOption = mem.model.options[c.option];
  return { load: (ctx.instance.layers - c.split) * edgeLoadPerLayer(ctx.instance, opt, server), delayWeight: mem.computeDelayWeight };
}

function edgeCost(l: EdgeLoad, energyKappa: number, f: number): number {
  return l.load * (l.delayWeight / f + energyKappa * f * f);
}

/** The optimal bandwidth split of these members with these uplink kinds, memoised per server, members (with multipliers) and kinds. */
function bandwidthSplit(
  ctx: PlanContext,
  server: number,
  members: Member[],
  kinds: ('bp' | 'zo')[],
  priceHint = Number.NaN,
): { split: Split; uplinks: UplinkParams[] } {
  const uplinks = members.map((m, i) => uplinkOf(m, kinds[i]));
  const key = `${server}|${members.map((m, i) => `${m.model.index}:${ctx.deadlineMultipliers[m.model.index]}:${kinds[i]}`).join(',')}`;
  let split = ctx.bandwidthCache.get(key);
  if (!split) {
    split = shareBandwidth(uplinks, ctx.instance.servers[server].bandwidthHz, priceHint);
    ctx.bandwidthCache.set(key, split);
  }
  return { split, uplinks };
}

/** Exact cost of a full choice vector: splits of both budgets solved to optimality. */
function assemble(ctx: PlanContext, server: number, members: Member[], choices: Choice[], hint: PriceHint | null = null): ServerPlan {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  const kinds = choices.map((c, i) => members[i].model.options[c.option].uplinkKind);
  const { split: bw, uplinks: ups } = bandwidthSplit(ctx, server, members, kinds, hint?.bandwidthPrice);
  const loads = choices.map((c, i) => edgeLoad(ctx, server, members[i], c));
  const fr = shareServerFrequency(loads, eKappa, s.frequencyHz, hint?.frequencyPrice);
  let total = 0;
  const devices: DevicePlan[] = members.map((mem, i) => {
    const up = uplinkCost(ups[i], bw.shares[i]);
    const cost = fixedCost(mem, choices[i]) + up.cost + edgeCost(loads[i], eKappa, fr.shares[i]);
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
  const fixed = members.map((m) => m.fixedCosts);
  const loads = members.map((m) => m.candidates.map((c) => edgeLoad(ctx, server, m, c)));
  const kinds = members.map((m) => m.candidates.map((c) => m.model.options[c.option].uplinkKind));
  const uplinkCosts = new Map<string, number[]>();
  const idx = members.map(() => 0);
  let bestIdx = idx.slice();
  let bestCost = Infinity;
  let complete = true;
  for (let iter = 0; ; iter++) {
    if ((iter & 255) === 255 && expired(deadlineAt)) {
      complete = false;
      break;
    }
    const kindVector = idx.map((j, i) => kinds[i][j]);
    const key = kindVector.join(',');
    let up = uplinkCosts.get(key);
    if (!up) {
      const { split: bw, uplinks } = bandwidthSplit(ctx, server, members, kindVector);
      up = uplinks.map((u, i) => uplinkCost(u, bw.shares[i]).cost);
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
  const plan = assemble(
    ctx,
    server,
    members,
    members.map((m, i) => m.candidates[bestIdx[i]]),
  );
  return { ...plan, exact: complete };
}

/** Uplink cost plus bandwidth payment at a price, per uplink kind. */
function uplinkAtPrice(mem: Member, bandwidthPrice: number, capHz: number): Map<'bp' | 'zo', number> {
  const out = new Map<'bp' | 'zo', number>();
  for (const kind of kindsOf(mem)) out.set(kind, pricedUplink(mem, kind, bandwidthPrice, capHz).cost);
  return out;
}

/** Priced cost of every candidate of a device: its Lagrangian cost at the server's prices. */
function pricedCandidates(
  ctx: PlanContext,
  server: number,
  mem: Member,
  uplink: Map<'bp' | 'zo', number>,
  frequencyPrice: number,
): number[] {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  return mem.candidates.map((c, j) => {
    const l = edgeLoad(ctx, server, mem, c);
    const f = frequencyForPrice(l, eKappa, frequencyPrice, s.frequencyHz);
    return (
      mem.fixedCosts[j] +
      mem.migrationCost +
      uplink.get(mem.model.options[c.option].uplinkKind)! +
      edgeCost(l, eKappa, f) +
      frequencyPrice * f
    );
  });
}

/**
 * Choices that clear the server's frequency market. At a price μ each device takes its best
 * (mode, split) with its best frequency; the total demand falls as μ rises (a higher price never
 * makes a device want more), so bisection on log μ brackets the budget. Returns the choices just
 * above and just below the crossing; the budget's exact split is made by assemble().
 */
function clearingChoices(
  ctx: PlanContext,
  server: number,
  members: Member[],
  uplinkOf: (m: Member) => Map<'bp' | 'zo', number>,
): Choice[][] {
  const s = ctx.instance.servers[server];
  const eKappa = ctx.weights.energy * s.kappa;
  const uplinks = members.map(uplinkOf);
  const best = newBest();
  const respond = (price: number): { choices: Choice[]; demand: number } => {
    let demand = 0;
    const choices = members.map((mem, i) => {
      bestCandidate(
        mem.groups,
        mem.loadScale,
        mem.computeDelayWeight,
        eKappa,
        price,
        s.frequencyHz,
        uplinks[i].get('bp') ?? Infinity,
        uplinks[i].get('zo') ?? Infinity,
        Infinity,
        best,
      );
      demand += best.frequencyHz;
      return mem.candidates[best.candidate];
    });
    return { choices, demand };
  };
  const atZero = respond(0);
  if (atZero.demand <= s.frequencyHz) return [atZero.choices];
  let lo = 1e-300;
  let hi = 1;
  while (respond(hi).demand > s.frequencyHz && hi < 1e300) hi *= 1e3;
  let a = Math.log(lo);
  let b = Math.log(hi);
  for (let i = 0; i < 60 && b - a > 1e-9; i++) {
    const mid = 0.5 * (a + b);
    if (respond(Math.exp(mid)).demand > s.frequencyHz) a = mid;
    else b = mid;
  }
  lo = Math.exp(a);
  hi = Math.exp(b);
  return [respond(hi).choices, respond(lo).choices];
}

function priceGuided(ctx: PlanContext, server: number, members: Member[], deadlineAt: number): ServerPlan {
  const capHz = ctx.instance.servers[server].bandwidthHz;
  // The bandwidth price only moves when uplink kinds change: memoise the uplink responses.
  const uplinkMemo = new Map<Member, { price: number; value: Map<'bp' | 'zo', number> }>();
  const uplinkOf = (mem: Member, price: number) => {
    const m = uplinkMemo.get(mem);
    if (m && m.price === price) return m.value;
    const value = uplinkAtPrice(mem, price, capHz);
    uplinkMemo.set(mem, { price, value });
    return value;
  };
  const bestResponse = (mem: Member, plan: ServerPlan): Choice => {
    const costs = pricedCandidates(ctx, server, mem, uplinkOf(mem, plan.bandwidthPrice), plan.frequencyPrice);
    let j = 0;
    for (let i = 1; i < costs.length; i++) if (costs[i] < costs[j]) j = i;
    return mem.candidates[j];
  };
  // Start from the market-clearing choices at the bandwidth price of the smallest splits' kinds,
  // then let best responses to the exact splits' prices settle what clearing left ambiguous.
  const first = assemble(
    ctx,
    server,
    members,
    members.map((m) => m.candidates[0]),
  );
  let best = first;
  if (expired(deadlineAt)) {
    // Out of time (a fallback plan): one best response to the first split's prices, no market clearing.
    const next = assemble(
      ctx,
      server,
      members,
      members.map((m) => bestResponse(m, first)),
    );
    return next.cost < first.cost ? next : first;
  }
  const keyOf = (choices: Choice[]) => choices.map((c) => `${c.option}:${c.split}`).join('|');
  const seen = new Set<string>([keyOf(members.map((m) => m.candidates[0]))]);
  for (const choices of clearingChoices(ctx, server, members, (m) => uplinkOf(m, first.bandwidthPrice))) {
    const key = keyOf(choices);
    if (seen.has(key)) continue; // already assembled: re-splitting the same choices gives the same plan
    seen.add(key);
    const plan = assemble(ctx, server, members, choices);
    if (plan.cost < best.cost) best = plan;
  }
  seen.clear();
  seen.add(keyOf(best.devices.map((d) => d.choice)));
  for (let round = 0; round < 30 && (round === 0 || !expired(deadlineAt)); round++) {
    const next = members.map((m) => bestResponse(m, best));
    const key = keyOf(next);
    if (seen.has(key)) break;
    seen.add(key);
    const plan = assemble(ctx, server, members, next);
    if (plan.cost < best.cost) best = plan;
  }
  // Coordinate descent with exact re-splits. For fixed choices both budget splits are convex,
  // so by weak duality a device's change in priced cost at the current optimal prices bounds
  // the change of the server's optimum from below: moves priced ≥ 0 cannot improve and are
  // skipped without re-splitting.
  let choices = best.devices.map((d) => d.choice);
  let improved = true;
  while (improved && !expired(deadlineAt)) {
    improved = false;
    for (let i = 0; i < members.length; i++) {
      const mem = members[i];
      const cur = choices[i];
      const priced = pricedCandidates(ctx, server, mem, uplinkOf(mem, best.bandwidthPrice), best.frequencyPrice);
      const curCost = priced[mem.candidates.indexOf(cur)];
      const trials = mem.candidates
        .map((c, j) => ({ c, delta: priced[j] - curCost }))
        .filter((t) => t.c !== cur && t.delta < 0)
        .sort((x, y) => x.delta - y.delta)
        .slice(0, 4);
      for (const { c } of trials) {
        const trial = choices.slice();
        trial[i] = c;
        const p = assemble(ctx, server, members, trial);
        if (p.cost < best.cost * (1 - 1e-12)) {
          best = p;
          choices = trial;
          improved = true;
          break;
        }
      }
    }
  }
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
  for (const m of members)
    demand += Math.min(s.frequencyHz, unconstrainedFrequency({ load: 1, delayWeight: m.computeDelayWeight }, eKappa));
  if (!(demand <= s.frequencyHz)) return null;
  const kinds = members.map(kindsOf);
  const mixed = kinds.filter((k) => k.length > 1).length;
  if (mixed > 6) return null;
  // Best candidate of each device within each uplink kind, at its unconstrained frequency.
  const found = newBest();
  const bestWithin = members.map((mem) =>
    kinds[members.indexOf(mem)].map((kind) => {
      bestCandidate(
        mem.groups,
        mem.loadScale,
        mem.computeDelayWeight,
        eKappa,
        0,
        s.frequencyHz,
        kind === 'bp' ? 0 : Infinity,
        kind === 'zo' ? 0 : Infinity,
        Infinity,
        found,
      );
      return mem.candidates[found.candidate];
    }),
  );
  let best: ServerPlan | null = null;
  const idx = members.map(() => 0);
  for (;;) {
    const choices = members.map((_, i) => bestWithin[i][idx[i]]);
    const plan = assemble(ctx, server, members, choices);
    if (best === null || plan.cost < best.cost) best = plan;
    let i = 0;
    while (i < members.length && ++idx[i] === kinds[i].length) idx[i++] = 0;
    if (i === members.length) break;
  }
  return { ...best!, exact: true };
}

/** Prices near a split's (the server's before a change of members): where its markets are cleared from (clearMarket). */
export interface PriceHint {
  bandwidthPrice: number;
  frequencyPrice: number;
}

/**
 * A server's exact cost with every device's (mode, split) held: only the two budgets are re-split.
 * The server's plan with these members at these choices; `hint`: e.g. the server's plan before the
 * change (its prices).
 */
export function assembleServer(
  ctx: PlanContext,
  server: number,
  devices: { device: number; choice: Choice }[],
  hint: PriceHint | null = null,
): ServerPlan {
  if (devices.length === 0) return { server, devices: [], cost: 0, bandwidthPrice: 0, frequencyPrice: 0, exact: true };
  return assemble(
    ctx,
    server,
    devices.map((d) => memberOf(ctx, server, d.device)),
    devices.map((d) => d.choice),
    hint,
  );
}

/**
 * Whether no member of `plan` lowers its priced cost at the plan's own prices by changing its
 * (mode, split) alone: then the coordinate descent of priceGuided would stop at once (by weak
 * duality such a move cannot lower the server's optimum).
 */
export function bestResponseFixedPoint(ctx: PlanContext, plan: ServerPlan): boolean {
  const capHz = ctx.instance.servers[plan.server].bandwidthHz;
  for (const d of plan.devices) {
    const mem = memberOf(ctx, plan.server, d.device);
    const priced = pricedCandidates(ctx, plan.server, mem, uplinkAtPrice(mem, plan.bandwidthPrice, capHz), plan.frequencyPrice);
    const k = mem.candidates.indexOf(d.choice);
    // A choice not among the member's candidates cannot be judged: re-plan (never skip on doubt).
    if (k < 0) return false;
    const current = priced[k];
    for (const cost of priced) if (cost < current * (1 - 1e-12)) return false;
  }
  return true;
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
