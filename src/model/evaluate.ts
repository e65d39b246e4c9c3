// The one function that turns any allocation into delays, energies, stability, objective and
// constraint violations. Solver answers, baselines, the reference point and tests all use it.

import { modeKey, modeWorkload, peakMemoryBytes, stabilityBound, uplinkRateBps } from './cost.js';
import type { DeviceDecision, DeviceEvaluation, Evaluation, Instance, Totals, Violation } from './types.js';

/** Relative slack allowed on budget sums (floating point), never more. */
const BUDGET_TOLERANCE = 1e-9;

const NOT_APPLICABLE = { local: NaN, uplink: NaN, edge: NaN, migration: NaN, total: NaN };

/** Whether device n on `server` has changed server since `previous` (new devices never have). */
function migrates(instance: Instance, n: number, server: number): boolean {
  const before = instance.previous?.server[n] ?? null;
  return before !== null && before !== server;
}

export function deviceTerms(instance: Instance, n: number, dec: DeviceDecision): DeviceEvaluation {
  const device = instance.devices[n];
  const server = instance.servers[dec.server];
  // No such server: nothing to score; findViolations reports the association.
  if (server === undefined) {
    return {
      delayS: NOT_APPLICABLE,
      energyJ: NOT_APPLICABLE,
      stabilityBound: NaN,
      peakMemoryBytes: NaN,
      physicalDelayS: NaN,
      migrated: false,
    };
  }
  const work = modeWorkload(instance, device, dec.mode);
  const zeta = work.stepMultiplier;
  const alpha = dec.splitLayer;
  const edgeLayers = instance.layers - alpha;

  const deviceFlopsPerSecond = dec.cpuFrequencyHz * device.cores * device.flopsPerCycle;
  const localDelay = (alpha * work.localFlopsPerLayer) / deviceFlopsPerSecond + work.overheadS;
  const localEnergy = (alpha * device.kappa * dec.cpuFrequencyHz ** 2 * work.localFlopsPerLayer) / (device.cores * device.flopsPerCycle);

  const rate = uplinkRateBps(dec.bandwidthHz, device.gains[dec.server], dec.transmitPowerW, instance.noiseWPerHz);
  const uplinkDelay = work.uplinkBits / rate;
  const uplinkEnergy = dec.transmitPowerW * uplinkDelay;

  const serverFlopsPerSecond = dec.serverFrequencyHz * server.cores * server.flopsPerCycle;
  const edgeDelay = (edgeLayers * work.edgeFlopsPerLayer) / serverFlopsPerSecond;
  const edgeEnergy =
    (edgeLayers * server.kappa * dec.serverFrequencyHz ** 2 * work.edgeFlopsPerLayer) / (server.cores * server.flopsPerCycle);

  // A migration is a one-off cost of the handover, not part of a training step: no ζ, no deadline.
  const migrated = migrates(instance, n, dec.server);
  const migrationDelayS = migrated ? instance.previous!.migration.delayS : 0;
  const migrationEnergyJ = migrated ? instance.previous!.migration.energyJ : 0;
  const delayS = {
    local: zeta * localDelay,
    uplink: zeta * uplinkDelay,
    edge: zeta * edgeDelay,
    migration: migrationDelayS,
    total: 0,
  };
  const physicalDelayS = delayS.local + delayS.uplink + delayS.edge;
  // includeUplinkDelay: false reproduces the publication, whose delay omits the uplink.
  delayS.total = (instance.includeUplinkDelay ? physicalDelayS : delayS.local + delayS.edge) + migrationDelayS;
  const energyJ = {
    local: zeta * localEnergy,
    uplink: zeta * uplinkEnergy,
    edge: zeta * edgeEnergy,
    migration: migrationEnergyJ,
    total: zeta * (localEnergy + uplinkEnergy + edgeEnergy) + migrationEnergyJ,
  };
  return {
    delayS,
    energyJ,
    stabilityBound: stabilityBound(instance, device, alpha),
    peakMemoryBytes: peakMemoryBytes(instance, device, alpha, dec.mode),
    physicalDelayS,
    migrated,
  };
}

function findViolations(instance: Instance, decisions: DeviceDecision[], perDevice: DeviceEvaluation[]): Violation[] {
  const out: Violation[] = [];
  const M = instance.servers.length;
  const bandwidthUsed = new Array<number>(M).fill(0);
  const frequencyUsed = new Array<number>(M).fill(0);
  const count = new Array<number>(M).fill(0);
  decisions.forEach((dec, n) => {
    const d = instance.devices[n];
    const v = (constraint: string, detail: string) => out.push({ constraint, deviceId: d.id, detail });
    if (!Number.isInteger(dec.server) || dec.server < 0 || dec.server >= M) {
      v('association', `server index ${dec.server} out of range`);
      return;
    }
    if (!(d.gains[dec.server] > 0)) v('association', `no channel to server ${instance.servers[dec.server].id}`);
    if (!Number.isInteger(dec.splitLayer) || dec.splitLayer < d.minSplitLayer || dec.splitLayer > d.maxSplitLayer)
      v('splitLayer', `${dec.splitLayer} outside [${d.minSplitLayer}, ${d.maxSplitLayer}]`);
    if (!(dec.cpuFrequencyHz >= d.minFrequencyHz && dec.cpuFrequencyHz <= d.maxFrequencyHz && dec.cpuFrequencyHz > 0))
      v('cpuFrequencyHz', `${dec.cpuFrequencyHz} outside (${d.minFrequencyHz}, ${d.maxFrequencyHz}]`);
    if (!(dec.transmitPowerW >= d.minPowerW && dec.transmitPowerW <= d.maxPowerW && dec.transmitPowerW > 0))
      v('transmitPowerW', `${dec.transmitPowerW} outside (${d.minPowerW}, ${d.maxPowerW}]`);
    if (!(dec.bandwidthHz > 0)) v('bandwidthHz', 'must be > 0');
    if (!(dec.serverFrequencyHz > 0)) v('serverFrequencyHz', 'must be > 0');
    if (!d.modes.some((m) => modeKey(m) === modeKey(dec.mode))) v('trainingMode', `mode not allowed for this device`);
    const e = perDevice[n];
    if (d.memoryBytes !== null && e.peakMemoryBytes > d.memoryBytes)
      v('memoryBytes', `needs ${e.peakMemoryBytes} bytes, has ${d.memoryBytes}`);
    if (d.deadlineS !== null && !(e.physicalDelayS <= d.deadlineS * (1 + BUDGET_TOLERANCE)))
      v('deadlineS', `delay ${e.physicalDelayS} s exceeds deadline ${d.deadlineS} s`);
    if (instance.previous?.pinned[n] && e.migrated) v('pinned', `pinned to server ${instance.servers[instance.previous.server[n]!].id}`);
    bandwidthUsed[dec.server] += dec.bandwidthHz;
    frequencyUsed[dec.server] += dec.serverFrequencyHz;
    count[dec.server] += 1;
  });
  instance.servers.forEach((s, m) => {
    const v = (constraint: string, detail: string) => out.push({ constraint, serverId: s.id, detail });
    if (bandwidthUsed[m] > s.bandwidthHz * (1 + BUDGET_TOLERANCE)) v('bandwidthHz', `shares sum to ${bandwidthUsed[m]} > ${s.bandwidthHz}`);
    if (frequencyUsed[m] > s.frequencyHz * (1 + BUDGET_TOLERANCE)) v('frequencyHz', `shares sum to ${frequencyUsed[m]} > ${s.frequencyHz}`);
    if (s.maxDevices !== null && count[m] > s.maxDevices) v('maxDevices', `${count[m]} devices > ${s.maxDevices}`);
  });
  return out;
}

function sumTotals(perDevice: DeviceEvaluation[]): Totals {
  let delayS = 0;
  let energyJ = 0;
  let stability = 0;
  let migrations = 0;
  let migrationDelayS = 0;
  let migrationEnergyJ = 0;
  for (const e of perDevice) {
    delayS += e.delayS.total;
    energyJ += e.energyJ.total;
    stability += e.stabilityBound;
    if (e.migrated) migrations += 1;
    migrationDelayS += e.delayS.migration;
    migrationEnergyJ += e.energyJ.migration;
  }
  return { delayS, energyJ, stability, migrations, migrationDelayS, migrationEnergyJ };
}

/**
 * Reference point of the normalisation (docs/model.md §1.3): α = ⌈Υ/2⌉ clipped to the device's
 * range, f = f^max, p = p^max, strongest-gain server, that server's budgets split equally among
 * its devices.
 */
export function referenceDecisions(instance: Instance): DeviceDecision[] {
  const servers = instance.devices.map((d) => d.gains.indexOf(Math.max(...d.gains)));
  const count = new Array<number>(instance.servers.length).fill(0);
  for (const m of servers) count[m] += 1;
  const half = Math.ceil(instance.layers / 2);
  return instance.devices.map((d, n) => {
    const m = servers[n];
    return {
      server: m,
      splitLayer: Math.min(d.maxSplitLayer, Math.max(d.minSplitLayer, half)),
      mode: d.referenceMode,
      cpuFrequencyHz: d.maxFrequencyHz,
      transmitPowerW: d.maxPowerW,
      bandwidthHz: instance.servers[m].bandwidthHz / count[m],
      serverFrequencyHz: instance.servers[m].frequencyHz / count[m],
    };
  });
}

/** The reference point's sums. Migrations are left out: they must not move the normalisation. */
export function referenceTotals(instance: Instance): Totals {
  const fresh: Instance = instance.previous ? { ...instance, previous: undefined } : instance;
  const decisions = referenceDecisions(fresh);
  const { delayS, energyJ, stability } = sumTotals(decisions.map((dec, n) => deviceTerms(fresh, n, dec)));
  return { delayS, energyJ, stability };
}

/** Divisors that make the three sums dimensionless (1 when normalisation is off). */
export function objectiveScales(instance: Instance, reference: Totals = referenceTotals(instance)): Totals {
  if (!instance.normalize) return { delayS: 1, energyJ: 1, stability: 1 };
  const safe = (x: number) => (x > 0 && Number.isFinite(x) ? x : 1);
  return { delayS: safe(reference.delayS), energyJ: safe(reference.energyJ), stability: safe(reference.stability) };
}

/** Weights divided by the scales: the coefficients the solver actually minimises with. */
export function effectiveWeights(instance: Instance, scales: Totals): { delay: number; energy: number; stability: number } {
  return {
    delay: instance.weights.delay / scales.delayS,
    energy: instance.weights.energy / scales.energyJ,
    stability: instance.weights.stability / scales.stability,
  };
}

export function objectiveOf(instance: Instance, totals: Totals, scales: Totals): number {
  const w = effectiveWeights(instance, scales);
  return w.delay * totals.delayS + w.energy * totals.energyJ + w.stability * totals.stability;
}

export function evaluate(instance: Instance, decisions: DeviceDecision[], scales: Totals = objectiveScales(instance)): Evaluation {
  const devices = decisions.map((dec, n) => deviceTerms(instance, n, dec));
  const totals = sumTotals(devices);
  return {
    devices,
    totals,
    objective: objectiveOf(instance, totals, scales),
    violations: findViolations(instance, decisions, devices),
  };
}
