// Per-device pieces of the objective in the form the solver needs them: local cost per split
// layer at the optimal local frequency, per-server uplink parameters, per-server edge loads,
// stability, and the (mode, split) options memory allows.

import { modeKey, modeWorkload, peakMemoryBytes, stabilityBound, type ModeWorkload } from '../../model/cost.js';
import type { Device, Instance, TrainingMode } from '../../model/types.js';
import type { UplinkParams } from '../resources/uplink.js';

export interface Weights {
  delay: number;
  energy: number;
  stability: number;
}

export interface ModeOption {
  mode: TrainingMode;
  key: string;
  /** 'bp' | 'zo': the uplink only depends on this (zeroth-order sends 2·s whatever q, P) */
  uplinkKind: 'bp' | 'zo';
  work: ModeWorkload;
  /** split layers within range whose memory fits */
  splits: number[];
}

export interface DeviceModel {
  index: number;
  device: Device;
  options: ModeOption[];
  /** servers with a usable channel (only its previous server when pinned) */
  servers: number[];
  /** the same, strongest gain first */
  serversByGain: number[];
}

/** Lowest frequency and power the solver will choose: the model's optimum may sit at 0, which is not a valid rate. */
const FLOOR = 1e-9;

/** Past this many servers only the strongest STRONGEST_SORTED are put in order (see byGainDescending). */
const FULL_SORT_SERVERS = 64;
const STRONGEST_SORTED = 32;

/**
 * `servers` strongest gain first. This runs for every device over every server, so on large
 * instances only the strongest STRONGEST_SORTED are sorted (one pass with insertion into a short
 * list) and the rest follow in index order: every user of this order (pricing cutoffs, balance's
 * candidate servers, the greedy association's first choice) reads its head.
 */
function byGainDescending(gains: number[], servers: number[]): number[] {
  if (servers.length <= FULL_SORT_SERVERS) return servers.slice().sort((a, b) => gains[b] - gains[a]);
  const top: number[] = [];
  for (const m of servers) {
    const g = gains[m];
    if (top.length === STRONGEST_SORTED && g <= gains[top[STRONGEST_SORTED - 1]]) continue;
    let i = top.length < STRONGEST_SORTED ? top.length : STRONGEST_SORTED - 1;
    while (i > 0 && gains[top[i - 1]] < g) {
      if (i < STRONGEST_SORTED) top[i] = top[i - 1];
      i--;
    }
    top[i] = m;
  }
  const head = top.length;
  const last = top[head - 1];
  const cut = gains[last];
  // The rest: weaker than the head's last, or tied with it and not in the head (a short scan).
  for (const m of servers) {
    const g = gains[m];
    if (g < cut || (g === cut && top.lastIndexOf(m, head - 1) < 0)) top.push(m);
  }
  return top;
}

export function buildDeviceModels(instance: Instance): DeviceModel[] {
  return instance.devices.map((device, index) => {
    const options: ModeOption[] = [];
    // Without a memory limit every mode allows the whole range: one shared (read-only) array.
    const range: number[] = [];
    for (let a = device.minSplitLayer; a <= device.maxSplitLayer; a++) range.push(a);
    for (const mode of device.modes) {
      const splits =
        device.memoryBytes === null ? range : range.filter((a) => peakMemoryBytes(instance, device, a, mode) <= device.memoryBytes!);
      if (splits.length > 0) {
        options.push({
          mode,
          key: modeKey(mode),
          uplinkKind: mode.kind === 'backprop' ? 'bp' : 'zo',
          work: modeWorkload(instance, device, mode),
          splits,
        });
      }
    }
    // A pinned device has one server to choose from: its previous one (if it still reaches it).
    const pinnedTo = instance.previous?.pinned[index] ? instance.previous.server[index] : null;
    // Once per (device, server) pair: a plain loop, no array per pair.
    const gains = device.gains;
    const servers: number[] = [];
    for (let m = 0; m < gains.length; m++) if (gains[m] > 0 && (pinnedTo === null || m === pinnedTo)) servers.push(m);
    const serversByGain = byGainDescending(gains, servers);
    return { index, device, options, servers, serversByGain };
  });
}

/** Delay weights of one device: the objective's, plus its deadline multiplier. */
export interface DelayWeights {
  /** on local and edge delay */
  compute: number;
  /** on uplink delay */
  uplink: number;
}

export function delayWeights(instance: Instance, w: Weights, deadlineMultiplier: number): DelayWeights {
  return {
    compute: w.delay + deadlineMultiplier,
    uplink: (instance.includeUplinkDelay ? w.delay : 0) + deadlineMultiplier,
  };
}

export function localFrequencyHz(dm: DeviceModel, w: Weights, dw: DelayWeights): number {
  const d = dm.device;
  const lo = Math.max(d.minFrequencyHz, d.maxFrequencyHz * FLOOR);
  const ideal = w.energy > 0 && d.kappa > 0 ? Math.cbrt(dw.compute / (2 * w.energy * d.kappa)) : d.maxFrequencyHz;
  return Math.min(d.maxFrequencyHz, Math.max(lo, ideal));
}

/** Weighted local cost of `split` layers plus the per-step overhead, at the given frequency. */
export function localCost(dm: DeviceModel, opt: ModeOption, split: number, w: Weights, dw: DelayWeights, fHz: number): number {
  const d = dm.device;
  const perLayer = (opt.work.stepMultiplier * opt.work.localFlopsPerLayer) / (d.cores * d.flopsPerCycle);
  return split * perLayer * (dw.compute / fHz + w.energy * d.kappa * fHz * fHz) + dw.compute * opt.work.stepMultiplier * opt.work.overheadS;
}

export function stabilityCost(instance: Instance, dm: DeviceModel, split: number, w: Weights): number {
  return w.stability * stabilityBound(instance, dm.device, split);
}

export function uplinkParams(
  instance: Instance,
  dm: DeviceModel,
  opt: ModeOption,
  server: number,
  w: Weights,
  dw: DelayWeights,
): UplinkParams {
  const d = dm.device;
  return {
    bits: opt.work.stepMultiplier * opt.work.uplinkBits,
    gain: d.gains[server],
    noiseWPerHz: instance.noiseWPerHz,
    powerLoW: Math.max(d.minPowerW, d.maxPowerW * FLOOR),
    powerHiW: d.maxPowerW,
    delayWeight: dw.uplink,
    energyWeight: w.energy,
    regime: undefined,
  };
}

/** Edge load per server-side layer: cost of (Υ−α) layers = (Υ−α)·load·(wt/f + e·κ·f²). */
export function edgeLoadPerLayer(instance: Instance, opt: ModeOption, server: number): number {
  const s = instance.servers[server];
  return (opt.work.stepMultiplier * opt.work.edgeFlopsPerLayer) / (s.cores * s.flopsPerCycle);
}
