// What-if scenarios in queue mode (real Redis, an in-process queue worker): each scenario is a sync
// allocate job whose worker re-normalises the body, so the scenario's search-only solve
// (CallOptions.certify false, docs/what-if.md) must travel in the job itself; the base stays certified.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { composeServices, createSolveService } from '../src/compose.js';
import { startQueueWorker, type QueueWorker } from '../src/backends/bullmq/queue-worker.js';
import { WHAT_IF_REQUEST_EXAMPLE } from '../src/schemas/what-if.js';
import type { CallOptions, SolveService } from '../src/solve/types.js';
import type { AllocateRequest } from '../src/model/request.js';
import { SHARED_REDIS_URL, deleteKeys } from './fixtures/redis.js';

const QUEUE = `test-what-if-${randomUUID().slice(0, 8)}`;
const config = {
  ...loadConfig({ REDIS_URL: SHARED_REDIS_URL, SOLVER_QUEUE: 'bullmq', QUEUE_NAME: QUEUE, SOLVER_THREADS: '2' }),
  logLevel: 'silent' as const,
};
/** What the worker's service was asked to solve: whether the body had `previous` (a scenario) and `certify`. */
const seen: { scenario: boolean; certify: CallOptions['certify'] }[] = [];
let worker: QueueWorker;
let api: SolveService;

beforeAll(async () => {
  const inner = createSolveService(config);
  const recording: SolveService = {
    ...inner,
    solve(kind, body, call?: CallOptions) {
      if (kind === 'allocate') seen.push({ scenario: (body as AllocateRequest).previous !== undefined, certify: call?.certify });
      return inner.solve(kind, body, call);
    },
  };
  worker = startQueueWorker(config, recording);
  await worker.ready();
  api = composeServices(config).service;
  // The queue refuses (503) until its Redis connection is up, as a client would see it right after start.
  const deadline = Date.now() + 20_000;
  while (!(await api.readiness()).ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}, 60_000);

afterAll(async () => {
  await api?.close();
  await worker?.close(5000);
  await deleteKeys(`bull:${QUEUE}:`);
});

describe('what-if on BullMQ workers', () => {
  it('solves the base certified and every scenario search-only on the worker', async () => {
    const request = { ...WHAT_IF_REQUEST_EXAMPLE, options: { ...WHAT_IF_REQUEST_EXAMPLE.options, seed: Date.now() % 100_000 } };
    const out = await api.allocateWhatIf(request);
    expect(out.scenarios.map((s) => s.status)).toEqual(['OPTIMAL', 'OPTIMAL', 'OPTIMAL']); // enumerated: exact either way
    expect(seen.filter((s) => !s.scenario)).toEqual([{ scenario: false, certify: undefined }]);
    expect(seen.filter((s) => s.scenario)).toEqual(request.scenarios.map(() => ({ scenario: true, certify: false })));
  }, 60_000);
});
