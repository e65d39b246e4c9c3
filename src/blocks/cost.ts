// Cost model of docs/model.md §2: compute, memory and upload of a device holding a set of blocks, the
// bandwidth a device needs to finish within a round latency T, and the one evaluation that every
// solver, baseline and test uses: the optimal bandwidth split of a given assignment.

import type { BlockAssignment, BlocksInstance } from './types.js';

const LN2 = Math.log(2);

/** Shannon rate r(b) = b·log2(1 + γ/b), γ = g·p/N0 (Hz); bits/s. */
export function uplinkRateBps(bandwidthHz: number, snrHz: number): number {
  if (!(bandwidthHz > 0)) return 0;
  return (bandwidthHz * Math.log1p(snrHz / bandwidthHz)) / LN2;
}

/**
 * Smallest bandwidth b with r(b) ≥ rate; +∞ when rate ≥ sup r = γ/ln2. With x = γ/b the equation
 * is ln(1+x) = q·x, q = rate·ln2/γ ∈ (0, 1): concave in x, so Newton from the right of the root
 * decreases monotonically onto it.
 */
export function bandwidthForRateHz(rateBps: number, snrHz: number): number {
  if (!(rateBps > 0)) return 0;
  const q = (rateBps * LN2) / snrHz;
  if (!(q < 1)) return Infinity;
  let x = Math.max(1, (2 / q) * Math.log1p(2 / q));
  while (Math.log1p(x) - q * x > 0) x *= 2;
  for (let it = 0; it < 200; it++) {
    const phi = Math.log1p(x) - q * x;
    const dphi = 1 / (1 + x) - q;
    const next = x - phi / dphi;
    if (!(next > 0) || !Number.isFinite(next)) break;
    const done = Math.abs(next - x) <= 1e-13 * x;
    x = next;
    if (done) break;
  }
  // Newton stops at or right of the root (b at or below the need): nudge b up to stay feasible.
  const b = snrHz / x;
  return b * (1 + 1e-12);
}

/** Prefix/suffix tables of an instance: everything the solvers ask many times, in O(1). */
export class BlocksModel {
  readonly J: number;
  readonly K: number;
  /** Σ_i φ_i: every device runs the full forward pass */
  readonly forwardFlops: number;
  /** backSuffix[l] = Σ_{i ≥ l} β_i for l = 1..J+1 */
  readonly backSuffix: Float64Array;
  /** actSuffix[l] = Σ_{i ≥ l} a_i */
  readonly actSuffix: Float64Array;
  /** bitsPrefix[j] = Σ_{i ≤ j} σ_i */
  readonly bitsPrefix: Float64Array;
  /** γ_k = g_k·p_k / N0 (Hz) */
  readonly snrHz: Float64Array;
  /** shallowest depth device k can hold within its memory; J+1 when none */
  readonly minDepth: Int32Array;

  constructor(readonly instance: BlocksInstance) {
    const { blocks, devices } = instance;
    const J = blocks.length;
    this.J = J;
    this.K = devices.length;
    this.forwardFlops = blocks.reduce((s, b) => s + b.forwardFlops, 0);
    this.backSuffix = new Float64Array(J + 2);
    this.actSuffix = new Float64Array(J + 2);
    for (let l = J; l >= 1; l--) {
      this.backSuffix[l] = this.backSuffix[l + 1] + blocks[l - 1].backwardFlops;
      this.actSuffix[l] = this.actSuffix[l + 1] + blocks[l - 1].activationBytes;
    }
    this.bitsPrefix = new Float64Array(J + 1);
    for (let j = 1; j <= J; j++) this.bitsPrefix[j] = this.bitsPrefix[j - 1] + blocks[j - 1].bits;
    this.snrHz = Float64Array.from(devices, (d) => (d.channelGain * d.powerW) / instance.noiseWPerHz);
    this.minDepth = Int32Array.from(devices, (d) => {
      let l = J + 1;
      while (l > 1 && this.memoryBytes(l - 1) <= d.memoryBytes) l--;
      return l;
    });
  }

  /** memory m(S) of a set whose shallowest depth is l */
  memoryBytes(l: number): number {
    return this.instance.weightBytes + this.actSuffix[l];
  }

  /** FLOPs c(S) of a set whose shallowest depth is l */
  computeFlops(l: number): number {
    return this.forwardFlops + this.backSuffix[l];
  }

  computeS(k: number, l: number): number {
    return this.computeFlops(l) / this.instance.devices[k].flopsPerSecond;
  }

  bits(blocks: number[]): number {
    let s = 0;
    for (const j of blocks) s += this.instance.blocks[j - 1].bits;
    return s;
  }

  /** bits of the contiguous depths from..to */
  rangeBits(from: number, to: number): number {
    return this.bitsPrefix[to] - this.bitsPrefix[from - 1];
  }

  /** Bandwidth device k needs to hold a set (shallowest l, σ bits) within latency T; ∞ if it cannot. */
  needHz(k: number, l: number, bits: number, latencyS: number): number {
    if (l < this.minDepth[k]) return Infinity;
    const slack = latencyS - this.computeS(k, l);
    if (bits <= 0) return slack >= 0 ? 0 : Infinity;
    if (!(slack > 0)) return Infinity;
    return bandwidthForRateHz(bits / slack, this.snrHz[k]);
  }

  /** Latency T_k of device k with a set (shallowest l, σ bits) and bandwidth b. */
  latencyS(k: number, l: number, bits: number, bandwidthHz: number): { computeS: number; uploadS: number } {
    const computeS = this.computeS(k, l);
    const uploadS = bits <= 0 ? 0 : bits / uplinkRateBps(bandwidthHz, this.snrHz[k]);
    return { computeS, uploadS };
  }
}

interface DeviceLoad {
  /** shallowest depth held; 0 when the device holds nothing */
  shallowest: number;
  bits: number;
}

function loadsOf(model: BlocksModel, assignment: BlockAssignment): DeviceLoad[] {
  return assignment.map((blocks) => ({
    shallowest: blocks.length === 0 ? 0 : Math.min(...blocks),
    bits: model.bits(blocks),
  }));
}

export interface SplitEvaluation {
  roundLatencyS: number;
  bandwidthHz: number[];
  computeS: number[];
  uploadS: number[];
  latencyS: number[];
}

/**
 * The round latency of an assignment under its optimal bandwidth split: the smallest T with
 * Σ_k need_k(T) ≤ W (each need is continuous and decreasing in T), found by bisection, and the
 * split b_k = need_k(T). Memory caps are not checked here.
 */
export function evaluateOptimalSplit(model: BlocksModel, assignment: BlockAssignment): SplitEvaluation {
  const loads = loadsOf(model, assignment);
  const W = model.instance.bandwidthHz;
  const K = loads.length;
  const used = loads.map((x) => x.shallowest > 0);
  // No device is limited by memory inside this evaluation: drop the memory gate of needHz.
  const need = (k: number, T: number): number => {
    const { shallowest, bits } = loads[k];
    const slack = T - model.computeS(k, shallowest);
    if (bits <= 0) return slack >= 0 ? 0 : Infinity;
    if (!(slack > 0)) return Infinity;
    return bandwidthForRateHz(bits / slack, model.snrHz[k]);
  };
  let lo = 0;
  for (let k = 0; k < K; k++) {
    if (!used[k]) continue;
    const { shallowest, bits } = loads[k];
    lo = Math.max(lo, model.computeS(k, shallowest) + (bits * LN2) / model.snrHz[k]);
  }
  const sumNeed = (T: number) => {
    let s = 0;
    for (let k = 0; k < K; k++) if (used[k]) s += need(k, T);
    return s;
  };
  let hi = lo > 0 ? lo * 2 : 1;
  for (let it = 0; it < 2000 && !(sumNeed(hi) <= W); it++) hi = hi * 2 + 1e-9;
  for (let it = 0; it < 200 && hi - lo > 1e-13 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (sumNeed(mid) <= W) hi = mid;
    else lo = mid;
  }
  return breakdown(
    model,
    loads,
    loads.map((_, k) => (used[k] ? need(k, hi) : 0)),
  );
}

/** Per-device compute, upload and total latency at given bandwidths; devices without blocks are 0. */
function breakdown(model: BlocksModel, loads: ReturnType<typeof loadsOf>, bandwidthHz: number[]): SplitEvaluation {
  const computeS: number[] = [];
  const uploadS: number[] = [];
  const latencyS: number[] = [];
  for (let k = 0; k < loads.length; k++) {
    if (loads[k].shallowest === 0) {
      computeS.push(0);
      uploadS.push(0);
      latencyS.push(0);
      continue;
    }
    const t = model.latencyS(k, loads[k].shallowest, loads[k].bits, bandwidthHz[k]);
    computeS.push(t.computeS);
    uploadS.push(t.uploadS);
    latencyS.push(t.computeS + t.uploadS);
  }
  return { roundLatencyS: Math.max(0, ...latencyS), bandwidthHz, computeS, uploadS, latencyS };
}

/** Round latency of an assignment with a fixed bandwidth per device (equal-bandwidth baseline). */
export function evaluateFixedSplit(model: BlocksModel, assignment: BlockAssignment, bandwidthHz: number[]): SplitEvaluation {
  const loads = loadsOf(model, assignment);
  return breakdown(
    model,
    loads,
    loads.map((l, k) => (l.shallowest > 0 ? bandwidthHz[k] : 0)),
  );
}
