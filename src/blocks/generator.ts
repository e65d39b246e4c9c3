// Seeded generator of POST /allocate/blocks bodies: a transformer shared by devices drawn from
// ranges (compute, memory, distance to the access point). Deterministic (mulberry32): the same seed
// and fleet always give the same body. Used by benches and tests, as src/model/generator.ts is for
// POST /allocate.
import { gainFromDistanceM } from '../model/defaults.js';
import { mulberry32 } from '../model/random.js';
import type { BlocksOptionsSpec, BlocksRequest, TransformerBlocksModel } from './request.js';

export interface BlocksFleet {
  model: TransformerBlocksModel;
  devices: number;
  /** device compute, TFLOP/s, drawn uniformly */
  tflops: [number, number];
  /** device memory, GiB, drawn uniformly */
  memoryGB: [number, number];
  /** distance to the access point, metres, drawn uniformly; default [50, 500] */
  distanceM?: [number, number];
  /** shared uplink bandwidth, Hz; default 20 MHz */
  bandwidthHz?: number;
  options?: BlocksOptionsSpec;
}

export function generateBlocksRequest(seed: number, fleet: BlocksFleet): BlocksRequest {
  const r = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  const distanceM = fleet.distanceM ?? [50, 500];
  return {
    model: fleet.model,
    // One device's draws in a fixed order (compute, memory, power, distance): instances stay the same across callers.
    devices: Array.from({ length: fleet.devices }, (_, i) => ({
      id: `d${i}`,
      flopsPerSecond: u(...fleet.tflops) * 1e12,
      memoryBytes: u(...fleet.memoryGB) * 2 ** 30,
      powerW: u(0.2, 1),
      channelGain: gainFromDistanceM(u(...distanceM)),
    })),
    bandwidthHz: fleet.bandwidthHz ?? 20e6,
    options: { ...fleet.options },
  };
}
