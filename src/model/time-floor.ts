// The smallest time limit an instance can be answered within. Some work comes before any answer
// and grows with the instance whatever the limit: reading and checking the body, deriving a gain
// per (device, server) pair, hashing, building every device's (mode, split) candidates, planning
// the first feasible association and writing the answer. A limit below that cannot be kept even in
// principle, so it is refused (400 naming options.timeLimitMs) instead of being broken.
// The constants are CPU costs per unit measured on the 2-core development machine (about 0.25 µs
// a pair, 15 µs a device, 0.4 µs a device-layer) with 2–3× margin for a loaded machine; bench/limits.ts prints this floor
// next to the measured wall times. docs/time-limits.md explains the contract.
import type { InfeasibilityOut } from './types.js';

/** per (device, server) pair: a gain, its share of the hash, the server order, the crossing to a worker */
const MS_PER_PAIR = 0.00075;
/** per (device, layer): candidate splits and their costs */
const MS_PER_DEVICE_LAYER = 0.0005;
/** per device: parsing, normalising, the first plan, scoring and writing its allocation */
const MS_PER_DEVICE = 0.05;

/** per (device, block) of POST /allocate/blocks: placements, the baselines' seeds, scoring */
const MS_PER_DEVICE_BLOCK = 0.0002;

export function minBlocksTimeLimitMs(devices: number, blocks: number): number {
  return Math.max(1, Math.ceil(devices * blocks * MS_PER_DEVICE_BLOCK));
}

interface InstanceSize {
  devices: number;
  servers: number;
  layers: number;
}

export function minTimeLimitMs({ devices, servers, layers }: InstanceSize): number {
  const ms = devices * servers * MS_PER_PAIR + devices * layers * MS_PER_DEVICE_LAYER + devices * MS_PER_DEVICE;
  return Math.max(1, Math.ceil(ms));
}

/**
 * What a solve's preparation (every device's (mode, split) candidates, the plan context) costs on an
 * idle machine, a quarter of the floor (1,000 × 50, in-process, load 1.5: 8–36 ms against a floor of
 * 104 ms; a warm first plan then takes 24–45 ms more). Preparing does not look at the clock, so a
 * solve that reaches its thread with less than this left before it gives up cannot plan in time
 * even on an idle machine: it answers so at once (solver/auto.ts). (Half the floor was measured to
 * refuse a warm 1,000 × 50 solve that an idle machine prepared and planned in 46 ms.)
 */
export function minSolverTimeMs(size: InstanceSize): number {
  return minTimeLimitMs(size) / 4;
}

/**
 * How far past the limit planning a solve's fallback (its first plan) may run before the solve gives
 * up on it (solver/auto.ts): the contract leaves 10% + 50 ms beyond the limit for the whole answer.
 * The service waits at least that long for a sweep's solve (solve/give-up.ts).
 */
export const FALLBACK_GRACE_MS = 25;

/** The infeasibility of an answer with no plan complete within the time limit (the solver's, or the service's when it gives up). */
export function outOfTimeInfeasibility(): InfeasibilityOut {
  return { constraint: 'timeLimitMs', deviceIds: [], detail: 'no allocation was complete within the time limit' };
}

/**
 * Least time a Pareto point is given: its own normalising, hashing, pool round trip and first plan
 * (bench/limits.ts: a 6-point sweep of 50 × 10 at 100 ms took 220 ms with 5 ms a point).
 */
const PARETO_POINT_MIN_MS = 20;

/**
 * A Pareto sweep's floor: every point needs an allocate floor of its own (no credit for running in
 * parallel on shared cores) and the sweep one more for what it does once.
 */
export function minParetoTimeLimitMs(points: number, size: InstanceSize): number {
  return (points + 1) * Math.max(PARETO_POINT_MIN_MS, minTimeLimitMs(size));
}
