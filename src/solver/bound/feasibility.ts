// Certificates that no allocation exists: a device whose memory holds no split in any allowed
// mode, a device that misses its deadline even alone on its best server with every budget, or
// more devices than the servers they can reach can take.

import { modeWorkload } from '../../model/cost.js';
import type { InfeasibilityOut, Instance } from '../../model/types.js';
import type { DeviceModel } from '../pricing/device-model.js';
import { goldenSectionMin } from '../math/numeric.js';
import { expired } from '../clock.js';

/** Fastest possible step of a device: max frequency and power, a whole server to itself. */
function minimumDelayS(instance: Instance, dm: DeviceModel): number {
  const d = dm.device;
  let best = Infinity;
  for (const m of dm.servers) {
    const s = instance.servers[m];
    const rate = s.bandwidthHz * Math.log2(1 + (d.gains[m] * d.maxPowerW) / (instance.noiseWPerHz * s.bandwidthHz));
    for (const opt of dm.options) {
      const w = modeWorkload(instance, d, opt.mode);
      for (const a of opt.splits) {
        const local = (a * w.localFlopsPerLayer) / (d.maxFrequencyHz * d.cores * d.flopsPerCycle) + w.overheadS;
        const edge = ((instance.layers - a) * w.edgeFlopsPerLayer) / (s.frequencyHz * s.cores * s.flopsPerCycle);
        best = Math.min(best, w.stepMultiplier * (local + w.uplinkBits / rate + edge));
      }
    }
  }
  return best;
}

export function provenInfeasibilities(instance: Instance, models: DeviceModel[]): InfeasibilityOut[] {
  const out: InfeasibilityOut[] = [];
  const noMemory = models.filter((dm) => dm.options.length === 0).map((dm) => dm.device.id);
  if (noMemory.length > 0) {
    out.push({
      constraint: 'memoryBytes',
      deviceIds: noMemory,
      detail: 'memory cannot hold even the smallest allowed split in any allowed training mode',
    });
  }
  const late = models.filter(
    (dm) => dm.options.length > 0 && dm.device.deadlineS !== null && minimumDelayS(instance, dm) > dm.device.deadlineS,
  );
  if (late.length > 0) {
    out.push({
      constraint: 'deadlineS',
      deviceIds: late.map((dm) => dm.device.id),
      detail:
        'deadline is shorter than the fastest possible step (maximum frequency and power, a whole server alone' +
        (late.some((dm) => instance.previous?.pinned[dm.index]) ? '; a pinned device only on its previous server)' : ')'),
    });
  }
  out.push(...pinInfeasibilities(instance, models));
  const capacity = instance.servers.reduce((s, sv) => s + (sv.maxDevices ?? instance.devices.length), 0);
  if (capacity < instance.devices.length) {
    out.push({
      constraint: 'maxDevices',
      deviceIds: [],
      detail: `servers take at most ${capacity} devices in total, ${instance.devices.length} were given`,
    });
  }
  return out;
}

/** Pins that cannot hold: a pinned device without a channel to its previous server, more pins than a server takes. */
function pinInfeasibilities(instance: Instance, models: DeviceModel[]): InfeasibilityOut[] {
  const prev = instance.previous;
  if (!prev) return [];
  const out: InfeasibilityOut[] = [];
  const cut = models.filter((dm) => prev.pinned[dm.index] && dm.servers.length === 0).map((dm) => dm.device.id);
  if (cut.length > 0)
    out.push({ constraint: 'pinned', deviceIds: cut, detail: 'pinned to a previous server it has no channel to (gain 0)' });
  instance.servers.forEach((s, m) => {
    const pinnedHere = instance.devices.filter((_, n) => prev.pinned[n] && prev.server[n] === m).map((d) => d.id);
    if (s.maxDevices !== null && pinnedHere.length > s.maxDevices) {
      out.push({
        constraint: 'pinned',
        deviceIds: pinnedHere,
        detail: `${pinnedHere.length} devices pinned to server ${s.id}, which takes at most ${s.maxDevices}`,
      });
    }
  });
  return out;
}

/**
 * Joint deadline certificate. Give each server's bandwidth and frequency fractions prices
 * (πb, πf). Any allocation meeting every deadline gives each device some fractions (β, γ) on its
 * server, and Σ over a server's devices of β, γ ≤ 1. So if Σ_n min over (server, mode, split,
 * β, γ meeting the deadline) of πb·β + πf·γ exceeds Σ_m (πb + πf), no allocation exists.
 * For a fixed split the deadline reads t_local + up(β) + e/γ ≤ D with up convex decreasing,
 * so the cheapest γ is e/(D − t_local − up(β)) and πb·β + πf·γ is convex in β.
 */
export function deadlineCertificate(instance: Instance, models: DeviceModel[], deadlineAt: number): InfeasibilityOut | null {
  const withDeadline = models.filter((dm) => dm.device.deadlineS !== null && dm.options.length > 0);
  if (withDeadline.length === 0) return null;
  for (const [pb, pf] of [
    [1, 1],
    [1, 1e-3],
    [1e-3, 1],
  ]) {
    let need = 0;
    for (const dm of withDeadline) {
      if (expired(deadlineAt)) return null;
      need += cheapestNeed(instance, dm, pb, pf);
      if (!Number.isFinite(need)) break;
    }
    const capacity = instance.servers.length * (pb + pf);
    if (need > capacity * (1 + 1e-9)) {
      return {
        constraint: 'deadlineS',
        deviceIds: withDeadline.map((dm) => dm.device.id),
        detail:
          `these deadlines cannot all be met: at the fastest settings the devices need ${need.toPrecision(4)} priced units ` +
          `of server bandwidth and frequency, the servers have ${capacity.toPrecision(4)}`,
      };
    }
  }
  return null;
}

function cheapestNeed(instance: Instance, dm: DeviceModel, pb: number, pf: number): number {
  const d = dm.device;
  const deadline = d.deadlineS!;
  let best = Infinity;
  for (const m of dm.servers) {
    const s = instance.servers[m];
    for (const opt of dm.options) {
      const w = modeWorkload(instance, d, opt.mode);
      const z = w.stepMultiplier;
      const upAt = (beta: number) => {
        const b = beta * s.bandwidthHz;
        return (z * w.uplinkBits) / (b * Math.log2(1 + (d.gains[m] * d.maxPowerW) / (instance.noiseWPerHz * b)));
      };
      for (const a of opt.splits) {
        const local = z * ((a * w.localFlopsPerLayer) / (d.maxFrequencyHz * d.cores * d.flopsPerCycle) + w.overheadS);
        const edge = (z * (instance.layers - a) * w.edgeFlopsPerLayer) / (s.frequencyHz * s.cores * s.flopsPerCycle);
        // γ = edge/slack(β) must be ≤ 1: the smallest feasible β solves slack(β) = edge.
        const slack = (beta: number) => deadline - local - upAt(beta);
        if (slack(1) < edge) continue;
        let lo = 1e-15;
        let hi = 1;
        for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
          const mid = 0.5 * (lo + hi);
          if (slack(mid) >= edge) hi = mid;
          else lo = mid;
        }
        const cost = (beta: number) => pb * beta + (pf * edge) / slack(beta);
        // The cost is convex on [hi, 1]; the minimum may also sit on either end.
        const search = goldenSectionMin(cost, hi, 1, 80);
        best = Math.min(best, cost(hi), search.value, cost(1));
      }
    }
  }
  return best;
}
