import { describe, expect, it } from 'vitest';
import { InputError } from '../src/model/normalize.js';
import { normalizeBlocksRequest } from '../src/blocks/index.js';
import { BlocksModel, bandwidthForRateHz, evaluateOptimalSplit, uplinkRateBps } from '../src/blocks/cost.js';
import type { BlocksRequest } from '../src/blocks/request.js';

const base = (): BlocksRequest => ({
  model: {
    blocks: [
      { forwardFlops: 1e9, backwardFlops: 2e9, activationBytes: 100, bits: 1e6 },
      { forwardFlops: 2e9, backwardFlops: 3e9, activationBytes: 200, bits: 2e6 },
      { forwardFlops: 3e9, backwardFlops: 4e9, activationBytes: 300, bits: 3e6 },
    ],
    weightBytes: 1000,
  },
  devices: [
    { id: 'a', flopsPerSecond: 1e10, memoryBytes: 1600, powerW: 1, channelGain: 1e-10 },
    { id: 'b', flopsPerSecond: 2e10, memoryBytes: 1300, powerW: 0.5, channelGain: 2e-10 },
  ],
  bandwidthHz: 1e6,
});

describe('normalizeBlocksRequest', () => {
  it('derives the docs/model.md §2 per-layer quantities of a transformer', () => {
    const { instance, options } = normalizeBlocksRequest({
      model: { layers: 12, hiddenSize: 768, tokens: 128, batchSize: 16 },
      devices: base().devices,
      bandwidthHz: 2e7,
    });
    const [B, d, h, s, r] = [16, 128, 768, 2, 16];
    const phi = 24 * B * d * h * h + 4 * B * d * d * h;
    expect(instance.blocks).toHaveLength(12);
    expect(instance.blocks[5]).toEqual({
      forwardFlops: phi,
      backwardFlops: 2 * phi,
      activationBytes: B * d * (34 * h + 5 * 12 * d),
      bits: 4 * r * h * 8 * s,
    });
    expect(instance.weightBytes).toBe(12 * 12 * h * h * s);
    expect(instance.noiseWPerHz).toBeCloseTo(10 ** -20.4, 30);
    expect(options).toEqual({ timeLimitMs: 2000, baselines: true, maxBlocksPerDevice: null, relativeGap: 1e-4 });
  });

  it('options.relativeGap: default 1e-4, 0 allowed, gapTolerance accepted as its former name, relativeGap wins', () => {
    const gapOf = (options: BlocksRequest['options']) => normalizeBlocksRequest({ ...base(), options }).options.relativeGap;
    expect(gapOf({})).toBe(1e-4);
    expect(gapOf({ relativeGap: 0 })).toBe(0);
    expect(gapOf({ gapTolerance: 0.01 })).toBe(0.01);
    expect(gapOf({ relativeGap: 0.002, gapTolerance: 0.01 })).toBe(0.002);
  });

  it('names the offending field', () => {
    const bad = (mut: (r: BlocksRequest) => void, field: string) => {
      const r = base();
      mut(r);
      try {
        normalizeBlocksRequest(r);
        throw new Error('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).field).toBe(field);
      }
    };
    bad((r) => ((r.model as { blocks: { bits: number }[] }).blocks[1].bits = NaN), 'model.blocks[1].bits');
    bad((r) => (r.devices[1].flopsPerSecond = 0), 'devices[1].flopsPerSecond');
    bad((r) => (r.devices[1].id = 'a'), 'devices[1].id');
    bad((r) => (r.bandwidthHz = Infinity), 'bandwidthHz');
    bad((r) => (r.options = { maxBlocksPerDevice: 0 }), 'options.maxBlocksPerDevice');
    bad((r) => (r.options = { relativeGap: -1e-3 }), 'options.relativeGap');
    bad((r) => (r.options = { relativeGap: 1.5, gapTolerance: 0.1 }), 'options.relativeGap');
    bad((r) => (r.options = { gapTolerance: Number.NaN }), 'options.gapTolerance');
    bad((r) => (r.channel = { noiseDbmPerHz: Number.NaN }), 'channel.noiseDbmPerHz');
    bad((r) => (r.model = { layers: 0, hiddenSize: 8, tokens: 8, batchSize: 1 }), 'model.layers');
  });
});

describe('block cost model', () => {
  const { instance } = normalizeBlocksRequest(base());
  const m = new BlocksModel(instance);

  it('compute, memory and bits follow the shallowest block', () => {
    // Σφ = 6e9; from depth 2: β2 + β3 = 7e9
    expect(m.computeFlops(2)).toBe(13e9);
    expect(m.computeFlops(1)).toBe(15e9);
    expect(m.computeS(1, 2)).toBeCloseTo(13e9 / 2e10, 15);
    expect(m.memoryBytes(1)).toBe(1600);
    expect(m.memoryBytes(3)).toBe(1300);
    // a holds everything (1600 ≤ 1600); b only depth 3 (1300)
    expect(Array.from(m.minDepth)).toEqual([1, 3]);
    expect(m.bits([1, 3])).toBe(4e6);
  });

  it('Shannon rate and its inverse', () => {
    const snr = (1e-10 * 1) / instance.noiseWPerHz;
    const b = 3e5;
    const r = uplinkRateBps(b, snr);
    expect(r).toBeCloseTo(b * Math.log2(1 + snr / b), 6);
    expect(bandwidthForRateHz(r, snr) / b).toBeCloseTo(1, 9);
    expect(bandwidthForRateHz(snr / Math.LN2, snr)).toBe(Infinity);
    expect(bandwidthForRateHz(0, snr)).toBe(0);
  });

  it('closed form: one device with all blocks uses all the bandwidth', () => {
    const ev = evaluateOptimalSplit(m, [[1, 2, 3], []]);
    const snr = (1e-10 * 1) / instance.noiseWPerHz;
    const expected = 15e9 / 1e10 + 6e6 / (1e6 * Math.log2(1 + snr / 1e6));
    expect(ev.roundLatencyS).toBeCloseTo(expected, 9);
    expect(ev.bandwidthHz[0]).toBeCloseTo(1e6, 3);
    expect(ev.bandwidthHz[1]).toBe(0);
    expect(ev.latencyS[1]).toBe(0);
  });

  it('optimal split equalises the latencies of the devices that upload', () => {
    const ev = evaluateOptimalSplit(m, [[1, 2], [3]]);
    expect(ev.latencyS[0]).toBeCloseTo(ev.latencyS[1], 9);
    expect(ev.bandwidthHz[0] + ev.bandwidthHz[1]).toBeLessThanOrEqual(1e6 * (1 + 1e-12));
    expect(ev.computeS[0]).toBeCloseTo(15e9 / 1e10, 12);
    expect(ev.computeS[1]).toBeCloseTo((6e9 + 4e9) / 2e10, 12);
  });
});
