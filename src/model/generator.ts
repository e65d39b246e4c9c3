// Seeded generator of POST /allocate bodies (the publication's simulation settings,
// docs/model.md §3, with overrides).
// Deterministic: the same seed and overrides always give the same body, on every platform
// (mulberry32 PRNG, no Math.random). Used by scripts/make-examples.ts, tests and benches.
//
// Defaults (docs/model.md §3, Liu & Zhao 2024), one draw per device / server:
//   N = 50 devices, M = 10 servers, Υ = 32 layers, h = 1024, B = 512, bytesPerActivation 2;
//   device: tokens d ~ U{512..1024}; maxPowerW ~ U[1, 2] W; maxFrequencyHz ~ U[0.5, 1] GHz;
//           gpuCores ~ U{4..6}; flopsPerCycle 1; samples ~ U{1000..5000};
//           kappa ~ U[1e-27, 5e-27] W/(cycle/s)^3 — our choice: at 1 GHz that is 1–5 W for the
//           whole mobile GPU (power κ·f³), a typical phone SoC envelope;
//   server: frequencyHz ~ U[1, 3] GHz; gpuCores ~ U{2560..5120}; flopsPerCycle ∈ {1, 2};
//           bandwidthHz 20 MHz; kappa 1e-26 (≈ 80 W at 2 GHz);
//   geometry: a 500 m × 500 m square; servers spread over a jittered grid, devices uniform;
//           gains are left to the service (each device and server carries a `position`), or,
//           with `channel: 'gains'`, computed here with the path loss of docs/model.md §1.1
//           PL(dB) = 128.1 + 37.6·log10(d km).
// `heterogeneity` ∈ [0, 1] shrinks every range towards its midpoint (0 = identical devices).

import { gainFromDistanceM } from './defaults.js';
import type { AllocateRequest, DeviceSpec, ObjectiveSpec, OptionsSpec, ServerSpec, TrainingModeChoice } from './request.js';

import { mulberry32 } from './random.js';

export { mulberry32 };

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** uniform in [0, 1) */
  random(): number {
    return this.next();
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** uniform integer in [lo, hi] (both inclusive) */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** log-uniform in [lo, hi], lo > 0 */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }
}

export type Range = readonly [number, number];

export interface DeviceRanges {
  tokens: Range; // integers
  maxPowerW: Range;
  minPowerW: Range;
  maxFrequencyHz: Range;
  /** minimum frequency as a fraction of the maximum */
  minFrequencyFraction: Range;
  gpuCores: Range; // integers
  flopsPerCycle: readonly number[];
  kappa: Range;
  samples: Range; // integers
}

export interface ServerRanges {
  frequencyHz: Range;
  gpuCores: Range; // integers
  flopsPerCycle: readonly number[];
  bandwidthHz: Range;
  kappa: Range;
}

const PAPER_DEVICE_RANGES: DeviceRanges = {
  tokens: [512, 1024],
  maxPowerW: [1, 2],
  minPowerW: [0, 0],
  maxFrequencyHz: [0.5e9, 1e9],
  minFrequencyFraction: [0, 0],
  gpuCores: [4, 6],
  flopsPerCycle: [1],
  kappa: [1e-27, 5e-27],
  samples: [1000, 5000],
};

const PAPER_SERVER_RANGES: ServerRanges = {
  frequencyHz: [1e9, 3e9],
  gpuCores: [2560, 5120],
  flopsPerCycle: [1, 2],
  bandwidthHz: [2e7, 2e7],
  kappa: [1e-26, 1e-26],
};

export interface GeneratorOptions {
  devices?: number; // default 50
  servers?: number; // default 10
  layers?: number; // default 32
  hiddenSize?: number; // default 1024
  batchSize?: number; // default 512
  bytesPerActivation?: number; // omitted from the body unless given
  /** token length range (integers), default [512, 1024] */
  tokens?: Range;
  /** side of the square area, metres; default 500 */
  areaM?: number;
  /** 'position' (default): positions, gains derived by the service; 'gains': channelGains here */
  channel?: 'position' | 'gains';
  /** with channel 'gains': servers farther than this get no entry (gain 0); the nearest is always kept */
  coverageM?: number;
  /** per-server maxDevices: a number, or a range drawn per server */
  maxDevices?: number | Range;
  /** ∈ [0, 1]; 1 = full ranges (default), 0 = every range collapsed to its midpoint */
  heterogeneity?: number;
  device?: Partial<DeviceRanges>;
  server?: Partial<ServerRanges>;
  /** give `fraction` of the devices memoryBytes = factor × (one backprop layer's bytes) × layers/2 */
  memory?: { fraction?: number; factor: Range };
  /** give `fraction` of the devices a deadline of factor × a rough delay estimate (see below) */
  deadlines?: { fraction?: number; factor: Range };
  /** fraction of devices flagged inferenceOnly (must use zeroth-order) */
  inferenceOnlyFraction?: number;
  /** explicit trainingMode drawn per device from this list (omitted = no field, i.e. auto) */
  trainingModes?: readonly TrainingModeChoice[];
  /** random per-device split ranges: each device gets a random [min, max] sub-range with this probability */
  splitRangeFraction?: number;
  objective?: ObjectiveSpec;
  options?: OptionsSpec;
  /** significant digits kept in generated reals (default 6); keeps the JSON readable */
  digits?: number;
}

function round(x: number, digits: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

function shrink(r: Range, het: number): Range {
  const mid = (r[0] + r[1]) / 2;
  const half = ((r[1] - r[0]) / 2) * het;
  return [mid - half, mid + half];
}

/** Backprop bytes of one layer (docs/model.md §1.5, defaults of §1.1): w + a + 16·A (r = 16). */
function backpropLayerBytes(h: number, B: number, d: number, s: number): number {
  const w = 12 * h * h * s;
  const H = Math.max(1, h / 64);
  const a = B * d * (34 * h + 5 * H * d);
  const A = 2 * 16 * h;
  return w + a + 16 * A;
}

/**
 * A rough, deliberately simple per-device delay scale used only to place deadlines: the delay of
 * the reference split (α = ⌈Υ/2⌉, docs/model.md §1.3) at full local frequency, with the server's
 * frequency and bandwidth shared equally among N/M devices and full power at the device's nearest server.
 */
function roughDelayS(
  dev: DeviceSpec,
  gainToNearest: number,
  server: ServerSpec,
  perServer: number,
  layers: number,
  h: number,
  B: number,
  s: number,
): number {
  const psi = 72 * B * dev.tokens * h * h + 12 * B * dev.tokens ** 2 * h;
  const alpha = Math.ceil(layers / 2);
  const local = (alpha * psi) / (dev.maxFrequencyHz * dev.gpuCores * dev.flopsPerCycle);
  const edge = ((layers - alpha) * psi) / ((server.frequencyHz / perServer) * server.gpuCores * server.flopsPerCycle);
  const bw = server.bandwidthHz / perServer;
  const n0 = 10 ** ((-174 - 30) / 10);
  const rate = bw * Math.log2(1 + (gainToNearest * dev.maxPowerW) / (n0 * bw));
  const bits = B * dev.tokens * h * 8 * s;
  return local + edge + bits / rate;
}

/**
 * A deterministic AllocateRequest body from the publication's simulation settings
 * (docs/model.md §3) and `overrides`.
 */
export function generateRequest(seed: number, overrides: GeneratorOptions = {}): AllocateRequest {
  const rng = new Rng(seed);
  const N = overrides.devices ?? 50;
  const M = overrides.servers ?? 10;
  const layers = overrides.layers ?? 32;
  const h = overrides.hiddenSize ?? 1024;
  const B = overrides.batchSize ?? 512;
  const s = overrides.bytesPerActivation ?? 2;
  const area = overrides.areaM ?? 500;
  const het = Math.min(1, Math.max(0, overrides.heterogeneity ?? 1));
  const digits = overrides.digits ?? 6;
  const dr: DeviceRanges = { ...PAPER_DEVICE_RANGES, ...overrides.device };
  if (overrides.tokens) dr.tokens = overrides.tokens;
  const sr: ServerRanges = { ...PAPER_SERVER_RANGES, ...overrides.server };
  const R = (r: Range) => shrink(r, het);
  const uni = (r: Range) => round(rng.uniform(...R(r)), digits);
  const int = (r: Range) => {
    const [lo, hi] = R(r);
    return rng.int(Math.ceil(lo - 1e-9), Math.floor(hi + 1e-9));
  };
  const pickList = <T>(list: readonly T[]): T => (het === 0 ? list[Math.floor((list.length - 1) / 2)] : rng.pick(list));

  // Servers on a jittered grid covering the square.
  const cols = Math.ceil(Math.sqrt(M));
  const rows = Math.ceil(M / cols);
  const servers: ServerSpec[] = [];
  for (let m = 0; m < M; m++) {
    const cx = ((m % cols) + 0.5) * (area / cols);
    const cy = (Math.floor(m / cols) + 0.5) * (area / rows);
    const jx = rng.uniform(-0.25, 0.25) * (area / cols);
    const jy = rng.uniform(-0.25, 0.25) * (area / rows);
    const server: ServerSpec = {
      id: `es-${m + 1}`,
      gpuCores: int(sr.gpuCores),
      flopsPerCycle: pickList(sr.flopsPerCycle),
      frequencyHz: uni(sr.frequencyHz),
      bandwidthHz: uni(sr.bandwidthHz),
      kappa: uni(sr.kappa),
      position: { xM: round(cx + jx, 4), yM: round(cy + jy, 4) },
    };
    if (overrides.maxDevices !== undefined) {
      server.maxDevices =
        typeof overrides.maxDevices === 'number' ? overrides.maxDevices : rng.int(overrides.maxDevices[0], overrides.maxDevices[1]);
    }
    servers.push(server);
  }

  const devices: DeviceSpec[] = [];
  const distances: number[][] = [];
  for (let n = 0; n < N; n++) {
    const pos = { xM: round(rng.uniform(0, area), 4), yM: round(rng.uniform(0, area), 4) };
    const maxFrequencyHz = uni(dr.maxFrequencyHz);
    const maxPowerW = uni(dr.maxPowerW);
    const dev: DeviceSpec = {
      id: `ue-${n + 1}`,
      gpuCores: int(dr.gpuCores),
      flopsPerCycle: pickList(dr.flopsPerCycle),
      maxFrequencyHz,
      minFrequencyHz: round(maxFrequencyHz * rng.uniform(...R(dr.minFrequencyFraction)), digits),
      maxPowerW,
      minPowerW: Math.min(maxPowerW, uni(dr.minPowerW)),
      kappa: uni(dr.kappa),
      tokens: int(dr.tokens),
      samples: int(dr.samples),
    };
    const dist = servers.map((sv) => Math.hypot(pos.xM - sv.position!.xM, pos.yM - sv.position!.yM));
    distances.push(dist);
    if ((overrides.channel ?? 'position') === 'position') {
      dev.position = pos;
    } else {
      const nearest = dist.indexOf(Math.min(...dist));
      const gains: Record<string, number> = {};
      servers.forEach((sv, m) => {
        if (m === nearest || overrides.coverageM === undefined || dist[m] <= overrides.coverageM) {
          gains[sv.id] = round(gainFromDistanceM(dist[m]), digits);
        }
      });
      dev.channelGains = gains;
    }
    if (overrides.splitRangeFraction !== undefined && rng.chance(overrides.splitRangeFraction)) {
      const a = rng.int(1, layers - 1);
      const b = rng.int(1, layers - 1);
      dev.minSplitLayer = Math.min(a, b);
      dev.maxSplitLayer = Math.max(a, b);
    }
    if (overrides.trainingModes !== undefined && overrides.trainingModes.length > 0) {
      dev.trainingMode = rng.pick(overrides.trainingModes);
    }
    if (overrides.inferenceOnlyFraction !== undefined && rng.chance(overrides.inferenceOnlyFraction)) {
      dev.inferenceOnly = true;
      if (dev.trainingMode === 'backprop') dev.trainingMode = 'zeroth-order';
    }
    if (overrides.memory !== undefined && rng.chance(overrides.memory.fraction ?? 1)) {
      const factor = rng.uniform(overrides.memory.factor[0], overrides.memory.factor[1]);
      dev.memoryBytes = round(factor * backpropLayerBytes(h, B, dev.tokens, s) * (layers / 2), digits);
    }
    devices.push(dev);
  }

  if (overrides.deadlines !== undefined) {
    const nearestCount = new Array<number>(M).fill(0);
    const nearest = distances.map((d) => d.indexOf(Math.min(...d)));
    for (const m of nearest) nearestCount[m] += 1;
    devices.forEach((dev, n) => {
      if (!rng.chance(overrides.deadlines!.fraction ?? 1)) return;
      const m = nearest[n];
      const g = gainFromDistanceM(distances[n][m]);
      const est = roughDelayS(dev, g, servers[m], Math.max(1, nearestCount[m]), layers, h, B, s);
      dev.deadlineS = round(est * rng.uniform(overrides.deadlines!.factor[0], overrides.deadlines!.factor[1]), digits);
    });
  }

  const body: AllocateRequest = {
    model: { layers, hiddenSize: h, batchSize: B, ...(overrides.bytesPerActivation !== undefined ? { bytesPerActivation: s } : {}) },
    devices,
    servers,
    channel: { noiseDbmPerHz: -174 },
  };
  if (overrides.objective) body.objective = overrides.objective;
  if (overrides.options) body.options = overrides.options;
  return body;
}

/**
 * A miniature preset for exhaustive-search tests: a small model (h = 64, B = 8, d ∈ [16, 32]) and
 * small servers, so that local compute, uplink and edge compute cost the same order of magnitude
 * and every decision (split, association, shares, power, frequency) actually trades off.
 * Combine with `devices`, `servers`, `layers` overrides (and anything else).
 */
export const TINY_PRESET: GeneratorOptions = {
  devices: 3,
  servers: 2,
  layers: 6,
  hiddenSize: 64,
  batchSize: 8,
  tokens: [16, 32],
  areaM: 800,
  device: { samples: [500, 5000] },
  server: { gpuCores: [4, 16], frequencyHz: [1e9, 3e9], bandwidthHz: [1e6, 2e6], kappa: [5e-27, 2e-26] },
};
