// Issue 10's reported failures, one by one: absurd values are a 400 naming the field (schema ranges
// or normalisation), and a solver answer holding a non-finite number is a structured 400, never a
// 500, a null, nor a cache entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';
import { PARETO_REQUEST_EXAMPLE } from '../src/schemas/pareto.js';
import { formatPath } from '../src/plugins/json-body.js';
import { firstNonFinite } from '../src/solve/finite.js';
import { createSolveService } from '../src/compose.js';
import { MemoryCache } from '../src/cache/memory-cache.js';
import { CountingPool, cannedResult } from './fixtures/counting-pool.js';
import { setAt } from './fixtures/schema-fuzz.js';

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 1 };
let app: App;
beforeAll(async () => {
  app = buildApp(config);
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const post = (url: string, body: unknown) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

// The values the fuzzers sent, each one field changed from the documented example.
const absurd: [string, string, (string | number)[], number, string][] = [
  ['/allocate', 'gpuCores 1e-300', ['devices', 0, 'gpuCores'], 1e-300, 'must be >= 1'],
  ['/allocate', 'server kappa 1e300', ['servers', 1, 'kappa'], 1e300, 'must be <= 1e-20'],
  ['/allocate', 'bandwidthHz 1e-300', ['servers', 0, 'bandwidthHz'], 1e-300, 'must be >= 1000'],
  ['/allocate', 'noise 1e4 dBm/Hz', ['channel', 'noiseDbmPerHz'], 1e4, 'must be <= -50'],
  ['/allocate', 'weightBytesPerLayer 1e308', ['model', 'weightBytesPerLayer'], 1e308, 'must be <= 1000000000000000'],
  ['/allocate', 'channel gain 1e300', ['devices', 0, 'channelGains', 'es-1'], 1e300, 'must be <= 1'],
  ['/allocate/blocks', 'bytesPerActivation 1e308', ['model', 'bytesPerActivation'], 1e308, 'must be <= 16'],
  ['/allocate/blocks', 'channelGain 1e300', ['devices', 0, 'channelGain'], 1e300, 'must be <= 1'],
  ['/allocate/blocks', 'flopsPerSecond 1e-320', ['devices', 0, 'flopsPerSecond'], 1e-320, 'must be >= 1000'],
  ['/allocate/pareto', 'device kappa 1e300', ['devices', 2, 'kappa'], 1e300, 'must be <= 1e-20'],
];

const examples: Record<string, unknown> = {
  '/allocate': ALLOCATE_REQUEST_EXAMPLE,
  '/allocate/blocks': BLOCKS_REQUEST_EXAMPLE,
  '/allocate/pareto': PARETO_REQUEST_EXAMPLE,
};

describe('absurd values are a 400 naming the field', () => {
  it.each(absurd)('POST %s with %s', async (url, _what, path, value, reason) => {
    const res = await post(url, setAt(examples[url], path, value));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_BODY', field: formatPath(path), reason });
  });

  it('a positive channel gain below 1e-30 (300 dB of path loss) is refused by normalisation; 0 means no link', async () => {
    const tiny = await post('/allocate', setAt(ALLOCATE_REQUEST_EXAMPLE, ['devices', 0, 'channelGains', 'es-2'], 1e-31));
    expect(tiny.statusCode).toBe(400);
    expect(tiny.json()).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'devices[0].channelGains.es-2',
      reason: 'must be 0 (no link) or at least 1e-30',
    });
    const none = await post('/allocate', setAt(ALLOCATE_REQUEST_EXAMPLE, ['devices', 0, 'channelGains', 'es-2'], 0));
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json().allocations[0].serverId).toBe('es-1');
  });

  it('a positive objective weight below 1e-12 is refused, on /allocate and per Pareto point (5e-324 made a TypeError in server-plan)', async () => {
    const allocate = await post('/allocate', setAt(ALLOCATE_REQUEST_EXAMPLE, ['objective', 'weights', 'energy'], 1e-13));
    expect(allocate.statusCode).toBe(400);
    expect(allocate.json()).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'objective.weights.energy',
      reason: 'must be 0 or at least 1e-12',
    });
    const pareto = await post('/allocate/pareto', {
      ...PARETO_REQUEST_EXAMPLE,
      pareto: { weights: [{ delay: 0, energy: 5e-324, stability: 5e-324 }] },
    });
    expect(pareto.statusCode).toBe(400);
    expect(pareto.json()).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'pareto.weights[0].energy',
      reason: 'must be 0 or at least 1e-12',
    });
    const smallest = await post('/allocate/pareto', {
      ...PARETO_REQUEST_EXAMPLE,
      pareto: { weights: [{ delay: 0, energy: 1e-12, stability: 1e9 }] },
    });
    expect(smallest.statusCode, smallest.body).toBe(200);
  });

  it('a block size below one bit is refused (5e-324 bits made an infinite upload and a 500)', async () => {
    const body = {
      ...structuredClone(BLOCKS_REQUEST_EXAMPLE),
      model: { blocks: [{ forwardFlops: 0, backwardFlops: 1, activationBytes: 1e15, bits: 5e-324 }], weightBytes: 1 },
    };
    const res = await post('/allocate/blocks', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'model.blocks[0].bits', reason: 'must be 0 or at least 1' });
  });

  it('the extremes the issue reported as null, and then 0 from the cache, now solve to finite numbers, cached byte for byte', async () => {
    const body = setAt(setAt(ALLOCATE_REQUEST_EXAMPLE, ['model', 'weightBytesPerLayer'], 1e15), ['devices', 0, 'minSplitLayer'], 2);
    const first = await post('/allocate', body);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().allocations[0].peakMemoryBytes).toBeGreaterThanOrEqual(2e15);
    const second = await post('/allocate', body);
    expect(second.json().cache).toBe('hit');
    expect(second.body.replace('"cache":"hit"', '"cache":"miss"')).toBe(first.body);
  });
});

describe('the last line of defence: a non-finite number in an answer', () => {
  it('firstNonFinite names the path of the first NaN or ±Infinity, and null when there is none', () => {
    expect(firstNonFinite({ a: [1, { b: 2 }], c: 'x', d: null })).toBeNull();
    expect(firstNonFinite({ a: [1, { b: NaN }], c: Infinity })).toEqual({ path: 'a[1].b', value: NaN });
    expect(firstNonFinite([0, -Infinity])).toEqual({ path: '[1]', value: -Infinity });
  });

  it('becomes a 400 NUMERIC_RANGE naming it, and is not cached', async () => {
    const nan = cannedResult({ reference: { delayS: NaN, energyJ: 1, stability: 1 } });
    const pool = new CountingPool(1, () => nan);
    const cache = new MemoryCache({ maxEntries: 10, defaultTtlS: 60 });
    const service = createSolveService(config, { pool, cache });
    const stubbed = buildApp(config, { service });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await stubbed.inject({
          method: 'POST',
          url: '/allocate',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(ALLOCATE_REQUEST_EXAMPLE),
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ code: 'NUMERIC_RANGE', field: 'body' });
        expect(res.json().reason).toContain('reference.delayS is NaN');
      }
      expect(pool.runs).toBe(2); // nothing was cached: the second request solved again
    } finally {
      await stubbed.close();
    }
  });
});
