// options.insights through the whole stack: HTTP → real SolveService (memory cache, worker pool,
// solver) → reply, checked against the OpenAPI document the service serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { responseChecker, type ResponseCheck } from './fixtures/http-fuzz.js';

describe('POST /allocate with options.insights', () => {
  let app: App;
  let check: ResponseCheck;
  beforeAll(async () => {
    app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 1 });
    await app.ready();
    check = await responseChecker(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/allocate', payload: payload as object });

  it('answers insights that validate against the documented schema, and caches them apart from the plain answer', async () => {
    const body = generateRequest(9, { ...TINY_PRESET, devices: 8, servers: 3, maxDevices: 3 });
    const plain = await post(body);
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json().insights).toBeUndefined();

    const withInsights = { ...body, options: { ...body.options, insights: true } };
    const res = await post(withInsights);
    expect(res.statusCode, res.body).toBe(200);
    expect(check('/allocate', 200, res.json())).toBeNull();
    const answer = res.json();
    expect(answer.cache).toBe('miss');
    expect(answer.requestHash).not.toBe(plain.json().requestHash);
    const { insights } = answer;
    expect(insights.servers.map((s: { serverId: string }) => s.serverId)).toEqual(body.servers.map((s) => s.id));
    expect(insights.devices).toHaveLength(body.devices.length);
    expect(insights.objective).toBeCloseTo(answer.objective, 12);
    for (const s of insights.servers) {
      expect(s.marginal.bandwidthPerMHz).toBeLessThanOrEqual(0);
      expect(s.marginal.frequencyPerGHz).toBeLessThanOrEqual(0);
      expect(s.marginal.slot === null).toBe(s.devices < 3);
    }
    // Ranked by the gain of +1% of capacity, every entry a gain.
    const gains = insights.addCapacity.map((a: { gainPerPercent: number }) => a.gainPerPercent);
    expect(gains).toEqual([...gains].sort((a: number, b: number) => b - a));
    expect(gains.every((g: number) => g > 0)).toBe(true);

    const again = await post(withInsights);
    expect(again.json()).toEqual({ ...answer, cache: 'hit' });
  });

  it('rejects a non-boolean insights option with a 400 naming it', async () => {
    const res = await post({ ...ALLOCATE_REQUEST_EXAMPLE, options: { insights: 'yes' } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('insights');
  });

  it('is also available on jobs of kind allocate', async () => {
    const body = { ...structuredClone(ALLOCATE_REQUEST_EXAMPLE), options: { insights: true } };
    const created = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'allocate', input: body } });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id;
    for (let i = 0; i < 200; i++) {
      const job = (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
      if (job.status === 'completed') {
        expect(job.result.insights.servers.length).toBe(ALLOCATE_REQUEST_EXAMPLE.servers.length);
        return;
      }
      expect(['queued', 'running']).toContain(job.status);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('job did not complete');
  });
});
