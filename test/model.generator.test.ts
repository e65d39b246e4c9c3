// The seeded instance generator (src/model/generator.ts): deterministic, inside the
// publication's simulation ranges (docs/model.md §3), accepted by normalize(), and the shipped
// example is what it generates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateRequest, mulberry32, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';

describe('generateRequest', () => {
  it('is deterministic in the seed and differs across seeds', () => {
    expect(generateRequest(5)).toEqual(generateRequest(5));
    expect(generateRequest(5)).not.toEqual(generateRequest(6));
    const r = mulberry32(1);
    const xs = Array.from({ length: 1000 }, () => r());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it("draws from the publication's simulation settings (50 × 10 × 32, h = 1024, B = 512)", () => {
    const b = generateRequest(11);
    expect(b.devices).toHaveLength(50);
    expect(b.servers).toHaveLength(10);
    expect(b.model).toMatchObject({ layers: 32, hiddenSize: 1024, batchSize: 512 });
    for (const d of b.devices) {
      expect(Number.isInteger(d.tokens) && d.tokens >= 512 && d.tokens <= 1024).toBe(true);
      expect(d.maxPowerW).toBeGreaterThanOrEqual(1);
      expect(d.maxPowerW).toBeLessThanOrEqual(2);
      expect(d.maxFrequencyHz).toBeGreaterThanOrEqual(0.5e9);
      expect(d.maxFrequencyHz).toBeLessThanOrEqual(1e9);
      expect([4, 5, 6]).toContain(d.gpuCores);
      expect(d.flopsPerCycle).toBe(1);
      expect(d.kappa).toBeGreaterThanOrEqual(1e-27);
      expect(d.kappa).toBeLessThanOrEqual(5e-27);
      expect(d.position!.xM).toBeGreaterThanOrEqual(0);
      expect(d.position!.xM).toBeLessThanOrEqual(500);
    }
    for (const s of b.servers) {
      expect(s.frequencyHz).toBeGreaterThanOrEqual(1e9);
      expect(s.frequencyHz).toBeLessThanOrEqual(3e9);
      expect(s.gpuCores).toBeGreaterThanOrEqual(2560);
      expect(s.gpuCores).toBeLessThanOrEqual(5120);
      expect([1, 2]).toContain(s.flopsPerCycle);
      expect(s.bandwidthHz).toBe(2e7);
    }
    expect(() => normalize(b)).not.toThrow();
  });

  it('honours overrides: sizes, channel gains with coverage, maxDevices, memory, deadlines, modes', () => {
    const b = generateRequest(3, {
      ...TINY_PRESET,
      devices: 7,
      servers: 3,
      layers: 9,
      channel: 'gains',
      coverageM: 200,
      maxDevices: [2, 4],
      memory: { factor: [0.5, 1] },
      deadlines: { factor: [1, 2] },
      trainingModes: ['backprop'],
      inferenceOnlyFraction: 1,
      splitRangeFraction: 1,
    });
    expect(b.devices).toHaveLength(7);
    expect(b.model.layers).toBe(9);
    for (const d of b.devices) {
      expect(d.position).toBeUndefined();
      expect(Object.keys(d.channelGains!).length).toBeGreaterThanOrEqual(1);
      expect(d.memoryBytes).toBeGreaterThan(0);
      expect(d.deadlineS).toBeGreaterThan(0);
      expect(d.inferenceOnly).toBe(true);
      expect(d.trainingMode).toBe('zeroth-order'); // inferenceOnly overrides a drawn 'backprop'
      expect(d.minSplitLayer!).toBeLessThanOrEqual(d.maxSplitLayer!);
    }
    for (const s of b.servers) expect(s.maxDevices! >= 2 && s.maxDevices! <= 4).toBe(true);
    expect(() => normalize(b)).not.toThrow();
  });

  it('heterogeneity 0 collapses every range to its midpoint', () => {
    const b = generateRequest(9, { devices: 5, servers: 2, heterogeneity: 0 });
    expect(new Set(b.devices.map((d) => d.maxFrequencyHz)).size).toBe(1);
    expect(new Set(b.devices.map((d) => d.tokens)).size).toBe(1);
  });

  it('examples/paper-scale.json is generateRequest(2024) at 50 × 10 × 32 (scripts/make-examples.ts)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../examples/paper-scale.json', import.meta.url), 'utf8'));
    const objective = { weights: { delay: 1, energy: 1, stability: 1 }, normalize: true, lipschitz: 1, includeUplinkDelay: true };
    const options = { timeLimitMs: 2000, baselines: true };
    expect(shipped).toEqual(generateRequest(2024, { devices: 50, servers: 10, layers: 32, objective, options }));
  });
});
