// POST /allocate/evaluate's input: the /allocate snapshot plus one allocation per device, given by
// ids as an /allocate answer lists them. Normalised to indices here; InputError names the field.
import { normalize, InputError } from './normalize.js';
import type { AllocateRequest } from './request.js';
import type { GivenAllocation, Instance, SolveOptions, TrainingMode } from './types.js';

/** One device's allocation as received (an /allocate answer's allocation is one: its computed fields are ignored). */
export interface AllocationSpec {
  deviceId: string;
  serverId: string;
  splitLayer: number;
  trainingMode?: 'backprop' | 'zeroth-order';
  queries?: number;
  parallelism?: number;
  cpuFrequencyHz?: number;
  transmitPowerW?: number;
  bandwidthHz?: number;
  serverFrequencyHz?: number;
  // An answer's computed fields, accepted and ignored.
  peakMemoryBytes?: unknown;
  bandwidthShare?: unknown;
  delayS?: unknown;
  energyJ?: unknown;
  stabilityBound?: unknown;
  migrated?: unknown;
}

export interface EvaluateRequest extends AllocateRequest {
  allocations: AllocationSpec[];
}

function modeOf(instance: Instance, n: number, spec: AllocationSpec, field: string): TrainingMode | undefined {
  if (spec.trainingMode === undefined) {
    if (spec.queries !== undefined || spec.parallelism !== undefined)
      throw new InputError(`${field}.trainingMode`, 'is required with queries or parallelism');
    return undefined;
  }
  if (spec.trainingMode === 'backprop') return { kind: 'backprop' };
  // Zeroth-order without q and P: the device's own zeroth-order mode when it allows exactly one form.
  const allowed = instance.devices[n].modes.filter((m) => m.kind === 'zeroth-order');
  if (spec.queries !== undefined && spec.parallelism !== undefined)
    return { kind: 'zeroth-order', queries: spec.queries, parallelism: spec.parallelism };
  const match = allowed.filter(
    (m) =>
      (spec.queries === undefined || m.queries === spec.queries) && (spec.parallelism === undefined || m.parallelism === spec.parallelism),
  );
  if (match.length === 0)
    throw new InputError(`${field}.trainingMode`, 'zeroth-order is not allowed for this device (with these queries and parallelism)');
  return match[0];
}

export function normalizeEvaluateRequest(body: EvaluateRequest): { instance: Instance; options: SolveOptions; given: GivenAllocation[] } {
  const { allocations, ...snapshot } = body;
  const { instance, options } = normalize(snapshot);
  const deviceIndex = new Map(instance.devices.map((d, n) => [d.id, n]));
  const serverIndex = new Map(instance.servers.map((s, m) => [s.id, m]));
  const given = new Array<GivenAllocation | undefined>(instance.devices.length);
  allocations.forEach((spec, i) => {
    const field = `allocations[${i}]`;
    const n = deviceIndex.get(spec.deviceId);
    if (n === undefined) throw new InputError(`${field}.deviceId`, `unknown device id '${spec.deviceId}'`);
    if (given[n] !== undefined) throw new InputError(`${field}.deviceId`, `device '${spec.deviceId}' has two allocations`);
    const m = serverIndex.get(spec.serverId);
    if (m === undefined) throw new InputError(`${field}.serverId`, `unknown server id '${spec.serverId}'`);
    // No link: every delay and energy would be infinite, not a number to score.
    if (!(instance.devices[n].gains[m] > 0))
      throw new InputError(`${field}.serverId`, `device '${spec.deviceId}' has no channel to server '${spec.serverId}'`);
    const mode = modeOf(instance, n, spec, field);
    given[n] = {
      server: m,
      splitLayer: spec.splitLayer,
      ...(mode !== undefined ? { mode } : {}),
      ...(spec.cpuFrequencyHz !== undefined ? { cpuFrequencyHz: spec.cpuFrequencyHz } : {}),
      ...(spec.transmitPowerW !== undefined ? { transmitPowerW: spec.transmitPowerW } : {}),
      ...(spec.bandwidthHz !== undefined ? { bandwidthHz: spec.bandwidthHz } : {}),
      ...(spec.serverFrequencyHz !== undefined ? { serverFrequencyHz: spec.serverFrequencyHz } : {}),
    };
  });
  const missing = instance.devices.findIndex((_, n) => given[n] === undefined);
  if (missing >= 0) throw new InputError('allocations', `no allocation for device '${instance.devices[missing].id}' (one per device)`);
  return { instance, options, given: given as GivenAllocation[] };
}
