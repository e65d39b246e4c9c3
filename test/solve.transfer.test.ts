import { describe, expect, it } from 'vitest';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { Instance } from '../src/model/types.js';
import { packInstance, packedDeviceCount, unpackInstance } from '../src/solve/transfer.js';

/** A generated request whose devices differ in every field packing treats apart: nulls, modes, previous. */
function variedRequest(seed: number, devices: number, servers: number): AllocateRequest {
  const req = generateRequest(seed, { devices, servers });
  req.devices.forEach((d, i) => {
    if (i % 5 === 1) d.trainingMode = 'backprop';
    if (i % 5 === 2) d.trainingMode = 'zeroth-order';
    if (i % 5 === 3) d.inferenceOnly = true;
    if (i % 5 === 4) d.queries = 2;
    if (i % 3 === 0) d.deadlineS = 1000 + i;
    if (i % 4 === 0) d.memoryBytes = 4e12 + i;
  });
  req.previous = { allocations: [{ deviceId: req.devices[0].id, serverId: req.servers[1].id, splitLayer: 3 }] };
  return req;
}

/** Every object and array reachable from `value`, counted once each (shared ones once). */
function reachable(value: unknown, seen = new Set<object>()): Set<object> {
  if (value !== null && typeof value === 'object' && !seen.has(value) && !ArrayBuffer.isView(value)) {
    seen.add(value);
    for (const v of Object.values(value)) reachable(v, seen);
  }
  return seen;
}

describe('packInstance / unpackInstance', () => {
  it('give back the same instance, every device field and key order included, after a structured clone', () => {
    const { instance } = normalize(variedRequest(21, 60, 9));
    // The request exercises what it should: nulls and numbers, several mode lists, a previous state.
    expect(new Set(instance.devices.map((d) => d.deadlineS === null)).size).toBe(2);
    expect(new Set(instance.devices.map((d) => d.memoryBytes === null)).size).toBe(2);
    expect(new Set(instance.devices.map((d) => JSON.stringify(d.modes))).size).toBeGreaterThanOrEqual(4);
    expect(instance.previous).toBeDefined();
    const back = unpackInstance(structuredClone(packInstance(instance)));
    expect(back).toEqual(instance);
    // toEqual ignores key order; the solver's objects keep normalize's.
    expect(JSON.stringify(back)).toBe(JSON.stringify(instance));
    for (const [n, d] of back.devices.entries()) expect(Object.keys(d)).toEqual(Object.keys(instance.devices[n]));
  });

  it('crosses as a few typed arrays: no object per device, mode lists shared as normalize shares them', () => {
    const { instance } = normalize(variedRequest(22, 500, 20));
    const packed = packInstance(instance);
    expect(packedDeviceCount(packed)).toBe(500);
    expect(packed.devices.gains).toBeInstanceOf(Float64Array);
    expect(packed.devices.gains).toHaveLength(500 * 20);
    expect(packed.devices.fields).toBeInstanceOf(Float64Array);
    const distinctModeLists = new Set(instance.devices.map((d) => d.modes)).size;
    // Devices that allow the same modes share one list (5 kinds of device here).
    expect(distinctModeLists).toBeLessThanOrEqual(5);
    const cloned = structuredClone(packed);
    expect(new Set(cloned.devices.modes).size).toBe(distinctModeLists);
    // Objects and arrays that cross: the packed layout, the servers, the mode lists, the previous
    // state: far fewer than one per device (the unpacked instance has several per device).
    expect(reachable(cloned).size).toBeLessThan(200);
    expect(reachable(unpackInstance(cloned)).size).toBeGreaterThan(1000);
  });

  it('unpacks a hand-made instance whose devices do not share anything', () => {
    const { instance } = normalize(variedRequest(23, 12, 4));
    // A deep copy: nothing shared, as an instance built outside normalize might be.
    const copy = JSON.parse(JSON.stringify(instance)) as Instance;
    expect(unpackInstance(structuredClone(packInstance(copy)))).toEqual(instance);
  });
});
