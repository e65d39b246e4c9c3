// Cost primitives of docs/model.md §1.2 and §1.5: FLOPs, rates, per-mode workloads and memory.

import type { Device, Instance, TrainingMode } from './types.js';

/** ψ = 72·B·d·h² + 12·B·d²·h: forward, backward and recomputation FLOPs of one layer. */
export function layerTrainingFlops(batchSize: number, tokens: number, hiddenSize: number): number {
  return 72 * batchSize * tokens * hiddenSize ** 2 + 12 * batchSize * tokens ** 2 * hiddenSize;
}

function attentionHeads(hiddenSize: number): number {
  return Math.max(1, hiddenSize / 64);
}

/** a = B·d·(34·h + 5·H·d): activation bytes of one layer at 16-bit, no recomputation. */
export function activationBytesPerLayer(batchSize: number, tokens: number, hiddenSize: number): number {
  return batchSize * tokens * (34 * hiddenSize + 5 * attentionHeads(hiddenSize) * tokens);
}

/** Shannon rate of an FDMA uplink, bits/s. */
export function uplinkRateBps(bandwidthHz: number, gain: number, powerW: number, noiseWPerHz: number): number {
  if (bandwidthHz <= 0) return 0;
  // log1p: at low SNR, 1 + x would drop the digits of x that the rate is made of.
  return (bandwidthHz * Math.log1p((gain * powerW) / (noiseWPerHz * bandwidthHz))) / Math.LN2;
}

/** What one training step of a device costs in a mode, before frequencies and shares are set. */
export interface ModeWorkload {
  /** ζ for zeroth-order, 1 for backprop: multiplies the whole step's delay and energy */
  stepMultiplier: number;
  /** device FLOPs per local layer per step */
  localFlopsPerLayer: number;
  /** bits uploaded per step */
  uplinkBits: number;
  /** server FLOPs per server-side layer per step */
  edgeFlopsPerLayer: number;
  /** fixed per-step delay on the device (zeroth-order call overhead), seconds */
  overheadS: number;
}

export function modeWorkload(instance: Instance, device: Device, mode: TrainingMode): ModeWorkload {
  if (mode.kind === 'backprop') {
    return {
      stepMultiplier: 1,
      localFlopsPerLayer: device.layerFlops,
      uplinkBits: device.uplinkBits,
      edgeFlopsPerLayer: device.layerFlops,
      overheadS: 0,
    };
  }
  const forwardFlops = device.layerFlops / 3;
  return {
    stepMultiplier: instance.zerothOrderStepMultiplier,
    localFlopsPerLayer: 2 * forwardFlops,
    uplinkBits: 2 * device.uplinkBits,
    edgeFlopsPerLayer: 2 * device.layerFlops,
    overheadS: ((2 * mode.queries) / mode.parallelism) * device.callOverheadS,
  };
}

/** Memory (docs/model.md §1.5) of `splitLayer` local layers in a mode, bytes. */
export function peakMemoryBytes(instance: Instance, device: Device, splitLayer: number, mode: TrainingMode): number {
  const w = instance.weightBytesPerLayer;
  const A = instance.adapterParamsPerLayer;
  const s = instance.bytesPerActivation;
  if (mode.kind === 'backprop') return splitLayer * (w + device.activationBytesPerLayer + 16 * A);
  const h = instance.hiddenSize;
  const d = device.tokens;
  const samplesPerCall = (mode.parallelism * instance.batchSize) / mode.queries;
  const workingSet = samplesPerCall * d * (18 * h + attentionHeads(h) * d) * s;
  return splitLayer * (w + 2 * mode.queries * A * s) + workingSet;
}

/** 2L² / (k·(1 − α/Υ)): average-replace-one stability bound. */
export function stabilityBound(instance: Instance, device: Device, splitLayer: number): number {
  return (2 * instance.lipschitz ** 2) / (device.samples * (1 - splitLayer / instance.layers));
}

export function modeKey(mode: TrainingMode): string {
  return mode.kind === 'backprop' ? 'bp' : `zo:${mode.queries}:${mode.parallelism}`;
}
