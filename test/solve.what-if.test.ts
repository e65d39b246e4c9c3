// What-if scenarios (src/solve/what-if.ts): changes applied and checked, every scenario solved warm from
// the base answer within one limit, deltas on the base's scales, infeasible scenarios reported
// while the others answer. The solver runs in this thread (injected as the runner's allocate).
import { beforeAll, describe, expect, it } from 'vitest';
import { objectiveOf } from '../src/model/evaluate.js';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { InputError, normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { SCALABLE_RANGE, scenarioRequest } from '../src/model/scenarios.js';
import { ServerSpecSchema } from '../src/schemas/allocate.js';
import { checkScenarios, solveWhatIf, type WhatIfRequest, type WhatIfRun } from '../src/solve/what-if.js';

/** Each solve's `certify`, in call order. */
const certified: boolean[] = [];

const run = (limitMs: number): WhatIfRun => ({
  async allocate(body: AllocateRequest, deadlineAt: number, certify: boolean) {
    certified.push(certify);
    const { instance, options } = normalize(body);
    const result = await solveAllocate(instance, {
      ...options,
      timeLimitMs: Math.max(0, deadlineAt - Date.now()),
      ...(certify ? {} : { certify: false }),
    });
    return { result, cache: 'miss', requestHash: 'local' };
  },
  parallel: 2,
  receivedAt: Date.now(),
  limitMs,
  reserveMs: 0,
});

function snapshot(): AllocateRequest {
  return generateRequest(3, { ...TINY_PRESET, devices: 10, servers: 4, layers: 5, trainingModes: ['backprop'], channel: 'gains' });
}

function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return `${e.field}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

beforeAll(async () => {
  await initGlpk();
});

describe('scenario changes are checked before anything is solved', () => {
  const body = snapshot();
  const ids = body.servers.map((s) => s.id);
  it('names the scenario and change of an unknown server, device or a duplicate', () => {
    const req = (changes: WhatIfRequest['scenarios'][number]['changes']): WhatIfRequest => ({
      ...body,
      scenarios: [
        { name: 'fine', changes: [{ op: 'scaleBandwidth', serverId: ids[0], factor: 2 }] },
        { name: 'bad', changes },
      ],
    });
    expect(
      fieldOf(() =>
        checkScenarios(
          req([
            { op: 'scaleFrequency', serverId: ids[1], factor: 1.1 },
            { op: 'removeServer', serverId: 'nope' },
          ]),
        ),
      ),
    ).toMatch(/^scenarios\[1\]\.changes\[1\]\.serverId: .*unknown server id "nope"/);
    expect(fieldOf(() => checkScenarios(req([{ op: 'removeDevices', deviceIds: [body.devices[0].id, 'ghost'] }])))).toMatch(
      /^scenarios\[1\]\.changes\[0\]\.deviceIds\[1\]/,
    );
    expect(fieldOf(() => checkScenarios(req([{ op: 'addServer', server: { ...body.servers[0] } }])))).toMatch(
      /^scenarios\[1\]\.changes\[0\]\.server\.id: .*duplicate/,
    );
    expect(
      fieldOf(() =>
        checkScenarios({
          ...req([]),
          scenarios: [
            { name: 'a', changes: [] },
            { name: 'a', changes: [] },
          ],
        }),
      ),
    ).toMatch(/^scenarios\[1\]\.name/);
  });

  it("refuses a scale that puts a server's bandwidth or frequency outside POST /allocate's range", () => {
    const req = (change: WhatIfRequest['scenarios'][number]['changes'][number]): WhatIfRequest => ({
      ...body,
      scenarios: [{ name: 'scaled', changes: [change] }],
    });
    const s0 = body.servers[0];
    // The range is the schema's, read from the schema here.
    for (const key of ['bandwidthHz', 'frequencyHz'] as const) {
      const { minimum, maximum } = ServerSpecSchema.properties[key] as unknown as { minimum: number; maximum: number };
      expect(SCALABLE_RANGE[key]).toEqual({ minimum, maximum });
      const op = key === 'bandwidthHz' ? 'scaleBandwidth' : 'scaleFrequency';
      // 1e-323 made a frequency of ~5e-314 Hz, which the solver then crashed on (a 500 the fuzz found).
      for (const factor of [1e-323, (minimum / s0[key]) * 0.99, (maximum / s0[key]) * 1.01]) {
        expect(fieldOf(() => checkScenarios(req({ op, serverId: s0.id, factor })))).toMatch(
          new RegExp(`^scenarios\\[0\\]\\.changes\\[0\\]\\.factor: .*puts ${key} of "${s0.id}" at .*outside POST /allocate's range`),
        );
      }
      for (const factor of [minimum / s0[key], maximum / s0[key], 1.5]) {
        expect(fieldOf(() => checkScenarios(req({ op, serverId: s0.id, factor: factor * (1 + 1e-12 * Math.sign(1 - factor)) })))).toBe(
          'no error',
        );
      }
    }
  });

  it('refuses a removal that leaves a device with no reachable server, naming the devices', () => {
    // Device 2 reaches only one server: removing that server strands it.
    const only = ids[1];
    const lonely = { ...body.devices[2], channelGains: { [only]: body.devices[2].channelGains![only] } };
    const devices = body.devices.map((d, n) => (n === 2 ? lonely : d));
    const fine = fieldOf(() =>
      checkScenarios({ ...body, devices, scenarios: [{ name: 'other', changes: [{ op: 'removeServer', serverId: ids[0] }] }] }),
    );
    expect(fine).toBe('no error');
    const message = fieldOf(() =>
      checkScenarios({ ...body, devices, scenarios: [{ name: 'outage', changes: [{ op: 'removeServer', serverId: only }] }] }),
    );
    expect(message).toMatch(/^scenarios\[0\]\.changes\[0\]: /);
    expect(message).toContain(`"${lonely.id}"`);
  });
});

describe('scenario snapshots', () => {
  it('start from the base answer (gone devices and servers left out) and compute neither insights nor baselines', () => {
    const body = { ...snapshot(), options: { insights: true, timeLimitMs: 1000 } };
    const ids = body.servers.map((s) => s.id);
    const base = {
      allocations: body.devices.map((d, n) => ({ deviceId: d.id, serverId: ids[n % ids.length], splitLayer: 2, trainingMode: 'backprop' })),
    } as unknown as Parameters<typeof scenarioRequest>[3];
    const out = scenarioRequest(
      body,
      {
        name: 's',
        changes: [
          { op: 'removeServer', serverId: ids[0] },
          { op: 'removeDevices', deviceIds: [body.devices[1].id] },
        ],
      },
      0,
      base,
    );
    expect(out.options).toEqual({ timeLimitMs: 1000, baselines: false });
    expect(out.servers.map((s) => s.id)).toEqual(ids.slice(1));
    expect(out.previous!.allocations.every((a) => a.serverId !== ids[0] && a.deviceId !== body.devices[1].id)).toBe(true);
    expect(out.previous!.allocations).toHaveLength(body.devices.filter((_, n) => n % ids.length !== 0 && n !== 1).length);
    expect(out.devices.every((d) => d.channelGains![ids[0]] === undefined)).toBe(true);
  });

  it("keep the snapshot's own previous allocation and pins when the base has no plan (infeasible, or given up in time)", () => {
    const body = snapshot();
    const ids = body.servers.map((s) => s.id);
    const previous = {
      allocations: body.devices.map((d, n) => ({
        deviceId: d.id,
        serverId: ids[n % ids.length],
        splitLayer: 2,
        trainingMode: 'backprop' as const,
      })),
    };
    const pinned = [body.devices[0].id, body.devices[2].id];
    const withPins = { ...body, previous, options: { insights: true, timeLimitMs: 1000, pinned } };
    const noPlan = { allocations: [] } as unknown as Parameters<typeof scenarioRequest>[3];
    const out = scenarioRequest(withPins, { name: 's', changes: [{ op: 'scaleBandwidth', serverId: ids[1], factor: 1.5 }] }, 0, noPlan);
    expect(out.options).toEqual({ timeLimitMs: 1000, pinned, baselines: false });
    expect(out.previous).toEqual(previous);
  });
});

describe('solving scenarios', () => {
  it('answers every scenario against the base: deltas on the base scales, migrations, an infeasible one reported', async () => {
    const body = { ...snapshot(), servers: snapshot().servers.map((s) => ({ ...s, maxDevices: 4 })) };
    const ids = body.servers.map((s) => s.id);
    // Every device reaches every server (no coverage limit): any removal is valid.
    expect(body.devices.every((d) => ids.every((id) => d.channelGains![id] > 0))).toBe(true);
    const removable = ids[3];
    const request: WhatIfRequest = {
      ...body,
      options: { timeLimitMs: 4000, baselines: false },
      scenarios: [
        { name: 'more bandwidth', changes: [{ op: 'scaleBandwidth', serverId: ids[0], factor: 2 }] },
        { name: 'outage', changes: [{ op: 'removeServer', serverId: removable }] },
        { name: 'fewer devices', changes: [{ op: 'removeDevices', deviceIds: [body.devices[0].id, body.devices[1].id] }] },
        // 10 devices, room for 4 on each of the 2 left: infeasible whatever the channels.
        { name: 'two down', changes: ids.slice(0, 2).map((serverId) => ({ op: 'removeServer' as const, serverId })) },
      ],
    };
    const t0 = Date.now();
    certified.length = 0;
    const out = await solveWhatIf(request, { ...run(4000), receivedAt: t0 });
    // The base as POST /allocate solves it (certified); the scenarios search-only.
    expect(certified).toEqual([true, false, false, false, false]);
    expect(Date.now() - t0).toBeLessThan(4000 * 1.5 + 500);
    expect(out.base.objective).toBeDefined();
    expect(out.scenarios.map((s) => s.name)).toEqual(request.scenarios.map((s) => s.name));

    const [more, outage, fewer] = out.scenarios;
    // Doubling a bandwidth never hurts (the base allocation is still feasible); on the base scales.
    expect(more.delta!.objective).toBeLessThanOrEqual(1e-6 * out.base.objective!);
    // The delta is the scenario's totals scored with the base's scales, minus the base objective.
    const baseInstance = normalize(request).instance;
    expect(more.delta!.objective).toBeCloseTo(objectiveOf(baseInstance, more.totals!, out.base.reference) - out.base.objective!, 12);
    // Every device of the removed server moved, and only with a reason: their server is gone.
    const onRemoved = out.base.allocations.filter((a) => a.serverId === removable).map((a) => a.deviceId);
    expect(onRemoved.length).toBeGreaterThan(0);
    for (const id of onRemoved) expect(outage.migrations.some((m) => m.deviceId === id && m.fromServerId === removable)).toBe(true);
    expect(outage.migrations.every((m) => m.toServerId !== removable)).toBe(true);
    expect(outage.delta!.objective).toBeGreaterThanOrEqual(-1e-6 * out.base.objective!);
    // Removed devices are gone from the totals.
    expect(fewer.migrations.some((m) => m.deviceId === body.devices[0].id)).toBe(false);
    expect(out.scenarios[3].status).toBe('INFEASIBLE');
    expect(out.scenarios[3].delta).toBeUndefined();
    expect(out.scenarios[3].infeasibilities!.length).toBeGreaterThan(0);
    for (const s of out.scenarios.slice(0, 3)) expect(['OPTIMAL', 'FEASIBLE']).toContain(s.status);
  }, 60_000);
});
