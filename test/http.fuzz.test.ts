// Property-based fuzzing of every POST endpoint through app.inject, generated from the request
// schemas themselves (test/fixtures/schema-fuzz.ts): valid bodies with numbers at the edges of
// their ranges, one-field violations, and whole bodies drawn from the schema. Whatever the case:
// no 5xx, every answer validates against the schema the OpenAPI document gives for its status, a
// violation is a 400 naming its field, and a cacheable answer comes back from the cache byte for
// byte. Seeded and bounded; `npx tsx bench/fuzz.ts` runs the same cases longer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS, caseArb, runCase, useCheckedApp } from './fixtures/http-fuzz.js';

const SEED = 20261201;
const RUNS = Number(process.env.FUZZ_RUNS ?? 800);

const served = useCheckedApp();

describe('fuzz: every POST endpoint, cases generated from its schema', () => {
  for (const [i, ep] of ENDPOINTS.entries()) {
    // A pareto case is up to six solves, a what-if case up to four: fewer keep the file's time in check.
    const runs = ep.url === '/allocate/pareto' ? RUNS / 2 : ep.url === '/allocate/what-if' ? RUNS / 4 : RUNS;
    it(`POST ${ep.url}: no 5xx, answers match the documented schemas, violations name their field`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(caseArb(ep), async (c) => {
          const { status } = await runCase(served.app, served.check, c);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
        { seed: SEED + i, numRuns: runs, endOnFailure: true },
      );
      // The mix really reaches the solver and the validator, not only one of them.
      expect(statuses.get(400) ?? 0).toBeGreaterThan(runs / 10);
      expect((statuses.get(200) ?? 0) + (statuses.get(422) ?? 0)).toBeGreaterThan(runs / 10);
    }, 120_000);
  }
});
