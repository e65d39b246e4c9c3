// BlocksRequest → BlocksInput: apply the defaults of docs/model.md §2, derive the per-layer quantities of a
// transformer description, and check what a JSON schema cannot. Throws InputError naming the field.

import { DEFAULTS, MAX_TIME_LIMIT_MS, dbmPerHzToWPerHz } from '../model/defaults.js';
import { minBlocksTimeLimitMs } from '../model/time-floor.js';
import { InputError, relativeGapOf } from '../model/normalize.js';
import type { BlockSpec, BlocksRequest, TransformerBlocksModel } from './request.js';
import type { Block, BlocksDevice, BlocksInput, BlocksOptions } from './types.js';

/** Largest sizes we accept: the exact-bandwidth tables are K·J² entries. */
export const MAX_BLOCKS = 512;
export const MAX_DEVICES = 1024;

function check(cond: boolean, field: string, reason: string): asserts cond {
  if (!cond) throw new InputError(field, reason);
}

function finite(value: unknown, field: string): number {
  check(typeof value === 'number' && Number.isFinite(value), field, 'must be a finite number');
  return value as number;
}

function positive(value: unknown, field: string): number {
  const v = finite(value, field);
  check(v > 0, field, 'must be > 0');
  return v;
}

function nonNegative(value: unknown, field: string): number {
  const v = finite(value, field);
  check(v >= 0, field, 'must be >= 0');
  return v;
}

/**
 * A count of FLOPs, bytes or bits: 0, or at least 1. A fraction of a bit is no physical size, and
 * denormal sizes underflow the rate arithmetic (5e-324 bits made a zero rate and an infinite upload).
 */
function countOrZero(value: unknown, field: string): number {
  const v = nonNegative(value, field);
  check(v === 0 || v >= 1, field, 'must be 0 or at least 1');
  return v;
}

function integerIn(value: unknown, lo: number, hi: number, field: string): number {
  const v = finite(value, field);
  check(Number.isInteger(v), field, 'must be an integer');
  check(v >= lo && v <= hi, field, `must be between ${lo} and ${hi}`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Per-layer quantities (docs/model.md §2) of a transformer (one LoRA block on q and v per layer). */
export function transformerBlocks(m: Required<TransformerBlocksModel>): { blocks: Block[]; weightBytes: number } {
  const { layers, hiddenSize: h, tokens: d, batchSize: B, bytesPerActivation: s, adapterRank: r } = m;
  const heads = Math.max(1, h / 64);
  const forwardFlops = 24 * B * d * h * h + 4 * B * d * d * h;
  const block: Block = {
    forwardFlops,
    backwardFlops: 2 * forwardFlops,
    activationBytes: B * d * (34 * h + 5 * heads * d),
    bits: 4 * r * h * 8 * s,
  };
  return { blocks: Array.from({ length: layers }, () => ({ ...block })), weightBytes: layers * 12 * h * h * s };
}

function normalizeModel(model: unknown): { blocks: Block[]; weightBytes: number } {
  check(isObject(model), 'model', 'must be an object');
  if ('blocks' in model) {
    check(!('layers' in model), 'model', 'give either blocks (explicit) or layers (transformer), not both');
    const list = model.blocks;
    check(Array.isArray(list) && list.length >= 1, 'model.blocks', 'must be a non-empty array');
    check(list.length <= MAX_BLOCKS, 'model.blocks', `at most ${MAX_BLOCKS} blocks`);
    const blocks = (list as BlockSpec[]).map((b, i) => {
      const path = `model.blocks[${i}]`;
      check(isObject(b), path, 'must be an object');
      return {
        forwardFlops: countOrZero(b.forwardFlops, `${path}.forwardFlops`),
        backwardFlops: countOrZero(b.backwardFlops, `${path}.backwardFlops`),
        activationBytes: countOrZero(b.activationBytes, `${path}.activationBytes`),
        bits: countOrZero(b.bits, `${path}.bits`),
      };
    });
    return { blocks, weightBytes: countOrZero(model.weightBytes, 'model.weightBytes') };
  }
  const m = model as Partial<TransformerBlocksModel>;
  return transformerBlocks({
    layers: integerIn(m.layers, 1, MAX_BLOCKS, 'model.layers'),
    hiddenSize: integerIn(m.hiddenSize, 1, 1e6, 'model.hiddenSize'),
    tokens: integerIn(m.tokens, 1, 1e7, 'model.tokens'),
    batchSize: integerIn(m.batchSize, 1, 1e6, 'model.batchSize'),
    bytesPerActivation: positive(m.bytesPerActivation ?? DEFAULTS.bytesPerActivation, 'model.bytesPerActivation'),
    adapterRank: positive(m.adapterRank ?? DEFAULTS.adapterRank, 'model.adapterRank'),
  });
}

function normalizeDevices(devices: unknown): BlocksDevice[] {
  check(Array.isArray(devices) && devices.length >= 1, 'devices', 'must be a non-empty array');
  check(devices.length <= MAX_DEVICES, 'devices', `at most ${MAX_DEVICES} devices`);
  const seen = new Set<string>();
  return devices.map((d: unknown, i) => {
    const path = `devices[${i}]`;
    check(isObject(d), path, 'must be an object');
    check(typeof d.id === 'string' && d.id.length > 0, `${path}.id`, 'must be a non-empty string');
    check(!seen.has(d.id), `${path}.id`, `duplicate device id "${d.id}"`);
    seen.add(d.id);
    return {
      id: d.id,
      flopsPerSecond: positive(d.flopsPerSecond, `${path}.flopsPerSecond`),
      memoryBytes: countOrZero(d.memoryBytes, `${path}.memoryBytes`),
      powerW: positive(d.powerW, `${path}.powerW`),
      channelGain: positive(d.channelGain, `${path}.channelGain`),
    };
  });
}

export function normalizeBlocksRequest(body: BlocksRequest): BlocksInput {
  check(isObject(body), 'body', 'must be an object');
  const { blocks, weightBytes } = normalizeModel(body.model);
  const devices = normalizeDevices(body.devices);
  const bandwidthHz = positive(body.bandwidthHz, 'bandwidthHz');
  const channel = body.channel ?? {};
  check(isObject(channel), 'channel', 'must be an object');
  const noiseDbmPerHz = finite(channel.noiseDbmPerHz ?? DEFAULTS.noiseDbmPerHz, 'channel.noiseDbmPerHz');
  const noiseWPerHz = dbmPerHzToWPerHz(noiseDbmPerHz);
  check(noiseWPerHz > 0 && Number.isFinite(noiseWPerHz), 'channel.noiseDbmPerHz', 'gives a noise density that is zero or infinite');

  const o = body.options ?? {};
  check(isObject(o), 'options', 'must be an object');
  check(o.baselines === undefined || typeof o.baselines === 'boolean', 'options.baselines', 'must be a boolean');
  const options: BlocksOptions = {
    timeLimitMs: integerIn(o.timeLimitMs ?? DEFAULTS.timeLimitMs, 1, MAX_TIME_LIMIT_MS, 'options.timeLimitMs'),
    baselines: o.baselines ?? DEFAULTS.baselines,
    maxBlocksPerDevice:
      o.maxBlocksPerDevice === undefined ? null : integerIn(o.maxBlocksPerDevice, 1, MAX_BLOCKS, 'options.maxBlocksPerDevice'),
    relativeGap: relativeGapOf(o),
  };
  const floorMs = minBlocksTimeLimitMs(devices.length, blocks.length);
  check(
    options.timeLimitMs >= floorMs,
    'options.timeLimitMs',
    `must be at least ${floorMs} ms for ${devices.length} devices × ${blocks.length} blocks (docs/time-limits.md)`,
  );
  return { instance: { blocks, weightBytes, devices, bandwidthHz, noiseWPerHz }, options };
}
