// Shared state of the publication's method (docs/model.md §1.7): the training mode each device is held
// to, the per-(device, server) uplink parameters, the exact resource splits given association and
// (possibly fractional) split layers, and the costs every block of the method minimises.
//
// Internal objective = evaluate()'s objective + Σ_n μ_n·(physical delay of n), where μ_n ≥ 0 is a
// deadline multiplier (0 unless device n has missed its deadline in an earlier round).

import { evaluate, objectiveScales, effectiveWeights } from '../../model/evaluate.js';
import type { DeviceDecision, Evaluation, Instance, Totals } from '../../model/types.js';
import {
  buildDeviceModels,
  delayWeights,
  edgeLoadPerLayer,
  localCost,
  localFrequencyHz,
  stabilityCost,
  uplinkParams,
  type DelayWeights,
  type DeviceModel,
  type ModeOption,
  type Weights,
} from '../pricing/device-model.js';
import { provenInfeasibilities } from '../bound/feasibility.js';
import { shareBandwidth, shareServerFrequency } from '../resources/shares.js';
import { rateBps, uplinkCost, type UplinkParams } from '../resources/uplink.js';

/** One device as the publication's method sees it: one training mode, a contiguous split range. */
export interface PaperDevice {
  index: number;
  model: DeviceModel;
  option: ModeOption;
  /** allowed integer splits (memory-feasible, ascending) */
  splits: number[];
  lo: number;
  hi: number;
}

export interface PaperContext {
  instance: Instance;
  scales: Totals;
  weights: Weights;
  devices: PaperDevice[];
  /** deadline multipliers μ_n (0 = none) */
  mu: number[];
  /** per (n, m) uplink parameters at the current μ; cleared when μ changes */
  uplinkCache: Map<number, UplinkParams>;
}

/**
 * The publication trains with backprop only. A device that cannot (inferenceOnly, trainingMode
 * zeroth-order, or memory too small for even its smallest split with backprop) gets the cheapest
 * allowed zeroth-order variant: the smallest call overhead 2q/P, then the widest split range,
 * then the fewest queries (least adapter memory).
 */
function chooseOption(dm: DeviceModel): ModeOption | null {
  const bp = dm.options.find((o) => o.mode.kind === 'backprop');
  if (bp) return bp;
  const queries = (o: ModeOption) => (o.mode.kind === 'zeroth-order' ? o.mode.queries : 0);
  const sorted = dm.options
    .slice()
    .sort((a, b) => a.work.overheadS - b.work.overheadS || b.splits.length - a.splits.length || queries(a) - queries(b));
  return sorted[0] ?? null;
}

export function buildPaperContext(instance: Instance): PaperContext {
  const scales = objectiveScales(instance);
  const weights = effectiveWeights(instance, scales);
  const models = buildDeviceModels(instance);
  // Proven infeasibility (memory, deadline shorter than the fastest possible step, capacity).
  if (provenInfeasibilities(instance, models).length > 0) throw new Error('paper: no feasible allocation');
  const devices = models.map((dm, index) => {
    const option = chooseOption(dm);
    if (!option || dm.servers.length === 0) throw new Error('paper: no feasible allocation');
    const splits = option.splits;
    return { index, model: dm, option, splits, lo: splits[0], hi: splits[splits.length - 1] };
  });
  return { instance, scales, weights, devices, mu: devices.map(() => 0), uplinkCache: new Map() };
}

export function setMultipliers(ctx: PaperContext, mu: number[]): void {
  ctx.mu = mu.slice();
  ctx.uplinkCache.clear();
}

export function weightsOf(ctx: PaperContext, n: number): DelayWeights {
  return delayWeights(ctx.instance, ctx.weights, ctx.mu[n]);
}

export function uplinkOf(ctx: PaperContext, n: number, m: number): UplinkParams {
  const key = n * ctx.instance.servers.length + m;
  let u = ctx.uplinkCache.get(key);
  if (!u) {
    const d = ctx.devices[n];
    u = uplinkParams(ctx.instance, d.model, d.option, m, ctx.weights, weightsOf(ctx, n));
    ctx.uplinkCache.set(key, u);
  }
  return u;
}

function cpuFrequencyOf(ctx: PaperContext, n: number): number {
  return localFrequencyHz(ctx.devices[n].model, ctx.weights, weightsOf(ctx, n));
}

/** Weighted local cost of one local layer at frequency f (the factor multiplying α). */
export function localPerLayer(ctx: PaperContext, n: number, f: number): number {
  const d = ctx.devices[n];
  const dw = weightsOf(ctx, n);
  return localCost(d.model, d.option, 1, ctx.weights, dw, f) - localCost(d.model, d.option, 0, ctx.weights, dw, f);
}

/** Weighted edge cost of one server-side layer at server frequency F (the factor multiplying Υ−α). */
export function edgePerLayer(ctx: PaperContext, n: number, m: number, F: number): number {
  const load = edgeLoadPerLayer(ctx.instance, ctx.devices[n].option, m);
  return load * (weightsOf(ctx, n).compute / F + ctx.weights.energy * ctx.instance.servers[m].kappa * F * F);
}

/** Internal cost of device n at a (possibly fractional) split α with the given resources. */
function deviceCost(ctx: PaperContext, n: number, m: number, alpha: number, r: DeviceResources): number {
  const d = ctx.devices[n];
  const dw = weightsOf(ctx, n);
  const u = uplinkOf(ctx, n, m);
  const uplink = (u.bits * (u.delayWeight + u.energyWeight * r.p)) / rateBps(u, r.b, r.p);
  return (
    localCost(d.model, d.option, alpha, ctx.weights, dw, r.f) +
    stabilityCost(ctx.instance, d.model, alpha, ctx.weights) +
    uplink +
    (ctx.instance.layers - alpha) * edgePerLayer(ctx, n, m, r.F)
  );
}

export interface DeviceResources {
  f: number;
  p: number;
  b: number;
  F: number;
}

export interface ServerPrices {
  bandwidth: number;
  frequency: number;
}

export interface Resources {
  devices: DeviceResources[];
  prices: ServerPrices[];
}

/** members[m] = devices on server m, in index order. */
export function membersOf(ctx: PaperContext, server: number[]): number[][] {
  const out: number[][] = ctx.instance.servers.map(() => []);
  server.forEach((m, n) => out[m].push(n));
  return out;
}

/** Exact bandwidth splits (power re-optimised) of every server; they do not depend on α. */
export function bandwidthSplits(ctx: PaperContext, server: number[]): { b: number[]; p: number[]; price: number[] } {
  const N = ctx.devices.length;
  const b = new Array<number>(N).fill(0);
  const p = new Array<number>(N).fill(0);
  const price = ctx.instance.servers.map(() => 0);
  membersOf(ctx, server).forEach((devs, m) => {
    if (devs.length === 0) return;
    const ups = devs.map((n) => uplinkOf(ctx, n, m));
    const split = shareBandwidth(ups, ctx.instance.servers[m].bandwidthHz);
    price[m] = split.price;
    devs.forEach((n, i) => {
      b[n] = split.shares[i];
      p[n] = uplinkCost(ups[i], split.shares[i]).powerW;
    });
  });
  return { b, p, price };
}

/** Exact server-frequency splits for (possibly fractional) splits α. */
function frequencySplits(ctx: PaperContext, server: number[], alpha: number[]): { F: number[]; price: number[] } {
  const F = new Array<number>(ctx.devices.length).fill(0);
  const price = ctx.instance.servers.map(() => 0);
  membersOf(ctx, server).forEach((devs, m) => {
    if (devs.length === 0) return;
    const s = ctx.instance.servers[m];
    const loads = devs.map((n) => ({
      load: (ctx.instance.layers - alpha[n]) * edgeLoadPerLayer(ctx.instance, ctx.devices[n].option, m),
      delayWeight: weightsOf(ctx, n).compute,
    }));
    const split = shareServerFrequency(loads, ctx.weights.energy * s.kappa, s.frequencyHz);
    price[m] = split.price;
    devs.forEach((n, i) => (F[n] = split.shares[i]));
  });
  return { F, price };
}

/** Internal cost of one server's members with its frequency re-split exactly for splits α. */
export function serverCost(ctx: PaperContext, m: number, members: number[], alpha: number[], bw: { b: number[]; p: number[] }): number {
  if (members.length === 0) return 0;
  const s = ctx.instance.servers[m];
  const loads = members.map((n) => ({
    load: (ctx.instance.layers - alpha[n]) * edgeLoadPerLayer(ctx.instance, ctx.devices[n].option, m),
    delayWeight: weightsOf(ctx, n).compute,
  }));
  const split = shareServerFrequency(loads, ctx.weights.energy * s.kappa, s.frequencyHz);
  let total = 0;
  members.forEach((n, i) => {
    total += deviceCost(ctx, n, m, alpha[n], { f: cpuFrequencyOf(ctx, n), p: bw.p[n], b: bw.b[n], F: split.shares[i] });
  });
  return total;
}

/** Every continuous resource at its exact optimum given association and splits. */
export function exactResources(ctx: PaperContext, server: number[], alpha: number[], bw = bandwidthSplits(ctx, server)): Resources {
  const fr = frequencySplits(ctx, server, alpha);
  const devices = ctx.devices.map((_, n) => ({ f: cpuFrequencyOf(ctx, n), p: bw.p[n], b: bw.b[n], F: fr.F[n] }));
  const prices = ctx.instance.servers.map((_, m) => ({ bandwidth: bw.price[m], frequency: fr.price[m] }));
  return { devices, prices };
}

export function internalCost(ctx: PaperContext, server: number[], alpha: number[], res: Resources): number {
  let total = 0;
  for (let n = 0; n < ctx.devices.length; n++) total += deviceCost(ctx, n, server[n], alpha[n], res.devices[n]);
  return total;
}

function decisionsOf(ctx: PaperContext, server: number[], alpha: number[], res: Resources): DeviceDecision[] {
  return ctx.devices.map((d, n) => ({
    server: server[n],
    splitLayer: alpha[n],
    mode: d.option.mode,
    cpuFrequencyHz: res.devices[n].f,
    transmitPowerW: res.devices[n].p,
    bandwidthHz: res.devices[n].b,
    serverFrequencyHz: res.devices[n].F,
  }));
}

export interface Scored {
  server: number[];
  alpha: number[];
  decisions: DeviceDecision[];
  ev: Evaluation;
  /** evaluate()'s objective plus the deadline multipliers' terms */
  internal: number;
}

/** Integer splits: exact resources, then evaluate(). */
export function score(ctx: PaperContext, server: number[], alpha: number[], res = exactResources(ctx, server, alpha)): Scored {
  const decisions = decisionsOf(ctx, server, alpha, res);
  const ev = evaluate(ctx.instance, decisions, ctx.scales);
  let internal = ev.objective;
  ev.devices.forEach((e, n) => (internal += ctx.mu[n] * e.physicalDelayS));
  return { server: server.slice(), alpha: alpha.slice(), decisions, ev, internal };
}
