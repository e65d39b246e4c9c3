// The service's side of the time limit for what-if and Pareto (src/solve/give-up.ts): a scenario or
// point whose solve does not answer by its deadline plus the contract's tolerance (less the answer's
// reserve) is given up and answered NO_SOLUTION_FOUND with `limit: TIME`, with its requestHash and a
// solver block; the others answer as usual, and the request is a 200 that matches the OpenAPI
// document. A backend double stands for a solve that overruns its slot (a phase that does not look at
// the clock, on a loaded machine: that cannot be made to happen deterministically on a real one): it
// never answers until it is stopped. Every other solve is the real solver, in this thread.
// Without the give-up the request would wait for that solve forever (the test times out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Instance, SolveOptions } from '../src/model/types.js';
import type { BackendTask, RunOutcome, SolverBackend } from '../src/solve/backend.js';
import { createSolveServiceOn } from '../src/solve/service.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { WHAT_IF_REQUEST_EXAMPLE } from '../src/schemas/what-if.js';
import { responseChecker, type ResponseCheck } from './fixtures/http-fuzz.js';
import { smallRequest } from './fixtures/allocate-requests.js';

/** Pareto points with this delay weight hang, like scenarios that remove a server. */
const HANGING_DELAY = 0.25;

/** What the double saw of each hanging solve: its request hash, and whether it was stopped. */
const hung: { requestHash: string; stopped: boolean }[] = [];

function hangs(task: BackendTask): boolean {
  const { instance, options } = task.input as { instance: Instance; options: SolveOptions };
  if (options.certify === false) return instance.servers.length < WHAT_IF_REQUEST_EXAMPLE.servers.length; // a server removed
  return instance.weights.delay === HANGING_DELAY;
}

const backend: SolverBackend = {
  name: 'threads',
  cachesAnswers: false,
  async run(task, control): Promise<RunOutcome> {
    if (hangs(task)) {
      const seen = { requestHash: task.requestHash, stopped: false };
      hung.push(seen);
      // Never answers by itself; stopped, it answers as a solve stopped before its first plan.
      return new Promise((resolve) =>
        control?.signal?.addEventListener('abort', () => {
          seen.stopped = true;
          resolve({ result: null, stopped: true });
        }),
      );
    }
    const { instance, options } = task.input as { instance: Instance; options: SolveOptions };
    const limitMs = Math.max(0, (task.deadlineAt ?? Date.now() + options.timeLimitMs) - Date.now());
    return {
      result: { ...(await solveAllocate(instance, { ...options, timeLimitMs: limitMs })), requestHash: task.requestHash },
      stopped: false,
    };
  },
  stats: async () => ({ backend: 'threads', threads: 2, queued: 0, maxQueue: 64 }),
  isReady: () => true,
  close: async () => {},
};

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 2 };
let app: App;
let check: ResponseCheck;

beforeAll(async () => {
  await initGlpk();
  const service = createSolveServiceOn(config, backend, {}, { closesBackend: true });
  app = buildApp(config, { service });
  await app.ready();
  check = await responseChecker(app);
});
afterAll(async () => {
  await app?.close();
});

function expectGivenUp(s: Record<string, unknown>) {
  expect(s.status).toBe('NO_SOLUTION_FOUND');
  expect(s.limit).toBe('TIME');
  expect((s.infeasibilities as { constraint: string }[])[0].constraint).toBe('timeLimitMs');
  const solver = s.solver as { version: string; statistics: { termination: string } };
  expect(solver.version).toMatch(/\(model /);
  expect(solver.statistics.termination).toBe('TIME');
}

describe('a sweep stops waiting for a solve that overruns its slot', () => {
  it('what-if: the hanging scenario answers NO_SOLUTION_FOUND/TIME under its own hash, the others as usual', {
    timeout: 30_000,
  }, async () => {
    hung.length = 0;
    const body = { ...structuredClone(WHAT_IF_REQUEST_EXAMPLE), options: { timeLimitMs: 600 } };
    const res = await app.inject({ method: 'POST', url: '/allocate/what-if', payload: body });
    expect(res.statusCode, res.body).toBe(200);
    expect(check('/allocate/what-if', 200, res.json())).toBeNull();
    const out = res.json();
    expect(out.base.status).not.toBe('NO_SOLUTION_FOUND');
    const down = out.scenarios.filter((s: { name: string }) => /down/.test(s.name));
    const others = out.scenarios.filter((s: { name: string }) => !/down/.test(s.name));
    expect(down).toHaveLength(1);
    expect(others.length).toBeGreaterThan(0);
    expectGivenUp(down[0]);
    expect(down[0].migrations).toEqual([]);
    expect(down[0].cache).toBe('miss');
    // Named as its solve: the hash the backend was given for it.
    expect(hung.map((h) => h.requestHash)).toEqual([down[0].requestHash]);
    // ...and that solve was stopped (its thread is free for the next).
    expect(hung[0].stopped).toBe(true);
    for (const s of others) expect(s.status).not.toBe('NO_SOLUTION_FOUND');
  });

  it('Pareto: the hanging point answers NO_SOLUTION_FOUND/TIME, the others as usual', { timeout: 30_000 }, async () => {
    hung.length = 0;
    const { objective: _o, ...snapshot } = smallRequest();
    const weights = [
      { delay: 1, energy: 1, stability: 1 },
      { delay: HANGING_DELAY, energy: 1, stability: 1 },
      { delay: 1, energy: 0.5, stability: 1 },
    ];
    const body = { ...snapshot, options: { timeLimitMs: 600 }, pareto: { weights } };
    const res = await app.inject({ method: 'POST', url: '/allocate/pareto', payload: body });
    expect(res.statusCode, res.body).toBe(200);
    expect(check('/allocate/pareto', 200, res.json())).toBeNull();
    const points = res.json().points as Record<string, unknown>[];
    expect(points).toHaveLength(3);
    expectGivenUp(points[1]);
    expect(points[1].requestHash).toBe(hung[0].requestHash);
    expect(hung[0].stopped).toBe(true);
    expect(points[0].status).not.toBe('NO_SOLUTION_FOUND');
    expect(points[2].status).not.toBe('NO_SOLUTION_FOUND');
  });
});
