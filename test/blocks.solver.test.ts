import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initGlpk } from '../src/solver/math/glpk.js';
import { normalizeBlocksRequest, solveBlocks } from '../src/blocks/index.js';
import type { BlocksRequest } from '../src/blocks/request.js';
import type { BlocksInput, BlocksResult } from '../src/blocks/types.js';
import { enumerate, fromInput, latencyRef, load, mipOptimum, sum } from './reference/blocks.js';

beforeAll(async () => {
  await initGlpk();
});

// ---- instances ----

const deviceArb = fc.record({
  tflops: fc.double({ min: 0.2, max: 5, noNaN: true }),
  memFrac: fc.double({ min: 0.5, max: 1.3, noNaN: true }),
  powerW: fc.double({ min: 0.1, max: 1, noNaN: true }),
  distanceM: fc.double({ min: 20, max: 600, noNaN: true }),
});
const blockArb = fc.record({
  gflops: fc.double({ min: 10, max: 500, noNaN: true }),
  back: fc.double({ min: 1, max: 3, noNaN: true }),
  mb: fc.double({ min: 10, max: 400, noNaN: true }),
  mbits: fc.double({ min: 0.1, max: 30, noNaN: true }),
});
const instanceArb = fc.record({
  devices: fc.array(deviceArb, { minLength: 1, maxLength: 4 }),
  blocks: fc.array(blockArb, { minLength: 1, maxLength: 6 }),
  bandwidthMHz: fc.double({ min: 0.2, max: 20, noNaN: true }),
  cap: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 1 }),
});

type Shape = typeof instanceArb extends fc.Arbitrary<infer T> ? T : never;

/** device 0 can always hold the whole model; caps still make some instances infeasible */
function toRequest(x: Shape): BlocksRequest {
  const weightBytes = 500e6;
  const fullMemory = weightBytes + sum(x.blocks.map((b) => b.mb * 1e6));
  return {
    model: {
      blocks: x.blocks.map((b) => ({
        forwardFlops: b.gflops * 1e9,
        backwardFlops: b.back * b.gflops * 1e9,
        activationBytes: b.mb * 1e6,
        bits: b.mbits * 1e6,
      })),
      weightBytes,
    },
    devices: x.devices.map((d, i) => ({
      id: `d${i}`,
      flopsPerSecond: d.tflops * 1e12,
      memoryBytes: (i === 0 ? Math.max(d.memFrac, 1 + 1e-9) : d.memFrac) * fullMemory,
      powerW: d.powerW,
      channelGain: 10 ** (-(128.1 + 37.6 * Math.log10(d.distanceM / 1000)) / 10),
    })),
    bandwidthHz: x.bandwidthMHz * 1e6,
    options: { timeLimitMs: 20000, ...(x.cap !== undefined ? { maxBlocksPerDevice: x.cap } : {}) },
  };
}

function checkResult(input: BlocksInput, res: BlocksResult) {
  const inst = fromInput(input);
  const J = inst.phi.length;
  const seen = new Array<number>(J + 1).fill(0);
  expect(res.assignments.map((a) => a.deviceId)).toEqual(input.instance.devices.map((d) => d.id));
  res.assignments.forEach((a, k) => {
    a.blocks.forEach((j) => seen[j]++);
    if (a.blocks.length) {
      expect(a.memoryBytes).toBeLessThanOrEqual(inst.devs[k].mem);
      expect(a.memoryBytes).toBeCloseTo(load(inst, k, a.blocks).memory, 0);
      expect(a.blocks.length).toBeLessThanOrEqual(inst.cap);
      expect(a.latencyS).toBeLessThanOrEqual(res.roundLatencyS! * (1 + 1e-12));
      expect(a.latencyS).toBeCloseTo(a.computeS + a.uploadS, 12);
    } else {
      expect(a.bandwidthHz).toBe(0);
      expect(a.latencyS).toBe(0);
    }
  });
  expect(seen.slice(1).every((c) => c === 1)).toBe(true);
  expect(sum(res.assignments.map((a) => a.bandwidthHz))).toBeLessThanOrEqual(inst.W * (1 + 1e-9));
  expect(res.bound!).toBeLessThanOrEqual(res.roundLatencyS! * (1 + 1e-12));
  for (const b of res.baselines) if (b.roundLatencyS !== null) expect(res.roundLatencyS!).toBeLessThanOrEqual(b.roundLatencyS * (1 + 1e-9));
}

describe('solveBlocks on small instances', () => {
  it('matches exhaustive enumeration and the GLPK MIP optimum (exact path)', () => {
    fc.assert(
      fc.property(instanceArb, (x) => {
        const input = normalizeBlocksRequest(toRequest(x));
        const res = solveBlocks(input);
        const inst = fromInput(input);
        const exact = enumerate(inst);
        if (res.status === 'INFEASIBLE') {
          expect(exact).toBe(Infinity);
          expect(res.infeasibilities!.length).toBeGreaterThan(0);
          return;
        }
        checkResult(input, res);
        expect(res.roundLatencyS! / exact).toBeCloseTo(1, 6);
        if (input.instance.devices.length ** input.instance.blocks.length <= 4096) expect(res.status).toBe('OPTIMAL');
        expect(
          latencyRef(
            inst,
            res.assignments.map((a) => a.blocks),
          ) / res.roundLatencyS!,
        ).toBeCloseTo(1, 6);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('GLPK MIP of the integer program agrees with enumeration', () => {
    fc.assert(
      fc.property(
        instanceArb.filter((x) => x.blocks.length <= 5 && x.devices.length <= 3),
        (x) => {
          const input = normalizeBlocksRequest(toRequest(x));
          const inst = fromInput(input);
          const exact = enumerate(inst);
          if (!Number.isFinite(exact)) return;
          expect(mipOptimum(inst) / exact).toBeCloseTo(1, 6);
        },
      ),
      { numRuns: 15, seed: 7 },
    );
  });

  it('heuristic path (no enumeration): feasible, valid bound, never worse than a baseline, near the optimum', () => {
    const ratios: number[] = [];
    fc.assert(
      fc.property(instanceArb, (x) => {
        const input = normalizeBlocksRequest(toRequest(x));
        const res = solveBlocks(input, { exhaustiveLimit: 0 });
        const exact = enumerate(fromInput(input));
        if (res.status === 'INFEASIBLE') {
          expect(exact).toBe(Infinity);
          return;
        }
        checkResult(input, res);
        expect(res.bound!).toBeLessThanOrEqual(exact * (1 + 1e-9));
        expect(res.roundLatencyS!).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
        ratios.push(res.roundLatencyS! / exact);
      }),
      { numRuns: 100, seed: 1 },
    );
    const worst = Math.max(...ratios);
    const exactShare = ratios.filter((r) => r < 1 + 1e-6).length / ratios.length;
    console.log(`heuristic vs exact: worst ratio ${worst.toFixed(4)}, exact in ${(100 * exactShare).toFixed(0)}% of ${ratios.length}`);
    expect(worst).toBeLessThan(1.1);
  });

  it('reports INFEASIBLE naming the blocks no device can hold', () => {
    const req: BlocksRequest = {
      model: {
        blocks: [
          { forwardFlops: 1e9, backwardFlops: 2e9, activationBytes: 500, bits: 1e6 },
          { forwardFlops: 1e9, backwardFlops: 2e9, activationBytes: 500, bits: 1e6 },
          { forwardFlops: 1e9, backwardFlops: 2e9, activationBytes: 500, bits: 1e6 },
        ],
        weightBytes: 1000,
      },
      devices: [
        { id: 'a', flopsPerSecond: 1e10, memoryBytes: 2000, powerW: 1, channelGain: 1e-10 },
        { id: 'b', flopsPerSecond: 1e10, memoryBytes: 1600, powerW: 1, channelGain: 1e-10 },
      ],
      bandwidthHz: 1e6,
    };
    const res = solveBlocks(normalizeBlocksRequest(req));
    expect(res.status).toBe('INFEASIBLE');
    expect(res.infeasibilities).toEqual([expect.objectContaining({ constraint: 'memory', blocks: [1] })]);
    const capped = solveBlocks(
      normalizeBlocksRequest({ ...req, devices: req.devices.map((d) => ({ ...d, memoryBytes: 1e9 })), options: { maxBlocksPerDevice: 1 } }),
    );
    expect(capped.status).toBe('INFEASIBLE');
    expect(capped.infeasibilities).toEqual([expect.objectContaining({ constraint: 'maxBlocksPerDevice', blocks: [3] })]);
  });
});
