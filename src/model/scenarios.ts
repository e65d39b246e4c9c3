// What-if scenarios (docs/what-if.md): a scenario's changes applied to the /allocate snapshot, each
// checked: a bad change is an InputError naming the scenario and the change (400), never a failed solve.
import { InputError } from './normalize.js';
import type { AllocateRequest, DeviceSpec, ServerSpec } from './request.js';
import type { AllocateResult } from './types.js';

/** One change of a what-if scenario (docs/what-if.md). */
export type ScenarioChange =
  | { op: 'scaleBandwidth'; serverId: string; factor: number }
  | { op: 'scaleFrequency'; serverId: string; factor: number }
  | { op: 'removeServer'; serverId: string }
  | { op: 'addServer'; server: ServerSpec }
  | { op: 'removeDevices'; deviceIds: string[] };

export interface Scenario {
  name: string;
  changes: ScenarioChange[];
}

/**
 * The range POST /allocate takes for a server's bandwidth and frequency (ServerSpec in
 * schemas/allocate.ts; test/solve.what-if.test.ts checks they agree): a scaled value outside it is
 * a snapshot /allocate would refuse, and one the solver was never meant to see.
 */
export const SCALABLE_RANGE = { bandwidthHz: { minimum: 1e3, maximum: 1e11 }, frequencyHz: { minimum: 1e6, maximum: 1e11 } } as const;

function fail(field: string, reason: string): never {
  throw new InputError(field, reason);
}

function serverIndex(servers: ServerSpec[], id: string, field: string): number {
  const m = servers.findIndex((s) => s.id === id);
  if (m < 0) fail(field, `unknown server id "${id}"`);
  return m;
}

/** A device reaches a server: an explicit positive gain, or positions on both sides (path loss is never 0). */
function reaches(device: DeviceSpec, server: ServerSpec): boolean {
  const g = device.channelGains?.[server.id];
  if (g !== undefined) return g > 0;
  return device.channelGains === undefined && device.position !== undefined && server.position !== undefined;
}

function apply(body: AllocateRequest, change: ScenarioChange, field: string): AllocateRequest {
  switch (change.op) {
    case 'scaleBandwidth':
    case 'scaleFrequency': {
      const m = serverIndex(body.servers, change.serverId, `${field}.serverId`);
      if (!(change.factor > 0 && Number.isFinite(change.factor))) fail(`${field}.factor`, 'must be a finite number > 0');
      const key = change.op === 'scaleBandwidth' ? 'bandwidthHz' : 'frequencyHz';
      const scaled = body.servers[m][key] * change.factor;
      // The changed snapshot is one POST /allocate would take: its server's value within the schema's range.
      const { minimum, maximum } = SCALABLE_RANGE[key];
      if (!(scaled >= minimum && scaled <= maximum)) {
        fail(
          `${field}.factor`,
          `puts ${key} of "${change.serverId}" at ${scaled}, outside POST /allocate's range ${minimum} to ${maximum}`,
        );
      }
      const servers = body.servers.slice();
      servers[m] = { ...servers[m], [key]: scaled };
      return { ...body, servers };
    }
    case 'removeServer': {
      serverIndex(body.servers, change.serverId, `${field}.serverId`);
      const servers = body.servers.filter((s) => s.id !== change.serverId);
      if (servers.length === 0) fail(field, 'removes the last server');
      const devices = body.devices.map((d) => {
        if (d.channelGains?.[change.serverId] === undefined) return d;
        const { [change.serverId]: _gone, ...rest } = d.channelGains;
        return { ...d, channelGains: rest };
      });
      const stranded = devices.filter((d) => !servers.some((s) => reaches(d, s)));
      if (stranded.length > 0) {
        fail(
          field,
          `leaves device${stranded.length > 1 ? 's' : ''} ${stranded
            .slice(0, 5)
            .map((d) => `"${d.id}"`)
            .join(', ')}${stranded.length > 5 ? ', …' : ''} with no reachable server`,
        );
      }
      return { ...body, servers, devices };
    }
    case 'addServer': {
      if (body.servers.some((s) => s.id === change.server.id)) fail(`${field}.server.id`, `duplicate server id "${change.server.id}"`);
      return { ...body, servers: [...body.servers, change.server] };
    }
    case 'removeDevices': {
      const ids = new Set(body.devices.map((d) => d.id));
      change.deviceIds.forEach((id, k) => {
        if (!ids.has(id)) fail(`${field}.deviceIds[${k}]`, `unknown device id "${id}"`);
      });
      const gone = new Set(change.deviceIds);
      const devices = body.devices.filter((d) => !gone.has(d.id));
      if (devices.length === 0) fail(field, 'removes every device');
      return { ...body, devices };
    }
  }
}

/**
 * The scenario's snapshot: the changes in order, then `previous` set to the base answer (the warm
 * start; devices and servers gone are dropped from it) and pins kept for devices whose base server
 * remains; a base without allocations leaves the snapshot's own `previous` and pins. `index` names
 * the scenario in errors.
 */
export function scenarioRequest(body: AllocateRequest, scenario: Scenario, index: number, base: AllocateResult | null): AllocateRequest {
  let out: AllocateRequest = body;
  scenario.changes.forEach((change, j) => {
    out = apply(out, change, `scenarios[${index}].changes[${j}]`);
  });
  // A scenario answers with sums and deltas only: insights asked for the base are not computed for
  // it, nor baselines (no scenario answer shows them; they took a quarter of its limit).
  const { insights: _insights, ...keptOptions } = out.options ?? {};
  // No base plan (infeasible, or none in time): no warm start from it, and the snapshot's own
  // `previous` and pins stand (filtered by a base without allocations, every pin would be dropped).
  if (base === null || base.allocations.length === 0) return { ...out, options: { ...keptOptions, baselines: false } };
  const servers = new Set(out.servers.map((s) => s.id));
  const devices = new Set(out.devices.map((d) => d.id));
  const allocations = base.allocations
    .filter((a) => devices.has(a.deviceId) && servers.has(a.serverId))
    .map((a) => ({ deviceId: a.deviceId, serverId: a.serverId, splitLayer: a.splitLayer, trainingMode: a.trainingMode }));
  const kept = new Set(allocations.map((a) => a.deviceId));
  const pinned = keptOptions.pinned?.filter((id) => kept.has(id));
  const options = { ...keptOptions, baselines: false, ...(pinned !== undefined ? { pinned } : {}) };
  return { ...out, options, previous: { allocations } };
}
