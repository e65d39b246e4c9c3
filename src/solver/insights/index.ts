// Insights on a final allocation (docs/insights.md): per server the marginal value of bandwidth,
// frequency and a device slot, per device the limits it sits on and its share of the objective,
// and a ranked list of where added capacity gains most. Pure: instance and decisions in, data out.
//
// Every value holds the association, split layers, training modes and the objective's scales
// fixed; bandwidth, transmit power and server frequency are re-split optimally.

import { effectiveWeights, evaluate } from '../../model/evaluate.js';
import type {
  AllocationOut,
  CapacitySuggestion,
  DeviceDecision,
  DeviceInsight,
  Insights,
  Instance,
  ServerInsight,
  Totals,
} from '../../model/types.js';
import { bindingLimits, deadlineBinds, deviceObjective } from './devices.js';
import { budgetMember, physicalSlopes, resplit } from './server-budgets.js';
import { slotValue, type ServerState } from './slots.js';

const MHZ = 1e6;
const GHZ = 1e9;
/** Entries of the "where to add capacity" list. */
const SUGGESTIONS = 10;

/** The answer's allocations as decisions (server indices, modes), in device order. */
export function decisionsOf(instance: Instance, allocations: AllocationOut[]): DeviceDecision[] {
  const serverIndex = new Map(instance.servers.map((s, m) => [s.id, m]));
  return allocations.map((a) => ({
    server: serverIndex.get(a.serverId)!,
    splitLayer: a.splitLayer,
    mode: a.trainingMode === 'backprop' ? { kind: 'backprop' } : { kind: 'zeroth-order', queries: a.queries!, parallelism: a.parallelism! },
    cpuFrequencyHz: a.cpuFrequencyHz,
    transmitPowerW: a.transmitPowerW,
    bandwidthHz: a.bandwidthHz,
    serverFrequencyHz: a.serverFrequencyHz,
  }));
}

export function computeInsights(instance: Instance, decisions: DeviceDecision[], scales: Totals): Insights {
  const t0 = performance.now();
  const weights = effectiveWeights(instance, scales);
  const ev = evaluate(instance, decisions, scales);
  const held = decisions.map((_, n) => deadlineBinds(instance, n, ev.devices[n]));
  const byServer: number[][] = instance.servers.map(() => []);
  decisions.forEach((d, n) => byServer[d.server].push(n));

  const states: ServerState[] = byServer.map((devices, m) => {
    const members = devices.map((n) => budgetMember(instance, weights, n, m, decisions[n], held[n]));
    return { members, outcome: resplit(instance, weights, m, members) };
  });
  const movable = decisions.map((_, n) => !held[n] && !instance.previous?.pinned[n]);

  const servers: ServerInsight[] = instance.servers.map((s, m) => {
    const { outcome } = states[m];
    const count = byServer[m].length;
    let bandwidthUsed = 0;
    let frequencyUsed = 0;
    for (const n of byServer[m]) {
      bandwidthUsed += decisions[n].bandwidthHz;
      frequencyUsed += decisions[n].serverFrequencyHz;
    }
    const full = s.maxDevices !== null && count >= s.maxDevices;
    const physical = physicalSlopes(instance, weights, m, states[m].members, outcome);
    return {
      serverId: s.id,
      devices: count,
      marginal: {
        bandwidthPerMHz: -outcome.bandwidthPrice * MHZ,
        frequencyPerGHz: -outcome.frequencyPrice * GHZ,
        slot: full ? slotValue(instance, weights, m, decisions, states, movable) : null,
      },
      marginalPhysical: {
        bandwidthPerMHz: { delayS: physical.bandwidth.delayS * MHZ, energyJ: physical.bandwidth.energyJ * MHZ },
        frequencyPerGHz: { delayS: physical.frequency.delayS * GHZ, energyJ: physical.frequency.energyJ * GHZ },
      },
      curvature: { bandwidthPerMHz2: physical.bandwidthCurvature * MHZ * MHZ, frequencyPerGHz2: physical.frequencyCurvature * GHZ * GHZ },
      utilisation: {
        bandwidth: bandwidthUsed / s.bandwidthHz,
        frequency: frequencyUsed / s.frequencyHz,
        devices: s.maxDevices === null ? null : count / s.maxDevices,
      },
      frequencySaturationHz: Number.isFinite(outcome.frequencySaturationHz) ? outcome.frequencySaturationHz : null,
      heldDevices: byServer[m].filter((n) => held[n]).length,
    };
  });

  const objective = ev.objective;
  const devices: DeviceInsight[] = decisions
    .map((dec, n) => ({
      deviceId: instance.devices[n].id,
      serverId: instance.servers[dec.server].id,
      binding: bindingLimits(instance, n, dec, ev.devices[n]),
      objectiveShare: objective > 0 ? deviceObjective(weights, ev.devices[n]) / objective : 0,
    }))
    .sort((a, b) => b.objectiveShare - a.objectiveShare);

  const suggestions: CapacitySuggestion[] = [];
  servers.forEach((si, m) => {
    const s = instance.servers[m];
    const add = (resource: CapacitySuggestion['resource'], unit: CapacitySuggestion['unit'], perUnit: number, unitsPerPercent: number) => {
      if (perUnit < 0)
        suggestions.push({ serverId: si.serverId, resource, unit, gainPerUnit: -perUnit, gainPerPercent: -perUnit * unitsPerPercent });
    };
    add('bandwidth', 'MHz', si.marginal.bandwidthPerMHz, s.bandwidthHz / MHZ / 100);
    add('frequency', 'GHz', si.marginal.frequencyPerGHz, s.frequencyHz / GHZ / 100);
    if (si.marginal.slot !== null) add('slot', 'device', si.marginal.slot, 1);
  });
  suggestions.sort((a, b) => b.gainPerPercent - a.gainPerPercent);

  return {
    scales: { delayS: scales.delayS, energyJ: scales.energyJ, stability: scales.stability },
    objective,
    servers,
    devices,
    addCapacity: suggestions.slice(0, SUGGESTIONS),
    computeTimeMs: Math.max(0, performance.now() - t0),
  };
}
