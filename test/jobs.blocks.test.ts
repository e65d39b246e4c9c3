// Jobs of kind blocks in embedded mode (no Redis): real app, real solver threads. A cancelled block
// allocation answers with its best assignment and says it was interrupted, not timed out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { generateBlocksRequest } from '../src/blocks/generator.js';
import { loadConfig } from '../src/config.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';

let app: App;
beforeAll(async () => {
  app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 2, jobTtlS: 60 });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const submit = (payload: object) => app.inject({ method: 'POST', url: '/jobs', payload });
const getJob = (id: string) => app.inject({ method: 'GET', url: `/jobs/${id}` });

async function until(id: string, done: (job: { status: string }) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = (await getJob(id)).json();
    if (done(j)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck at ${JSON.stringify(j).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('jobs of kind blocks', () => {
  it('a finished job states its tolerance and why it ended', async () => {
    const job = (await submit({ kind: 'blocks', input: { ...BLOCKS_REQUEST_EXAMPLE, options: { relativeGap: 0.001 } } })).json();
    const done = await until(job.id, (j) => j.status === 'completed');
    expect(done.result).toMatchObject({ status: 'OPTIMAL', relativeGap: 0.001 });
    expect(['GAP', 'CONVERGED']).toContain(done.result.termination);
    expect(done.result.gap).toBeLessThanOrEqual(0.001);
  });

  it('DELETE of a running job: its best assignment, termination INTERRUPTED (not TIME)', async () => {
    // 128 devices × 128 blocks proven to the end: far longer than the test waits
    const input = generateBlocksRequest(1128, {
      model: { layers: 128, hiddenSize: 4096, tokens: 512, batchSize: 4 },
      devices: 128,
      tflops: [5, 40],
      memoryGB: [64, 192],
      options: { relativeGap: 0, baselines: false },
    });
    const job = (await submit({ kind: 'blocks', input, timeLimitMs: 60_000 })).json();
    await until(job.id, (j) => j.status === 'running');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t0 = performance.now();
    const cancelled = (await app.inject({ method: 'DELETE', url: `/jobs/${job.id}` })).json();
    const stopMs = performance.now() - t0;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.result.assignments).toHaveLength(128);
    expect(cancelled.result).toMatchObject({ status: 'FEASIBLE', termination: 'INTERRUPTED', limit: 'TIME', relativeGap: 0 });
    expect(cancelled.result.bound).toBeLessThanOrEqual(cancelled.result.roundLatencyS);
    expect(stopMs).toBeLessThan(5000);
  });
});
