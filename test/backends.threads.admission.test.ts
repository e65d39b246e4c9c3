// Admission that keeps its promises: the wait estimate (list scheduling of the solves in flight),
// the measured share of their limits solves use, and, end to end, an overload probe in which no
// caller is accepted and then answered NO_SOLUTION_FOUND for lack of CPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { admit, RunShare, startDelayMs } from '../src/backends/admission.js';

describe('wait estimate', () => {
  it('is 0 with a thread free, else when the work ahead leaves a thread (brute force over FIFO orders)', () => {
    const now = 10_000;
    expect(startDelayMs([], 2, now)).toBe(0);
    expect(startDelayMs([{ startedAt: now - 100, expectedRunMs: 1000 }], 2, now)).toBe(0);
    // Two running (900 and 400 ms left), three queued of 300, 500, 200 ms on two threads:
    // t=400: q1 starts (ends 700); t=700: q2 (ends 1200); t=900: q3 (ends 1100) → the next thread frees at 1100.
    const flights = [
      { startedAt: now - 100, expectedRunMs: 1000 },
      { startedAt: now - 600, expectedRunMs: 1000 },
      { startedAt: undefined, expectedRunMs: 300 },
      { startedAt: undefined, expectedRunMs: 500 },
      { startedAt: undefined, expectedRunMs: 200 },
    ];
    expect(startDelayMs(flights, 2, now)).toBe(1100);
    // A running solve past its expected end frees its thread now, not in the past.
    expect(startDelayMs([{ startedAt: now - 5000, expectedRunMs: 1000 }], 1, now)).toBe(0);
  });

  it('accepts only when the limit left after the wait covers the floor', () => {
    // The wait counts a quarter longer: 2000 − 1.25 × 1520 = 100, exactly the floor.
    expect(admit(2000, 100, 1520).accept).toBe(true);
    expect(admit(2000, 100, 1521).accept).toBe(false);
    expect(admit(100, 100, 0).accept).toBe(true); // at its floor on an idle machine
    expect(admit(0, 1, 0).accept).toBe(true); // limit spent before the solve, but nothing ahead: a retry would not help
    expect(admit(10, 100, 0).accept).toBe(true); // a thread is free: nothing ahead to wait for
  });

  it('learns the share of their limits solves use', () => {
    const share = new RunShare(0.5);
    expect(share.value).toBe(1);
    share.observe(100, 2000);
    expect(share.value).toBeCloseTo(0.05);
    share.observe(2000, 2000);
    expect(share.value).toBeCloseTo(0.525);
    share.observe(50, 0); // no budget: ignored
    expect(share.value).toBeCloseTo(0.525);
  });
});

describe('overload probe (2 solver threads)', () => {
  let app: App;
  beforeAll(async () => {
    app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 2 });
    await app.ready();
    while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    await app.close();
  });

  it('12 distinct 200 × 20 requests 40 ms apart with 1500 ms limits (each runs its whole limit): each a plan or a 503 with Retry-After, never NO_SOLUTION_FOUND', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => ({
      ...generateRequest(500 + i, { devices: 200, servers: 20 }),
      options: { baselines: false, timeLimitMs: 1500 },
    }));
    const replies = await Promise.all(
      bodies.map(async (payload, i) => {
        await new Promise((resolve) => setTimeout(resolve, 40 * i));
        return app.inject({ method: 'POST', url: '/allocate', payload });
      }),
    );
    const counts: Record<string, number> = {};
    for (const r of replies) {
      const key = r.statusCode === 200 ? r.json().status : `${r.statusCode} ${r.json().code}`;
      counts[key] = (counts[key] ?? 0) + 1;
      if (r.statusCode === 200) {
        expect(r.json().allocations).toHaveLength(200);
      } else {
        expect(r.statusCode, r.body).toBe(503);
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    }
    console.log(`overload probe: ${JSON.stringify(counts)}`);
    expect(counts.NO_SOLUTION_FOUND ?? 0).toBe(0);
    expect(replies.filter((r) => r.statusCode === 200).length).toBeGreaterThan(0);
  }, 60_000);
});
