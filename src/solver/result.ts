// Decisions → the answer's allocations, totals and objective, all through evaluate().

import { evaluate } from '../model/evaluate.js';
import type { AllocationOut, DeviceDecision, Evaluation, Instance, Totals } from '../model/types.js';

export function allocationsOf(instance: Instance, decisions: DeviceDecision[], ev: Evaluation): AllocationOut[] {
  return decisions.map((dec, n) => {
    const server = instance.servers[dec.server];
    const e = ev.devices[n];
    const out: AllocationOut = {
      deviceId: instance.devices[n].id,
      serverId: server.id,
      splitLayer: dec.splitLayer,
      trainingMode: dec.mode.kind,
      peakMemoryBytes: e.peakMemoryBytes,
      cpuFrequencyHz: dec.cpuFrequencyHz,
      transmitPowerW: dec.transmitPowerW,
      bandwidthHz: dec.bandwidthHz,
      bandwidthShare: dec.bandwidthHz / server.bandwidthHz,
      serverFrequencyHz: dec.serverFrequencyHz,
      delayS: e.delayS,
      energyJ: e.energyJ,
      stabilityBound: e.stabilityBound,
      migrated: e.migrated,
    };
    if (dec.mode.kind === 'zeroth-order') {
      out.queries = dec.mode.queries;
      out.parallelism = dec.mode.parallelism;
    }
    return out;
  });
}

export function scored(instance: Instance, decisions: DeviceDecision[], scales: Totals): { decisions: DeviceDecision[]; ev: Evaluation } {
  return { decisions, ev: evaluate(instance, decisions, scales) };
}
