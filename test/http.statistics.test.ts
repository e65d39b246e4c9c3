// solver.statistics on every answer kind (issue 21, point 7): POST /allocate, /allocate/blocks (200
// and 422), /allocate/evaluate, /allocate/pareto points, /allocate/what-if base and scenarios, and a
// job's result. Each answer is checked against the served OpenAPI document, whose schemas must
// require the field (the serialiser drops what a schema leaves out), and its statistics against
// the answer itself: the same termination, phase times ≥ 0, a trace in time order whose bound never
// exceeds its objective.
import { describe, expect, it } from 'vitest';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';
import { EVALUATE_REQUEST_EXAMPLE } from '../src/schemas/evaluate.js';
import { PARETO_REQUEST_EXAMPLE } from '../src/schemas/pareto.js';
import { WHAT_IF_REQUEST_EXAMPLE } from '../src/schemas/what-if.js';
import { useCheckedApp } from './fixtures/http-fuzz.js';

const served = useCheckedApp();
const post = (url: string, payload: object) => served.app.inject({ method: 'POST', url, payload });

interface Statistics {
  termination: string;
  phasesMs: Record<string, number>;
  trace: { atMs: number; objective?: number; bound?: number }[];
  searchSteps?: number;
  boundEvaluations?: number;
}
interface Solver {
  algorithm: string;
  version: string;
  solveTimeMs: number;
  statistics: Statistics;
}

/** The common part (RunStatistics) of any answer's solver.statistics. */
function expectRunStatistics(solver: Solver, termination?: string): Statistics {
  expect(typeof solver.algorithm).toBe('string');
  expect(solver.version.length).toBeGreaterThan(0);
  expect(solver.solveTimeMs).toBeGreaterThanOrEqual(0);
  const s = solver.statistics;
  expect(s).toBeDefined();
  expect(['GAP', 'CONVERGED', 'TIME', 'INTERRUPTED']).toContain(s.termination);
  if (termination !== undefined) expect(s.termination).toBe(termination);
  expect(Object.keys(s.phasesMs).length).toBeGreaterThan(0);
  for (const ms of Object.values(s.phasesMs)) expect(ms).toBeGreaterThanOrEqual(0);
  expect(s.trace.length).toBeLessThanOrEqual(12);
  for (let i = 1; i < s.trace.length; i++) expect(s.trace[i].atMs).toBeGreaterThanOrEqual(s.trace[i - 1].atMs);
  for (const p of s.trace) if (p.objective !== undefined && p.bound !== undefined) expect(p.bound).toBeLessThanOrEqual(p.objective);
  return s;
}

/** The schema the document gives `solver` in a response: it must require statistics. */
function solverSchemaRequiresStatistics(doc: any, component: string, path: string[]): boolean {
  const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
  let schema = resolve(doc.components.schemas[component]);
  for (const key of path) schema = resolve(key === '[]' ? schema.items : schema.properties[key]);
  return schema.required?.includes('statistics') === true && schema.properties.statistics !== undefined;
}

describe('solver.statistics on every answer', () => {
  it('the document requires solver.statistics in every answer kind', async () => {
    const doc = (await served.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(solverSchemaRequiresStatistics(doc, 'AllocateResponse', ['solver'])).toBe(true);
    expect(solverSchemaRequiresStatistics(doc, 'BlocksResponse', ['solver'])).toBe(true);
    expect(solverSchemaRequiresStatistics(doc, 'BlocksInfeasibleResponse', ['solver'])).toBe(true);
    expect(solverSchemaRequiresStatistics(doc, 'EvaluateResponse', ['solver'])).toBe(true);
    expect(solverSchemaRequiresStatistics(doc, 'ParetoPoint', ['solver'])).toBe(true);
    expect(solverSchemaRequiresStatistics(doc, 'WhatIfResponse', ['scenarios', '[]', 'solver'])).toBe(true);
    expect(doc.components.schemas.EvaluateResponse.required).toContain('solver');
  });

  it('POST /allocate: termination, phases, search steps, bound evaluations, trace', async () => {
    const res = await post('/allocate', ALLOCATE_REQUEST_EXAMPLE);
    expect(served.check('/allocate', res.statusCode, res.json())).toBeNull();
    const body = res.json();
    const s = expectRunStatistics(body.solver, body.termination);
    expect(s.searchSteps).toBeGreaterThanOrEqual(0);
    expect(s.boundEvaluations).toBeGreaterThanOrEqual(0);
  });

  it('POST /allocate/blocks: the certificate path reports its phases, steps over the latency and the latency and bound over time', async () => {
    const res = await post('/allocate/blocks', BLOCKS_REQUEST_EXAMPLE);
    expect(served.check('/allocate/blocks', res.statusCode, res.json())).toBeNull();
    const body = res.json();
    expect(body.solver.version).toBe('0.4.0');
    const s = expectRunStatistics(body.solver, body.termination);
    expect(s.phasesMs).toHaveProperty('placement');
    expect(s.phasesMs).toHaveProperty('answer');
    expect(s.searchSteps).toBeGreaterThan(0);
    // the last point is the answer's own round latency and bound
    const last = s.trace.at(-1)!;
    expect(last.objective).toBe(body.roundLatencyS);
    expect(last.bound).toBe(body.bound);
  });

  it('POST /allocate/blocks 422: an infeasible placement still says how the run went', async () => {
    const body = { ...BLOCKS_REQUEST_EXAMPLE, devices: BLOCKS_REQUEST_EXAMPLE.devices.map((d) => ({ ...d, memoryBytes: 6e8 })) };
    const res = await post('/allocate/blocks', body);
    expect(res.statusCode).toBe(422);
    expect(served.check('/allocate/blocks', 422, res.json())).toBeNull();
    const s = expectRunStatistics(res.json().solver, 'CONVERGED');
    expect(Object.keys(s.phasesMs)).toEqual(['placement']);
    expect(s.trace).toEqual([]);
  });

  it("POST /allocate/evaluate: phases, bound passes, the bound over time ending at the answer's bound, why the bound stopped", async () => {
    const res = await post('/allocate/evaluate', EVALUATE_REQUEST_EXAMPLE);
    expect(served.check('/allocate/evaluate', res.statusCode, res.json())).toBeNull();
    const body = res.json();
    expect(body.solver.algorithm).toBe('evaluate-lagrangian-bound');
    expect(body.solver.solveTimeMs).toBe(body.solveTimeMs);
    const s = expectRunStatistics(body.solver);
    expect(Object.keys(s.phasesMs)).toEqual(['prepare', 'score', 'feasibility', 'prices', 'bound']);
    expect(s.boundEvaluations).toBeGreaterThan(0);
    // one point for the allocation, then one per pass; past 12 points every second is dropped (7 to 12 remain)
    if (s.boundEvaluations! + 1 <= 12) expect(s.trace.length).toBe(s.boundEvaluations! + 1);
    else expect(s.trace.length).toBeGreaterThanOrEqual(7);
    expect(s.trace[0].bound).toBeUndefined();
    expect(s.trace.at(-1)!.bound).toBe(body.bound);
    for (const p of s.trace) expect(p.objective).toBe(body.objective);
    // not a time-out at 1 s on three devices: the ascent ended on its own or met the objective
    expect(['CONVERGED', 'GAP']).toContain(s.termination);
  });

  it('POST /allocate/pareto: every point carries its solve statistics', async () => {
    const res = await post('/allocate/pareto', PARETO_REQUEST_EXAMPLE);
    expect(served.check('/allocate/pareto', res.statusCode, res.json())).toBeNull();
    const points = res.json().points as { termination: string; solver: Solver }[];
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expectRunStatistics(p.solver, p.termination);
  });

  it('POST /allocate/what-if: the base and every scenario carry solve statistics', async () => {
    const res = await post('/allocate/what-if', WHAT_IF_REQUEST_EXAMPLE);
    expect(served.check('/allocate/what-if', res.statusCode, res.json())).toBeNull();
    const body = res.json();
    expectRunStatistics(body.base.solver, body.base.termination);
    expect(body.scenarios.length).toBe(WHAT_IF_REQUEST_EXAMPLE.scenarios.length);
    for (const sc of body.scenarios) {
      const s = expectRunStatistics(sc.solver);
      expect(s.searchSteps).toBeGreaterThanOrEqual(0);
      expect(sc.solver.solveTimeMs).toBe(sc.solveTimeMs);
    }
  });

  it("a blocks job's result carries them too (the sync answer's shape)", async () => {
    const created = await post('/jobs', { kind: 'blocks', input: BLOCKS_REQUEST_EXAMPLE });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id;
    for (let i = 0; i < 400; i++) {
      const job = (await served.app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
      if (job.status === 'completed') {
        expect(served.check('/allocate/blocks', job.resultStatusCode, job.result)).toBeNull();
        expectRunStatistics(job.result.solver, job.result.termination);
        return;
      }
      expect(['queued', 'running']).toContain(job.status);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('job did not complete');
  });
});
