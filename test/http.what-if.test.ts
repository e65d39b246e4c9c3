// POST /allocate/what-if through the whole stack: HTTP → real SolveService (memory cache, worker
// pool, solver) → reply, checked against the OpenAPI document the service serves; and as a job.
import { describe, expect, it } from 'vitest';
import { WHAT_IF_REQUEST_EXAMPLE, WhatIfResponseSchema } from '../src/schemas/what-if.js';
import { useCheckedApp } from './fixtures/http-fuzz.js';
import { keyOrderProblems, schemaText } from './fixtures/schema-text.js';

describe('POST /allocate/what-if', () => {
  const served = useCheckedApp();

  const post = (payload: unknown) => served.app.inject({ method: 'POST', url: '/allocate/what-if', payload: payload as object });

  it('answers the documented example: the base as /allocate answers it, every scenario against it', async () => {
    const t0 = Date.now();
    const res = await post(WHAT_IF_REQUEST_EXAMPLE);
    const wallMs = Date.now() - t0;
    expect(res.statusCode, res.body).toBe(200);
    expect(served.check('/allocate/what-if', 200, res.json())).toBeNull();
    const out = res.json();
    // One limit for the whole request (loose for a shared machine; docs/time-limits.md).
    expect(wallMs).toBeLessThan(WHAT_IF_REQUEST_EXAMPLE.options.timeLimitMs * 1.5 + 500);
    const { scenarios: _s, ...snapshot } = WHAT_IF_REQUEST_EXAMPLE;
    const direct = await served.app.inject({ method: 'POST', url: '/allocate', payload: snapshot });
    expect(direct.json().requestHash).toBe(out.base.requestHash);
    // The base is sent as POST /allocate sends that answer, byte for byte (there a cache hit).
    expect(out.base.cache).toBe('miss');
    expect(res.body.startsWith(`{"base":${direct.body.replace('"cache":"hit"', '"cache":"miss"')},"scenarios":`)).toBe(true);
    // Nothing the schema serialiser would strip; keys in the schema's order.
    const serialiser = await schemaText(WhatIfResponseSchema);
    expect(JSON.parse(await serialiser.text(out))).toEqual(out);
    await serialiser.close();
    expect(keyOrderProblems(out, WhatIfResponseSchema)).toEqual([]);
    expect(out.scenarios.map((s: { name: string }) => s.name)).toEqual(WHAT_IF_REQUEST_EXAMPLE.scenarios.map((s) => s.name));
    const [more, down, leaves] = out.scenarios;
    expect(more.delta.objective).toBeLessThanOrEqual(1e-6 * out.base.objective);
    const onEs2 = out.base.allocations
      .filter((a: { serverId: string }) => a.serverId === 'es-2')
      .map((a: { deviceId: string }) => a.deviceId);
    expect(down.migrations.map((m: { deviceId: string }) => m.deviceId).sort()).toEqual(expect.arrayContaining(onEs2));
    expect(down.migrations.every((m: { toServerId: string }) => m.toServerId !== 'es-2')).toBe(true);
    expect(leaves.totals).toBeDefined();
    expect(leaves.migrations.some((m: { deviceId: string }) => m.deviceId === 'ue-3')).toBe(false);
  });

  it('a bad scenario is a 400 naming the scenario and the change', async () => {
    const body = structuredClone(WHAT_IF_REQUEST_EXAMPLE) as { scenarios: { name: string; changes: unknown[] }[] };
    body.scenarios[1].changes.push({ op: 'scaleFrequency', serverId: 'es-9', factor: 2 });
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'scenarios[1].changes[1].serverId' });
    expect(res.json().reason).toContain('unknown server id "es-9"');
    const unknownOp = structuredClone(WHAT_IF_REQUEST_EXAMPLE) as { scenarios: { name: string; changes: unknown[] }[] };
    unknownOp.scenarios[0].changes = [{ op: 'explode', serverId: 'es-1' }];
    const bad = await post(unknownOp);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toMatch(/^scenarios\[0\]\.changes\[0\]/);
  });

  it("a bad change is named inside its op's branch; an unknown or missing op names .op", async () => {
    type Body = { scenarios: { name: string; changes: unknown[] }[]; servers: Record<string, unknown>[] };
    const withChange = (change: unknown) => {
      const body = structuredClone(WHAT_IF_REQUEST_EXAMPLE) as unknown as Body;
      body.scenarios[1].changes = [change];
      return body;
    };
    const server = { ...structuredClone(WHAT_IF_REQUEST_EXAMPLE).servers[0], id: 'es-new', frequencyHz: -5 };
    const badServer = await post(withChange({ op: 'addServer', server }));
    expect(badServer.statusCode).toBe(400);
    // Without the discriminator Ajv reported the first branch: 'scenarios[1].changes[0].serverId' is required.
    expect(badServer.json()).toMatchObject({ field: 'scenarios[1].changes[0].server.frequencyHz' });
    const unknownOp = await post(withChange({ op: 'explode', serverId: 'es-1' }));
    expect(unknownOp.statusCode).toBe(400);
    expect(unknownOp.json()).toMatchObject({ field: 'scenarios[1].changes[0].op', reason: 'unknown op' });
    const noOp = await post(withChange({ serverId: 'es-1', factor: 2 }));
    expect(noOp.statusCode).toBe(400);
    expect(noOp.json().field).toBe('scenarios[1].changes[0].op');
  });

  it('runs as a job of kind what-if with the same answer shape', async () => {
    const created = await served.app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'what-if', input: WHAT_IF_REQUEST_EXAMPLE } });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id;
    for (let i = 0; i < 400; i++) {
      const job = (await served.app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
      if (job.status === 'completed') {
        expect(job.resultStatusCode).toBe(200);
        expect(served.check('/allocate/what-if', 200, job.result)).toBeNull();
        return;
      }
      expect(['queued', 'running']).toContain(job.status);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('job did not complete');
  });
});
