// The time limit is a contract: a fallback answer is ready early, every phase stops at its
// deadline, a limit that cannot be kept at a size is refused, and a Pareto sweep keeps one limit
// for the whole request. The timing bounds here are loose (the machine is shared); tight figures
// per size come from bench/limits.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { solveBlocks } from '../src/blocks/index.js';
import { normalizeBlocksRequest } from '../src/blocks/normalize.js';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { generateBlocksRequest } from '../src/blocks/generator.js';
import { minTimeLimitMs } from '../src/model/time-floor.js';
import { solveAuto } from '../src/solver/auto.js';
import { SolveClock } from '../src/solver/clock.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { packInstance, unpackInstance } from '../src/solve/transfer.js';

const versions = { algorithm: 'auto', version: 'test' };

beforeAll(async () => {
  await initGlpk();
});

describe('SolveClock', () => {
  it('gives each phase an absolute deadline as a share of the limit', () => {
    const clock = new SolveClock(1000, 5_000);
    expect(clock.at(0.55)).toBe(5_550);
    expect(clock.endAt).toBe(6_000);
    expect(clock.expired()).toBe(true); // 6 000 ms after the epoch is long past
    const fresh = new SolveClock(60_000);
    expect(fresh.expired(0.5)).toBe(false);
    expect(fresh.remainingMs()).toBeGreaterThan(59_000);
  });
});

describe('the solver under its limit', () => {
  it('with no time at all, answers at once that it ran out of time', () => {
    const { instance, options } = normalize(generateRequest(11, { devices: 300, servers: 20 }));
    const t0 = performance.now();
    const out = solveAuto(instance, { ...options, timeLimitMs: 0 }, versions);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(out).toMatchObject({ status: 'NO_SOLUTION_FOUND', limit: 'TIME', allocations: [] });
    expect(out.reference.delayS).toBeGreaterThan(0);
  });

  it('at its floor, has a feasible allocation for every device, marked limit TIME, in time', () => {
    const devices = 2000;
    const servers = 50;
    const { instance, options } = normalize(generateRequest(12, { devices, servers }));
    const limitMs = minTimeLimitMs({ devices, servers, layers: instance.layers });
    const t0 = performance.now();
    const out = solveAuto(instance, { ...options, timeLimitMs: limitMs }, versions);
    const wallMs = performance.now() - t0;
    expect(out.status === 'FEASIBLE' || out.status === 'NO_SOLUTION_FOUND').toBe(true);
    expect(out.limit).toBe('TIME');
    if (out.status === 'FEASIBLE') {
      expect(out.allocations).toHaveLength(devices);
      expect(Number.isFinite(out.objective)).toBe(true);
    }
    // Before the deadline work this size took seconds at any limit; loose for a shared machine.
    expect(wallMs).toBeLessThan(limitMs * 2 + 300);
  });

  it('keeps the strongest servers first when it orders only the head (many servers)', () => {
    const { instance } = normalize(generateRequest(13, { devices: 40, servers: 200 }));
    for (const dm of buildDeviceModels(instance)) {
      const full = dm.servers.slice().sort((a, b) => dm.device.gains[b] - dm.device.gains[a]);
      expect(dm.serversByGain.slice(0, 32)).toEqual(full.slice(0, 32));
      expect([...dm.serversByGain].sort((a, b) => a - b)).toEqual(dm.servers);
    }
  });

  it('packs an instance for the worker and gets the same instance back', () => {
    const { instance } = normalize(generateRequest(14, { devices: 30, servers: 7 }));
    const packed = packInstance(instance);
    expect(packed.devices.gains).toHaveLength(30 * 7);
    expect(unpackInstance(structuredClone(packed))).toEqual(instance);
  });
});

describe('blocks under its limit', () => {
  it('answers 1024 devices × 512 blocks within a short limit (it used to run out of memory)', () => {
    const input = normalizeBlocksRequest(
      generateBlocksRequest(5, {
        model: { layers: 512, hiddenSize: 1024, tokens: 128, batchSize: 4 },
        devices: 1024,
        tflops: [5, 40],
        memoryGB: [16, 48],
        options: { timeLimitMs: 300 },
      }),
    );
    const t0 = performance.now();
    const out = solveBlocks(input);
    expect(performance.now() - t0).toBeLessThan(300 * 2 + 300);
    expect(out.status).toBe('FEASIBLE');
    expect(out.assignments.flatMap((a) => a.blocks)).toHaveLength(512);
  });
});

describe('through HTTP', () => {
  let app: App;
  beforeAll(async () => {
    app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 2 });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a limit below the floor for the size, naming options.timeLimitMs (400)', async () => {
    const body = generateRequest(15, { devices: 2000, servers: 50, options: { timeLimitMs: 5 } });
    const res = await app.inject({ method: 'POST', url: '/allocate', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'options.timeLimitMs' });
    expect(res.json().reason).toMatch(/at least \d+ ms for 2000 devices × 50 servers/);
  });

  it('keeps one limit for a whole Pareto sweep (6 points on 2 threads)', async () => {
    const limitMs = 600;
    const { objective, ...snapshot } = generateRequest(16, { devices: 300, servers: 20, options: { timeLimitMs: limitMs } });
    const { weights: _weights, ...rest } = objective ?? {};
    const t0 = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/allocate/pareto',
      payload: { ...snapshot, objective: rest, pareto: { grid: { steps: 2 } } },
    });
    const wallMs = performance.now() - t0;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().points).toHaveLength(6);
    // Three rounds of full limits took 3 × 600 ms; the sweep now shares one. Loose for load.
    expect(wallMs).toBeLessThan(limitMs * 1.1 + 50 + 400);
  });
});
