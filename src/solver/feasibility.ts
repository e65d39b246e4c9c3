// Certificates that no allocation exists: a device whose memory holds no split in any allowed
// mode, a device that misses its deadline even alone on its best server with every budget, or
// more devices than the servers they can reach can take.

import { modeWorkload } from '../model/cost.js';
import type { InfeasibilityOut, Instance } from '../model/types.js';
import type { DeviceModel } from './device-model.js';

/** Fastest possible step of a device: max frequency and power, a whole server to itself. */
export function minimumDelayS(instance: Instance, dm: DeviceModel): number {
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
    out.push({ constraint: 'memoryBytes', deviceIds: noMemory, detail: 'memory cannot hold even the smallest allowed split in any allowed training mode' });
  }
  const late = models.filter((dm) => dm.options.length > 0 && dm.device.deadlineS !== null && minimumDelayS(instance, dm) > dm.device.deadlineS);
  if (late.length > 0) {
    out.push({
      constraint: 'deadlineS',
      deviceIds: late.map((dm) => dm.device.id),
      detail: 'deadline is shorter than the fastest possible step (maximum frequency and power, a whole server alone)',
    });
  }
  const capacity = instance.servers.reduce((s, sv) => s + (sv.maxDevices ?? instance.devices.length), 0);
  if (capacity < instance.devices.length) {
    out.push({ constraint: 'maxDevices', deviceIds: [], detail: `servers take at most ${capacity} devices in total, ${instance.devices.length} were given` });
  }
  return out;
}
