// A device as the solver sees it: its candidate (mode, split) pairs with their server-independent
// costs, and, per server, its uplink and its edge load. Built once per (server, device, deadline
// multiplier) and memoised in the plan context: everything hot in the solver reads these.

import type { Instance } from '../../model/types.js';
import {
  delayWeights,
  localCost,
  localFrequencyHz,
  stabilityCost,
  uplinkParams,
  type DelayWeights,
  type DeviceModel,
  type Weights,
} from './device-model.js';
import type { Split } from '../resources/shares.js';
import { uplinkBase, uplinkCost, type UplinkBase, type UplinkParams } from '../resources/uplink.js';

export interface PlanContext {
  instance: Instance;
  weights: Weights;
  models: DeviceModel[];
  /** per-device deadline multipliers (0 when no deadline binds) */
  deadlineMultipliers: number[];
  /** max (mode, split) combinations per server to enumerate exhaustively */
  exactLimit: number;
  /** memo of devices (by index) and (server, device) pairs (by device, then server) */
  members: MemberCache;
  /** memo of bandwidth splits by server, members (with multipliers) and uplink kinds; new Map() */
  bandwidthCache: Map<string, Split>;
}

export interface MemberCache {
  devices: (DeviceChoices | undefined)[];
  pairs: ((Member | undefined)[] | undefined)[];
}

export function newMemberCache(): MemberCache {
  return { devices: [], pairs: [] };
}

export function createPlanContext(instance: Instance, weights: Weights, models: DeviceModel[], exactLimit: number): PlanContext {
  return {
    instance,
    weights,
    models,
    deadlineMultipliers: models.map(() => 0),
    exactLimit,
    members: newMemberCache(),
    bandwidthCache: new Map(),
  };
}

export interface Choice {
  option: number;
  split: number;
}

export type UplinkKind = 'bp' | 'zo';

/** What a device brings to any server: its candidates and their server-independent costs. */
interface DeviceChoices {
  model: DeviceModel;
  /** the deadline multiplier these were built with */
  multiplier: number;
  cpuFrequencyHz: number;
  /** candidate (option, split) pairs; zeroth-order options that another option dominates are dropped */
  candidates: Choice[];
  /** local + stability cost of each candidate */
  fixedCosts: number[];
  minFixedCost: number;
  computeDelayWeight: number;
  delayWeights: DelayWeights;
  groups: EdgeGroup[];
  /** the option whose uplink each kind's members use (that of its first group's first candidate), −1 when no candidate has that kind */
  bpOption: number;
  zoOption: number;
  /** each kind's uplink without its gain (the pricing kernel's member-free path), null as the option is −1 */
  bpBase: UplinkBase | null;
  zoBase: UplinkBase | null;
}

/**
 * Candidates that share an uplink kind and an edge workload per server-side layer, in
 * increasing split order: along a group the edge work falls and the fixed cost (local +
 * stability) rises, which is what lets pricing bound whole runs of splits at once (kernel.ts).
 */
export interface EdgeGroup {
  kind: UplinkKind;
  /** indices into DeviceChoices.candidates, split ascending */
  candidates: number[];
  /** edge FLOPs of each candidate, (Υ − split)·step multiplier·FLOPs per layer (falls along the group) */
  work: Float64Array;
  fixed: Float64Array;
  /** suffix minima of `fixed`: a lower bound of the fixed cost of any later candidate */
  fixedFloor: Float64Array;
}

/**
 * A device as seen by one server: its choices plus its uplink to that server. A flat object of
 * one shape (no maps): tens of thousands are built on large instances and read in hot loops. The
 * choices' uplink options and bases are left out: only the kernel's member-free path reads them.
 */
export interface Member extends Omit<DeviceChoices, 'bpOption' | 'zoOption' | 'bpBase' | 'zoBase'> {
  server: number;
  /** uplink parameters per kind, null when no candidate uses that kind */
  uplinkBp: UplinkParams | null;
  uplinkZo: UplinkParams | null;
  /**
   * cost of each uplink kind with the whole bandwidth: a price-free lower bound of its priced cost
   * (Infinity when absent; NaN until floorsOf)
   */
  floorBp: number;
  floorZo: number;
  /** edge load = work × loadScale on this server, 1/(cores·FLOPs per cycle) */
  loadScale: number;
  /**
   * Weighted cost of the device changing to this server since `previous` (0 where it stays).
   * A constant of the pair: every cost of the pair includes it (plans, pricing, bounds), no choice
   * within a server depends on it, and device-level costs (choicesOf) leave it out, which keeps
   * them lower bounds of every pair.
   */
  migrationCost: number;
}

/** The member with its uplink floors computed (they cost a power optimisation each, so only on demand). */
export function floorsOf(mem: Member, bandwidthHz: number): Member {
  if (Number.isNaN(mem.floorBp)) mem.floorBp = uplinkCost(mem.uplinkBp!, bandwidthHz).cost;
  if (Number.isNaN(mem.floorZo)) mem.floorZo = uplinkCost(mem.uplinkZo!, bandwidthHz).cost;
  return mem;
}

export function uplinkOf(mem: Member, kind: UplinkKind): UplinkParams {
  return (kind === 'bp' ? mem.uplinkBp : mem.uplinkZo)!;
}

/** The uplink kinds a member's candidates use. */
export function kindsOf(mem: Member): UplinkKind[] {
  const out: UplinkKind[] = [];
  if (mem.uplinkBp) out.push('bp');
  if (mem.uplinkZo) out.push('zo');
  return out;
}

/**
 * Weighted cost of device n changing server to `server` since `previous`: the same weights (and
 * normalisation) as its delay and energy. 0 where it stays, for new devices and without previous.
 */
export function migrationCost(ctx: PlanContext, server: number, deviceIndex: number): number {
  const prev = ctx.instance.previous;
  const before = prev?.server[deviceIndex] ?? null;
  if (before === null || before === server) return 0;
  return ctx.weights.delay * prev!.migration.delayS + ctx.weights.energy * prev!.migration.energyJ;
}

/**
 * `slots` undefined entries, pushed in order. The memos are indexed by device and server: entries
 * stored at scattered indices into an empty array turned it into a dictionary (a hash lookup per
 * memberOf, and rehashing as it grew, which a single devices·servers array had at 5,000 × 100);
 * filled first, they stay plain arrays. One row of servers per device keeps each short (a dense
 * array of devices·servers slots took 0.3 s to fill at 10,000 × 500).
 */
function undefinedSlots<T>(slots: number): (T | undefined)[] {
  const out: (T | undefined)[] = [];
  for (let i = 0; i < slots; i++) out.push(undefined);
  return out;
}

export function memberOf(ctx: PlanContext, server: number, deviceIndex: number): Member {
  const cache = ctx.members;
  if (cache.pairs.length === 0) cache.pairs = undefinedSlots(ctx.models.length);
  let row = cache.pairs[deviceIndex];
  if (!row) {
    row = undefinedSlots<Member>(ctx.instance.servers.length);
    cache.pairs[deviceIndex] = row;
  }
  let mem = row[server];
  if (!mem || mem.multiplier !== ctx.deadlineMultipliers[deviceIndex]) {
    // (No closure here: tens of thousands of members are built on large instances, most in a pass.)
    const c = choicesOf(ctx, deviceIndex);
    const s = ctx.instance.servers[server];
    const options = c.model.options;
    const uplinkBp = c.bpOption >= 0 ? uplinkParams(ctx.instance, c.model, options[c.bpOption], server, ctx.weights, c.delayWeights) : null;
    const uplinkZo = c.zoOption >= 0 ? uplinkParams(ctx.instance, c.model, options[c.zoOption], server, ctx.weights, c.delayWeights) : null;
    mem = {
      model: c.model,
      multiplier: c.multiplier,
      cpuFrequencyHz: c.cpuFrequencyHz,
      candidates: c.candidates,
      fixedCosts: c.fixedCosts,
      minFixedCost: c.minFixedCost,
      computeDelayWeight: c.computeDelayWeight,
      delayWeights: c.delayWeights,
      groups: c.groups,
      server,
      uplinkBp,
      uplinkZo,
      floorBp: uplinkBp ? NaN : Infinity,
      floorZo: uplinkZo ? NaN : Infinity,
      loadScale: 1 / (s.cores * s.flopsPerCycle),
      migrationCost: migrationCost(ctx, server, deviceIndex),
    };
    row[server] = mem;
  }
  return mem;
}

/** Equal as their string forms are (0 and −0 alike, NaN with NaN). */
function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function edgeGroups(instance: Instance, model: DeviceModel, candidates: Choice[], fixedCosts: number[]): EdgeGroup[] {
  // Group per option (a few), not per candidate (many): by uplink kind and edge FLOPs per layer,
  // compared as numbers (a string key per option was ~15% of building a device's choices).
  const optionGroup = new Int32Array(model.options.length);
  const groupKinds: UplinkKind[] = [];
  const groupFlops: number[] = [];
  for (let i = 0; i < model.options.length; i++) {
    const opt = model.options[i];
    const flops = opt.work.stepMultiplier * opt.work.edgeFlopsPerLayer;
    let g = 0;
    while (g < groupKinds.length && !(groupKinds[g] === opt.uplinkKind && sameNumber(groupFlops[g], flops))) g++;
    if (g === groupKinds.length) {
      groupKinds.push(opt.uplinkKind);
      groupFlops.push(flops);
    }
    optionGroup[i] = g;
  }
  const lists: number[][] = groupKinds.map(() => []);
  for (let j = 0; j < candidates.length; j++) lists[optionGroup[candidates[j].option]].push(j);
  const groups: EdgeGroup[] = [];
  for (const list of lists) {
    if (list.length === 0) continue;
    list.sort((a, b) => candidates[a].split - candidates[b].split);
    const n = list.length;
    const opt = model.options[candidates[list[0]].option];
    const perLayer = opt.work.stepMultiplier * opt.work.edgeFlopsPerLayer;
    const fixed = new Float64Array(n);
    const work = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      fixed[i] = fixedCosts[list[i]];
      work[i] = (instance.layers - candidates[list[i]].split) * perLayer;
    }
    const fixedFloor = new Float64Array(n);
    let floor = Infinity;
    for (let i = n - 1; i >= 0; i--) fixedFloor[i] = floor = Math.min(floor, fixed[i]);
    groups.push({ kind: opt.uplinkKind, candidates: list, work, fixed, fixedFloor });
  }
  return groups;
}

export function choicesOf(ctx: PlanContext, deviceIndex: number): DeviceChoices {
  if (ctx.members.devices.length === 0) ctx.members.devices = undefinedSlots(ctx.models.length);
  let choices = ctx.members.devices[deviceIndex];
  if (!choices || choices.multiplier !== ctx.deadlineMultipliers[deviceIndex]) {
    choices = buildChoices(ctx, deviceIndex);
    ctx.members.devices[deviceIndex] = choices;
  }
  return choices;
}

/** The option of the first candidate of the first group of `kind`, −1 when there is none. */
function uplinkOption(groups: EdgeGroup[], candidates: Choice[], kind: UplinkKind): number {
  for (const g of groups) if (g.kind === kind) return candidates[g.candidates[0]].option;
  return -1;
}

function buildChoices(ctx: PlanContext, deviceIndex: number): DeviceChoices {
  const model = ctx.models[deviceIndex];
  const dw = delayWeights(ctx.instance, ctx.weights, ctx.deadlineMultipliers[deviceIndex]);
  const f = localFrequencyHz(model, ctx.weights, dw);
  // Zeroth-order (q, P) variants differ only in call overhead and memory: for each split keep
  // the cheapest variant that fits.
  const layers = ctx.instance.layers;
  const bestZeroOrder = new Int32Array(layers + 1).fill(-1);
  const candidates: Choice[] = [];
  // bpBelow[x]: backprop splits ≤ x (a prefix count, for the dominance test below).
  const bpBelow = new Int32Array(layers + 1);
  for (let i = 0; i < model.options.length; i++) {
    const opt = model.options[i];
    const splits = opt.splits;
    if (opt.uplinkKind === 'bp') {
      for (let k = 0; k < splits.length; k++) {
        candidates.push({ option: i, split: splits[k] });
        bpBelow[splits[k]] += 1;
      }
    } else {
      for (let k = 0; k < splits.length; k++) {
        const prev = bestZeroOrder[splits[k]];
        if (prev < 0 || opt.work.overheadS < model.options[prev].work.overheadS) bestZeroOrder[splits[k]] = i;
      }
    }
  }
  for (let x = 1; x <= layers; x++) bpBelow[x] += bpBelow[x - 1];
  // Backprop at split α costs no more than zeroth-order at split α' in every term and for any
  // resources when α ≤ α' (stability), α·ψ ≤ ζ·α'·2ψ/3 (local FLOPs), (Υ−α)·ψ ≤ ζ·(Υ−α')·2ψ (edge
  // FLOPs); uplink bits s ≤ ζ·2s and the call overhead only add to zeroth-order. Such α' drop out:
  // they are those with a backprop split in [Υ − 2ζ(Υ−α'), min(α', 2ζα'/3)].
  const zeta = ctx.instance.zerothOrderStepMultiplier;
  const dominatedAt = (zoSplit: number) => {
    const hi = Math.min(zoSplit, Math.floor((2 * zeta * zoSplit) / 3), layers);
    const lo = Math.max(1, Math.ceil(layers - 2 * zeta * (layers - zoSplit)));
    return hi >= lo && bpBelow[hi] - bpBelow[lo - 1] > 0;
  };
  for (let split = 0; split <= layers; split++) {
    const option = bestZeroOrder[split];
    if (option >= 0 && !dominatedAt(split)) candidates.push({ option, split });
  }
  const localWeights = { compute: dw.compute, uplink: 0 };
  const fixedCosts = candidates.map(
    (c) =>
      localCost(model, model.options[c.option], c.split, ctx.weights, localWeights, f) +
      stabilityCost(ctx.instance, model, c.split, ctx.weights),
  );
  const groups = edgeGroups(ctx.instance, model, candidates, fixedCosts);
  const bpOption = uplinkOption(groups, candidates, 'bp');
  const zoOption = uplinkOption(groups, candidates, 'zo');
  // (server 0's gain is ignored by uplinkBase)
  const baseOf = (option: number) =>
    option >= 0 ? uplinkBase(uplinkParams(ctx.instance, model, model.options[option], 0, ctx.weights, dw)) : null;
  return {
    model,
    multiplier: ctx.deadlineMultipliers[deviceIndex],
    cpuFrequencyHz: f,
    candidates,
    fixedCosts,
    minFixedCost: Math.min(...fixedCosts),
    computeDelayWeight: dw.compute,
    delayWeights: dw,
    groups,
    bpOption,
    zoOption,
    bpBase: baseOf(bpOption),
    zoBase: baseOf(zoOption),
  };
}
