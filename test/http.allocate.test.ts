// POST /allocate through the HTTP layer only: a fake SolveService stands in for normalise, cache
// and workers, so these tests pin validation, error mapping and reply shaping, nothing else.
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig, type AppConfig } from '../src/config.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult } from '../src/model/types.js';
import { InputError } from '../src/model/normalize.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { OVERLOADED_CODES, OverloadedError } from '../src/solve/errors.js';
import { type Readiness, type SolveService, type Solved } from '../src/solve/types.js';
import type { BodyOf, ProblemKind, ResultOf } from '../src/solve/kinds/index.js';

const totals = { delayS: 12.5, energyJ: 3.25, stability: 0.0015, migrations: 1, migrationDelayS: 0.5, migrationEnergyJ: 0.25 };

/** A result with every optional field present, so a field the response schema forgets is caught. */
function fullResult(overrides: Partial<AllocateResult> = {}): AllocateResult {
  const breakdown = { local: 1, uplink: 2, edge: 3, migration: 0, total: 6 };
  return {
    status: 'FEASIBLE',
    termination: 'TIME',
    relativeGap: 1e-4,
    limit: 'TIME',
    objective: 2.75,
    bound: 2.5,
    gap: 0.0909,
    allocations: [
      {
        deviceId: 'ue-1',
        serverId: 'es-1',
        splitLayer: 7,
        trainingMode: 'zeroth-order',
        queries: 4,
        parallelism: 2,
        peakMemoryBytes: 1.5e9,
        cpuFrequencyHz: 9e8,
        transmitPowerW: 1.25,
        bandwidthHz: 1e7,
        bandwidthShare: 0.5,
        serverFrequencyHz: 1e9,
        delayS: breakdown,
        energyJ: { ...breakdown, total: 6.5, edge: 3.5 },
        stabilityBound: 0.001,
        migrated: true,
      },
    ],
    totals,
    reference: { delayS: 20, energyJ: 5, stability: 0.002 },
    baselines: [{ name: 'local-heavy', objective: 3.5, totals, feasible: true }],
    infeasibilities: [],
    solver: {
      algorithm: 'test',
      version: '0.0.0',
      solveTimeMs: 12,
      statistics: {
        termination: 'TIME',
        phasesMs: { prepare: 1, search: 10 },
        searchSteps: 3,
        boundEvaluations: 2,
        trace: [
          { atMs: 1, objective: 3 },
          { atMs: 9, objective: 2.75, bound: 2.5 },
        ],
      },
    },
    ...overrides,
  };
}

class FakeService implements SolveService {
  received: AllocateRequest[] = [];
  closed = false;
  constructor(private readonly answer: (body: AllocateRequest) => Promise<Solved<AllocateResult>>) {}
  solve<K extends ProblemKind>(kind: K, body: BodyOf<K>): Promise<Solved<ResultOf<K>>> {
    if (kind !== 'allocate') return Promise.reject(new Error('not used'));
    this.received.push(body as AllocateRequest);
    return this.answer(body as AllocateRequest) as unknown as Promise<Solved<ResultOf<K>>>;
  }
  allocatePareto(): Promise<never> {
    return Promise.reject(new Error('not used'));
  }
  allocateWhatIf(): Promise<never> {
    return Promise.reject(new Error('not used'));
  }
  async readiness(): Promise<Readiness> {
    return { ready: true, workers: { threads: 2, queued: 0, maxQueue: 64 }, redis: 'disabled' };
  }
  async close() {
    this.closed = true;
  }
}

const solved = (result: AllocateResult): Solved<AllocateResult> => ({ result, cache: 'miss', requestHash: 'ab'.repeat(32) });
const testConfig = (overrides: Partial<AppConfig> = {}): AppConfig => ({ ...loadConfig({}), logLevel: 'silent', ...overrides });

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(answer: (body: AllocateRequest) => Promise<Solved<AllocateResult>>, config = testConfig()) {
  const service = new FakeService(answer);
  app = buildApp(config, { service });
  await app.ready();
  return { app, service };
}

const okService = async () => solved(fullResult());
const example = (): AllocateRequest => structuredClone(ALLOCATE_REQUEST_EXAMPLE);

function post(a: App, payload: string | object) {
  return a.inject({
    method: 'POST',
    url: '/allocate',
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('POST /allocate: success', () => {
  it('answers 200 with the result, cache and requestHash, dropping no field', async () => {
    const { app, service } = await start(okService);
    const res = await post(app, example());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...fullResult(), cache: 'miss', requestHash: 'ab'.repeat(32) });
    expect(service.received).toHaveLength(1);
  });

  it('passes the body to the service unchanged, every optional field included (no stripping, no defaults)', async () => {
    const { app, service } = await start(okService);
    const body: AllocateRequest = {
      model: {
        layers: 8,
        hiddenSize: 256,
        batchSize: 16,
        bytesPerActivation: 2,
        weightBytesPerLayer: 1e6,
        adapterRank: 8,
        adapterParamsPerLayer: 4096,
        zerothOrderStepMultiplier: 10,
      },
      devices: [
        {
          id: 'ue-1',
          gpuCores: 5,
          flopsPerCycle: 1,
          maxFrequencyHz: 1e9,
          minFrequencyHz: 1e8,
          maxPowerW: 2,
          minPowerW: 0.1,
          kappa: 3e-27,
          tokens: 128,
          samples: 100,
          position: { xM: 10, yM: -5 },
          uplinkBits: 1e6,
          minSplitLayer: 2,
          maxSplitLayer: 6,
          deadlineS: 100,
          memoryBytes: 4e9,
          inferenceOnly: false,
          trainingMode: 'auto',
          queries: 2,
          parallelism: 4,
          callOverheadS: 0.02,
          activationBytesPerLayer: 1e7,
        },
      ],
      servers: [
        {
          id: 'es-1',
          gpuCores: 2560,
          flopsPerCycle: 2,
          frequencyHz: 2e9,
          bandwidthHz: 2e7,
          kappa: 1e-26,
          maxDevices: 4,
          position: { xM: 0, yM: 0 },
        },
      ],
      channel: { noiseDbmPerHz: -170 },
      objective: { weights: { delay: 1, energy: 0.5, stability: 2 }, normalize: false, lipschitz: 2, includeUplinkDelay: false },
      options: { timeLimitMs: 500, baselines: false, algorithm: 'paper', seed: 7 },
    };
    const res = await post(app, body);
    expect(res.statusCode).toBe(200);
    expect(service.received[0]).toEqual(body);
  });

  it('answers 422 with the infeasibilities when the result is INFEASIBLE', async () => {
    const infeasibilities = [{ constraint: 'deadline', deviceIds: ['ue-1'], detail: 'no allocation meets 1 s' }];
    const result = fullResult({ status: 'INFEASIBLE', objective: undefined, totals: undefined, allocations: [], infeasibilities });
    delete result.objective;
    delete result.totals;
    const { app } = await start(async () => solved(result));
    const res = await post(app, example());
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: 'https://edge-allocator.dev/problems/infeasible',
      status: 422,
      code: 'INFEASIBLE',
      instance: '/allocate',
      infeasibilities,
      cache: 'miss',
    });
  });
});

describe('POST /allocate: 400s name the field and the reason', () => {
  async function expect400(payload: string | object, field: string, reason: string | RegExp, code?: string) {
    const { app, service } = await start(okService);
    const res = await post(app, payload);
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
    expect(body.detail).toContain(field);
    expect(service.received).toHaveLength(0);
    return body;
  }

  it('malformed JSON', async () => {
    await expect400('{"model": {"layers": 32,', 'body', /^invalid JSON/, 'INVALID_JSON');
  });

  it('empty body', async () => {
    await expect400('', 'body', /empty/, 'INVALID_JSON');
  });

  it('unknown top-level field (Ajv does not strip it)', async () => {
    await expect400({ ...example(), colour: 'red' }, 'colour', "unknown property 'colour'", 'INVALID_BODY');
  });

  it('unknown nested field', async () => {
    const body = example();
    (body.devices[1] as unknown as Record<string, unknown>).kapa = 1;
    await expect400(body, 'devices[1].kapa', "unknown property 'kapa'");
  });

  it('"5" for a number (Ajv does not coerce)', async () => {
    const body = example() as unknown as { devices: Record<string, unknown>[] };
    body.devices[0].kappa = '5';
    await expect400(body, 'devices[0].kappa', 'must be number');
  });

  it('a fraction where an integer is required', async () => {
    const body = example();
    body.model.layers = 31.5;
    await expect400(body, 'model.layers', 'must be integer');
  });

  it('1e999 (Infinity after JSON.parse)', async () => {
    const text = JSON.stringify(example()).replace('"kappa":3e-27', '"kappa":1e999');
    expect(text).toContain('1e999');
    await expect400(text, 'devices[0].kappa', 'must be a finite number', 'NON_FINITE_NUMBER');
  });

  it('-1e999 inside a record', async () => {
    const text = JSON.stringify(example()).replace('"es-2":3e-11', '"es-2":-1e999');
    await expect400(text, 'devices[0].channelGains.es-2', 'must be a finite number');
  });

  it('a missing required field', async () => {
    const body = example() as unknown as { servers: Record<string, unknown>[] };
    delete body.servers[1].bandwidthHz;
    await expect400(body, 'servers[1].bandwidthHz', 'is required');
  });

  it('an empty device list', async () => {
    await expect400({ ...example(), devices: [] }, 'devices', /fewer than 1 items/);
  });

  it('a value outside an enum', async () => {
    const body = example() as unknown as { devices: Record<string, unknown>[] };
    body.devices[0].trainingMode = 'sgd';
    await expect400(body, 'devices[0].trainingMode', 'must be one of: backprop, zeroth-order, auto');
  });

  it('a prototype-poisoning key', async () => {
    const text = JSON.stringify(example()).replace('"channelGains":{', '"channelGains":{"__proto__":{"x":1},');
    await expect400(text, 'devices[0].channelGains.__proto__', /not allowed/, 'FORBIDDEN_KEY');
  });

  it("the service's InputError, with its field", async () => {
    const { app } = await start(async () => {
      throw new InputError('devices[0].channelGains.es-9', 'unknown server id');
    });
    const res = await post(app, example());
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      type: 'https://edge-allocator.dev/problems/invalid-input',
      title: 'The request is inconsistent',
      status: 400,
      detail: 'devices[0].channelGains.es-9: unknown server id',
      instance: '/allocate',
      code: 'INVALID_INPUT',
      field: 'devices[0].channelGains.es-9',
      reason: 'unknown server id',
      requestId: res.headers['x-request-id'],
    });
  });
});

describe('POST /allocate: other failures', () => {
  it('503 with Retry-After when the solver queue is full', async () => {
    const { app } = await start(async () => {
      throw new OverloadedError(2);
    });
    const res = await post(app, example());
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json()).toMatchObject({ status: 503, code: 'OVERLOADED', retryAfterS: 2 });
  });

  it.each(OVERLOADED_CODES)('503 %s: an OverloadedError answers with its own code and title', async (code) => {
    const { app } = await start(async () => {
      throw new OverloadedError(3, 'busy', code);
    });
    const res = await post(app, example());
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    const body = res.json();
    expect(body).toMatchObject({
      status: 503,
      code,
      retryAfterS: 3,
      type: `https://edge-allocator.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    });
    // A documented title (docs/input-validation.md), not the status text.
    expect(body.title).not.toBe('Service Unavailable');
  });

  it('an OverloadedError that lost its class keeps a known code; an unknown code is not passed off as OVERLOADED', async () => {
    const foreign = (code: unknown) => Object.assign(new Error('busy'), { name: 'OverloadedError', retryAfterS: 2, code });
    let thrown: unknown = foreign('NO_PLAN_IN_TIME');
    const { app } = await start(async () => {
      throw thrown;
    });
    const known = await post(app, example());
    expect(known.statusCode).toBe(503);
    expect(known.json()).toMatchObject({ code: 'NO_PLAN_IN_TIME', retryAfterS: 2 });
    thrown = foreign(undefined);
    expect((await post(app, example())).json()).toMatchObject({ status: 503, code: 'OVERLOADED' });
    thrown = foreign('SOMETHING_NEW');
    const unknown = await post(app, example());
    expect(unknown.statusCode).toBe(500);
    expect(unknown.json().code).toBe('INTERNAL_ERROR');
  });

  it('413 when the body exceeds the configured limit', async () => {
    const { app } = await start(okService, testConfig({ bodyLimitBytes: 1024 }));
    const body = example();
    body.devices = Array.from({ length: 20 }, (_, i) => ({ ...body.devices[0], id: `ue-${i}` }));
    const res = await post(app, body);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('415 for a body that is not JSON', async () => {
    const { app } = await start(okService);
    const res = await app.inject({ method: 'POST', url: '/allocate', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('500 hides the internal message', async () => {
    const { app } = await start(async () => {
      throw new Error('connection string redis://secret@host');
    });
    const res = await post(app, example());
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toMatchObject({ status: 500, title: 'Internal error', code: 'INTERNAL_ERROR' });
    expect(res.body).not.toContain('secret');
  });

  it('closes the service when the app closes', async () => {
    const { app, service } = await start(okService);
    await app.close();
    expect(service.closed).toBe(true);
  });
});
