// What an allocate task looks like while it crosses to a worker thread. Structured cloning copies
// a JavaScript array of numbers element by element: a device's gain to every server, 10,000 × 500
// of them, took seconds. Packed into one Float64Array they cross as one block of memory.
import type { Instance } from '../model/types.js';

export interface PackedInstance {
  instance: Instance;
  /** devices × servers gains, row by row; the devices' own `gains` are empty while packed */
  gains: Float64Array;
}

export function packInstance(instance: Instance): PackedInstance {
  const M = instance.servers.length;
  const gains = new Float64Array(instance.devices.length * M);
  instance.devices.forEach((d, n) => gains.set(d.gains, n * M));
  return { instance: { ...instance, devices: instance.devices.map((d) => ({ ...d, gains: [] })) }, gains };
}

export function unpackInstance({ instance, gains }: PackedInstance): Instance {
  const M = instance.servers.length;
  const devices = instance.devices.map((d, n) => ({ ...d, gains: Array.from(gains.subarray(n * M, (n + 1) * M)) }));
  return { ...instance, devices };
}
