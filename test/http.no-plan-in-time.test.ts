// A sync solve that ran and found no plan within its limit (the machine gave it too little CPU) is
// answered 503 NO_PLAN_IN_TIME with Retry-After, not OVERLOADED (which says the queue is full or the
// work ahead is too much: here the queue is empty), and counted in edge_allocator_solves_total as what
// the solver answered (NO_SOLUTION_FOUND, limit TIME). A backend double answers as a starved solver
// does (a real machine cannot be made to starve a solve deterministically); everything else is the
// real service, app and metrics. Jobs keep the answer as it is (200 NO_SOLUTION_FOUND).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { BackendTask, SolverBackend } from '../src/solve/backend.js';
import { createSolveServiceOn } from '../src/solve/service.js';
import { smallRequest } from './fixtures/allocate-requests.js';

/** What the solver answers when no allocation was complete within the limit (solver/auto.ts outOfTime). */
function outOfTime(task: BackendTask) {
  return {
    status: 'NO_SOLUTION_FOUND',
    termination: 'TIME',
    relativeGap: 1e-4,
    limit: 'TIME',
    allocations: [],
    infeasibilities: [{ constraint: 'timeLimitMs', deviceIds: [], detail: 'no allocation was complete within the time limit' }],
    reference: { delayS: 1, energyJ: 1, stability: 1 },
    baselines: [],
    solver: { algorithm: 'auto', version: 'test', solveTimeMs: 100, statistics: { termination: 'TIME', phasesMs: {} } },
    requestHash: task.requestHash,
  };
}

const starved: SolverBackend = {
  name: 'threads',
  cachesAnswers: false,
  run: async (task) => ({ result: outOfTime(task), stopped: false }),
  stats: async () => ({ backend: 'threads', threads: 2, queued: 0, maxQueue: 64 }),
  isReady: () => true,
  close: async () => {},
};

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 2 };
let app: App;

beforeAll(async () => {
  const metrics = createMetrics();
  const service = createSolveServiceOn(config, starved, { observer: metrics }, { closesBackend: true });
  app = buildApp(config, { service, metrics });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

describe('no plan within the time limit, queue empty', () => {
  it('POST /allocate: 503 NO_PLAN_IN_TIME with Retry-After and a message that does not claim a full queue', async () => {
    const res = await app.inject({ method: 'POST', url: '/allocate', payload: smallRequest() });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const body = res.json();
    expect(body.code).toBe('NO_PLAN_IN_TIME');
    expect(body.type).toBe('https://edge-allocator.dev/problems/no-plan-in-time');
    expect(body.title).toBe('No plan within the time limit');
    expect(body.detail).toMatch(/no plan was found within the time limit/);
    expect(body.detail).not.toMatch(/queue|busy/);
    expect(body.retryAfterS).toBeGreaterThanOrEqual(1);
  });

  it('metrics: the solve counts as NO_SOLUTION_FOUND / TIME, the answer as a 503', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/edge_allocator_solves_total\{kind="allocate",status="NO_SOLUTION_FOUND",limit="TIME"\} [1-9]/);
    expect(text).not.toMatch(/edge_allocator_solves_total\{[^}]*status="OVERLOADED"/);
    expect(text).toMatch(/edge_allocator_http_request_duration_seconds_count\{[^}]*route="\/allocate"[^}]*status_code="503"[^}]*\} [1-9]/);
  });

  it('POST /jobs: the job completes with the answer as it is, 200 NO_SOLUTION_FOUND (limit TIME), not a 503', async () => {
    const accepted = await app.inject({ method: 'POST', url: '/jobs', payload: { kind: 'allocate', input: smallRequest() } });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { id } = accepted.json();
    // Polls until the job ends (the double answers at once); the bound only keeps a broken run from hanging.
    let job: { status: string; resultStatusCode?: number; result?: { status: string; limit?: string }; error?: unknown };
    for (let polls = 0; ; polls++) {
      job = (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json();
      if (job.status !== 'queued' && job.status !== 'running') break;
      if (polls > 1000) throw new Error(`job ${id} stuck at ${JSON.stringify(job)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(job.status, JSON.stringify(job)).toBe('completed');
    expect(job.error).toBeUndefined();
    expect(job.resultStatusCode).toBe(200);
    expect(job.result).toMatchObject({ status: 'NO_SOLUTION_FOUND', limit: 'TIME' });
  });
});
