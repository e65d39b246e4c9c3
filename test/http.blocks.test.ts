// POST /allocate/blocks end to end: HTTP → real SolveService (normalise, in-memory cache, worker
// pool with GLPK, block solver) → reply. No Redis: the in-memory cache answers repeats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import type { BlocksRequest } from '../src/blocks/request.js';
import { loadConfig } from '../src/config.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';
import { createSolveService } from '../src/compose.js';
import type { SolveService } from '../src/solve/types.js';
import type { BlockAssignmentOut } from '../src/blocks/types.js';

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 1 };
let service: SolveService;
let app: App;

beforeAll(async () => {
  // The service is built here (not inside buildApp) so one test can also call it directly; the app
  // still owns it and closes it.
  service = createSolveService(config);
  app = buildApp(config, { service });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const example = (): BlocksRequest => structuredClone(BLOCKS_REQUEST_EXAMPLE);

function post(payload: string | object) {
  return app.inject({
    method: 'POST',
    url: '/allocate/blocks',
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('POST /allocate/blocks: the Swagger example, solved for real', () => {
  it('answers 200: every device listed, blocks 1..J each placed once, bandwidth within budget, memory within caps', async () => {
    const res = await post(example());
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(['OPTIMAL', 'FEASIBLE']).toContain(body.status);
    expect(body.certificate).toMatchObject({ level: body.status === 'OPTIMAL' ? 'optimal' : 'bound' });
    expect(body.cache).toBe('miss');
    expect(body.requestHash).toMatch(/^[0-9a-f]{64}$/);

    const assignments = body.assignments as BlockAssignmentOut[];
    expect(assignments.map((a) => a.deviceId)).toEqual(BLOCKS_REQUEST_EXAMPLE.devices.map((d) => d.id));

    const J = BLOCKS_REQUEST_EXAMPLE.model.layers;
    const placed = assignments.flatMap((a) => a.blocks).sort((x, y) => x - y);
    expect(placed).toEqual(Array.from({ length: J }, (_, i) => i + 1));

    const totalBandwidth = assignments.reduce((s, a) => s + a.bandwidthHz, 0);
    expect(totalBandwidth).toBeLessThanOrEqual(BLOCKS_REQUEST_EXAMPLE.bandwidthHz * (1 + 1e-9));

    BLOCKS_REQUEST_EXAMPLE.devices.forEach((d, k) => {
      const a = assignments[k];
      expect(a.memoryBytes).toBeLessThanOrEqual(d.memoryBytes);
      if (a.blocks.length === 0) expect(a).toMatchObject({ bandwidthHz: 0, latencyS: 0 });
      else expect(a.latencyS).toBeCloseTo(a.computeS + a.uploadS, 9);
    });

    // Round latency is the slowest device's; the bound does not exceed it.
    expect(body.roundLatencyS).toBeCloseTo(Math.max(...assignments.map((a) => a.latencyS)), 9);
    expect(body.bound).toBeLessThanOrEqual(body.roundLatencyS);
    expect(body.gap).toBeGreaterThanOrEqual(0);

    // Baselines are reported and none beats ours.
    const names = (body.baselines as { name: string }[]).map((b) => b.name).sort();
    expect(names).toEqual(['equal-bandwidth', 'publication', 'round-robin', 'single-device']);
    for (const b of body.baselines as { roundLatencyS: number | null }[]) {
      if (b.roundLatencyS !== null) expect(body.roundLatencyS).toBeLessThanOrEqual(b.roundLatencyS * (1 + 1e-9));
    }
    expect(body.solver).toMatchObject({ algorithm: expect.any(String), version: expect.any(String), solveTimeMs: expect.any(Number) });
  });

  it('answers an identical second request from the cache', async () => {
    const first = await post(example());
    const second = await post(example());
    expect(second.statusCode).toBe(200);
    expect(second.json().cache).toBe('hit');
    expect(second.json()).toEqual({ ...first.json(), cache: 'hit' });
  });

  it('serialises every field the solver returns (the response schema drops nothing)', async () => {
    const direct = await service.solve('blocks', example());
    const res = await post(example());
    const unfiltered = JSON.parse(JSON.stringify({ ...direct.result, cache: 'hit', requestHash: direct.requestHash }));
    expect(res.json()).toEqual(unfiltered);
  });

  it('accepts the explicit block form', async () => {
    const block = { forwardFlops: 3e10, backwardFlops: 6e10, activationBytes: 7e7, bits: 786_432 };
    const res = await post({
      model: { blocks: [block, block, block], weightBytes: 4e7 },
      devices: [
        { id: 'a', flopsPerSecond: 1e12, memoryBytes: 1e9, powerW: 0.5, channelGain: 1e-10 },
        { id: 'b', flopsPerSecond: 5e11, memoryBytes: 2e8, powerW: 0.2, channelGain: 5e-11 },
      ],
      bandwidthHz: 1e7,
      options: { maxBlocksPerDevice: 2 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const assignments = res.json().assignments as BlockAssignmentOut[];
    expect(assignments.flatMap((a) => a.blocks).sort()).toEqual([1, 2, 3]);
    for (const a of assignments) expect(a.blocks.length).toBeLessThanOrEqual(2);
  });
});

describe('POST /allocate/blocks: options.relativeGap', () => {
  it('the answer states the tolerance it stopped at and why it ended; gapTolerance is its former name', async () => {
    const solved = async (options: object) => {
      const res = await post({ ...example(), options: { ...example().options, ...options } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const byDefault = await solved({});
    expect(byDefault).toMatchObject({ status: 'OPTIMAL', relativeGap: 1e-4 });
    expect(['GAP', 'CONVERGED']).toContain(byDefault.termination);
    expect(byDefault.gap).toBeLessThanOrEqual(1e-4);
    // 0: prove to the end; the certificate closes the gap on its own. (Each request below has its
    // own limit: requests that differ only in relativeGap share a cache entry, whose answer states
    // the tolerance its own solve stopped at.)
    const proven = await solved({ relativeGap: 0, timeLimitMs: 1999 });
    expect(proven).toMatchObject({ status: 'OPTIMAL', relativeGap: 0, termination: 'CONVERGED' });
    expect(proven.gap).toBeLessThanOrEqual(1e-6);
    expect(proven.roundLatencyS).toBeLessThanOrEqual(byDefault.roundLatencyS);
    expect(byDefault.roundLatencyS).toBeLessThanOrEqual(proven.roundLatencyS / (1 - 1e-4));
    const alias = await solved({ gapTolerance: 0.05, timeLimitMs: 1998 });
    expect(alias).toMatchObject({ status: 'OPTIMAL', relativeGap: 0.05 });
    expect(alias.gap).toBeLessThanOrEqual(0.05);
    // one knob for the stop and the cache: the proven answer serves a request for 1e-3 from the cache
    const served = await post({ ...example(), options: { ...example().options, relativeGap: 1e-3, timeLimitMs: 1999 } });
    expect(served.json()).toMatchObject({ cache: 'hit', relativeGap: 0, status: 'OPTIMAL' });
  });

  it('400 naming the field outside [0, 1]', async () => {
    for (const [options, field] of [
      [{ relativeGap: 1.5 }, 'options.relativeGap'],
      [{ relativeGap: -0.1 }, 'options.relativeGap'],
      [{ gapTolerance: 2 }, 'options.gapTolerance'],
    ] as const) {
      const res = await post({ ...example(), options });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ field });
    }
  });
});

describe('POST /allocate/blocks: infeasible instances', () => {
  it('422 INFEASIBLE naming the blocks no device has the memory for', async () => {
    const body = example();
    // 170 MB of weights + 69 MB of activations per layer below the block: 6e8 B reaches depth 7 at best.
    body.devices = body.devices.map((d) => ({ ...d, memoryBytes: 6e8 }));
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(422);
    const out = res.json();
    expect(out).toMatchObject({ status: 422, code: 'INFEASIBLE', instance: '/allocate/blocks' });
    expect(out.cache).toBe('miss');
    expect(out.infeasibilities).toEqual([{ constraint: 'memory', blocks: [1, 2, 3, 4, 5, 6], detail: expect.stringContaining('memory') }]);
    expect(out.assignments).toHaveLength(body.devices.length);
  });
});

describe('POST /allocate/blocks: 400s name the field and the reason', () => {
  async function expect400(payload: string | object, field: string, reason: string | RegExp, code?: string) {
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({
      status: 400,
      title: expect.any(String),
      type: expect.stringMatching(/^https:\/\/edge-allocator\.dev\/problems\//),
      field,
    });
    if (code) expect(body.code).toBe(code);
    if (typeof reason === 'string') expect(body.reason).toBe(reason);
    else expect(body.reason).toMatch(reason);
    return body;
  }

  it('unknown top-level field', async () => {
    await expect400({ ...example(), colour: 'red' }, 'colour', "unknown property 'colour'", 'INVALID_BODY');
  });

  it('unknown field in a transformer model (reported against the transformer form)', async () => {
    const body = example() as unknown as { model: Record<string, unknown> };
    body.model.hiddenSise = 768;
    await expect400(body, 'model.hiddenSise', "unknown property 'hiddenSise'");
  });

  it('unknown field in an explicit block', async () => {
    const block = { forwardFlops: 1, backwardFlops: 2, activationBytes: 3, bits: 4, flops: 5 };
    await expect400({ ...example(), model: { blocks: [block], weightBytes: 1 } }, 'model.blocks[0].flops', "unknown property 'flops'");
  });

  it('both model forms at once', async () => {
    const block = { forwardFlops: 1, backwardFlops: 2, activationBytes: 3, bits: 4 };
    await expect400({ ...example(), model: { blocks: [block], weightBytes: 1, layers: 12 } }, 'model.layers', "unknown property 'layers'");
  });

  it('unknown device field', async () => {
    const body = example() as unknown as { devices: Record<string, unknown>[] };
    body.devices[2].gain = 1;
    await expect400(body, 'devices[2].gain', "unknown property 'gain'");
  });

  it('a string for a number (no coercion)', async () => {
    const body = example() as unknown as { bandwidthHz: unknown };
    body.bandwidthHz = '2e7';
    await expect400(body, 'bandwidthHz', 'must be number', 'INVALID_BODY');
  });

  it('a fraction where an integer is required', async () => {
    const body = example();
    (body.model as { layers: number }).layers = 12.5;
    await expect400(body, 'model.layers', 'must be integer');
  });

  it('a missing required field', async () => {
    const body = example() as unknown as Record<string, unknown>;
    delete body.bandwidthHz;
    await expect400(body, 'bandwidthHz', 'is required');
  });

  it("the normaliser's InputError (duplicate device id), before any solve", async () => {
    const body = example();
    body.devices[1].id = body.devices[0].id;
    const res = await expect400(body, 'devices[1].id', /duplicate device id/, 'INVALID_INPUT');
    expect(res.detail).toContain('devices[1].id');
  });
});
