// The band bound (src/blocks/band-bound.ts): a valid lower bound on the optimal round latency at any
// size, against enumeration (test/reference/blocks.ts, independent of src/blocks) on small instances
// with equal and unequal bits, caps and memory limits; and well above the compute floor where
// uploads dominate (the relaxation path's instances, where it was the only bound).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bandBoundS } from '../src/blocks/band-bound.js';
import { computeLowerS } from '../src/blocks/certify.js';
import { BlocksModel } from '../src/blocks/cost.js';
import { generateBlocksRequest } from '../src/blocks/generator.js';
import { normalizeBlocksRequest, solveBlocks } from '../src/blocks/index.js';
import type { BlocksRequest } from '../src/blocks/request.js';
import { gainFromDistanceM } from '../src/model/defaults.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { enumerate, fromInput } from './reference/blocks.js';

beforeAll(async () => {
  await initGlpk();
});

const smallArb = fc.record({
  devices: fc.array(
    fc.record({
      tflops: fc.double({ min: 0.2, max: 5, noNaN: true }),
      memFrac: fc.double({ min: 0.5, max: 1.3, noNaN: true }),
      powerW: fc.double({ min: 0.1, max: 1, noNaN: true }),
      distanceM: fc.double({ min: 20, max: 600, noNaN: true }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  blocks: fc.array(
    fc.record({ gflops: fc.double({ min: 10, max: 500, noNaN: true }), mbits: fc.double({ min: 0.1, max: 30, noNaN: true }) }),
    {
      minLength: 1,
      maxLength: 5,
    },
  ),
  equalBits: fc.boolean(),
  mb: fc.double({ min: 10, max: 400, noNaN: true }),
  bandwidthMHz: fc.double({ min: 0.2, max: 20, noNaN: true }),
  cap: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }),
});

function smallRequest(x: typeof smallArb extends fc.Arbitrary<infer T> ? T : never): BlocksRequest {
  const weightBytes = 500e6;
  const fullMemory = weightBytes + x.blocks.length * x.mb * 1e6;
  return {
    model: {
      blocks: x.blocks.map((b) => ({
        forwardFlops: b.gflops * 1e9,
        backwardFlops: 2 * b.gflops * 1e9,
        activationBytes: x.mb * 1e6,
        bits: (x.equalBits ? x.blocks[0].mbits : b.mbits) * 1e6,
      })),
      weightBytes,
    },
    devices: x.devices.map((d, i) => ({
      id: `d${i}`,
      flopsPerSecond: d.tflops * 1e12,
      memoryBytes: (i === 0 ? Math.max(d.memFrac, 1 + 1e-9) : d.memFrac) * fullMemory,
      powerW: d.powerW,
      channelGain: gainFromDistanceM(d.distanceM),
    })),
    bandwidthHz: x.bandwidthMHz * 1e6,
    options: { timeLimitMs: 20000, ...(x.cap !== undefined ? { maxBlocksPerDevice: x.cap } : {}) },
  };
}

describe('band bound', () => {
  it('never exceeds the enumerated optimum, and often rises above the compute floor', () => {
    let above = 0;
    let runs = 0;
    fc.assert(
      fc.property(smallArb, (x) => {
        const input = normalizeBlocksRequest(smallRequest(x));
        const exact = enumerate(fromInput(input));
        if (!Number.isFinite(exact)) return;
        runs++;
        const model = new BlocksModel(input.instance);
        const cap = input.options.maxBlocksPerDevice ?? model.J;
        const floor = computeLowerS(model);
        const bound = bandBoundS(model, cap, floor, 4 * exact, Infinity);
        expect(bound).toBeLessThanOrEqual(exact * (1 + 1e-9));
        if (bound > floor * (1 + 1e-3)) above++;
      }),
      { numRuns: 150, seed: 17 },
    );
    expect(above).toBeGreaterThan(runs / 2);
  });

  it('256 devices × 256 blocks where uploads dominate: the answer carries a bound well above the compute floor', () => {
    const request = generateBlocksRequest(4257, {
      model: { layers: 256, hiddenSize: 1024, tokens: 128, batchSize: 4 },
      devices: 256,
      tflops: [5, 40],
      memoryGB: [16, 48],
    });
    const input = normalizeBlocksRequest(request);
    const res = solveBlocks(input);
    const floor = computeLowerS(new BlocksModel(input.instance));
    expect(res.certificate).toMatchObject({ method: 'relaxation', stoppedBy: 'size' });
    expect(res.bound!).toBeGreaterThan(2 * floor);
    expect(res.bound!).toBeLessThanOrEqual(res.roundLatencyS!);
  });
});
