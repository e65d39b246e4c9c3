// The fuzz test's cases (test/fixtures/http-fuzz.ts) run longer, collecting every failure instead of
// stopping at the first: statuses per endpoint and case kind, failures grouped by their first line.
//   npx tsx bench/fuzz.ts [--runs 5000] [--seed 1] [--dump dir]   (runs per endpoint; --dump writes
//   each failing case's url and body to dir/failure-N.json)
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ENDPOINTS, caseArb, responseChecker, runCase } from '../test/fixtures/http-fuzz.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const runs = arg('runs', 5000);
const seed = arg('seed', 1);
const dumpAt = process.argv.indexOf('--dump');
const dumpDir = dumpAt >= 0 ? process.argv[dumpAt + 1] : undefined;
if (dumpDir) mkdirSync(dumpDir, { recursive: true });
let dumped = 0;
const app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 2 });
await app.ready();
const check = await responseChecker(app);

const t0 = performance.now();
let total = 0;
let cacheChecked = 0;
const failures = new Map<string, { count: number; example: string }>();
for (const [i, ep] of ENDPOINTS.entries()) {
  const counts = new Map<string, number>();
  // Wall time beyond the case's own time limit (default 2000 ms), for answers that reached a solver.
  let worst = { overMs: -Infinity, elapsedMs: 0, limitMs: 0, what: '' };
  const elapsed: number[] = [];
  const cases = fc.sample(caseArb(ep), { seed: seed + i, numRuns: runs });
  for (const c of cases) {
    total++;
    let label: string;
    try {
      const out = await runCase(app, check, c);
      if (out.cacheChecked) cacheChecked++;
      if (out.status === 200 || out.status === 422) {
        const limitMs = (c.body as { options?: { timeLimitMs?: number } }).options?.timeLimitMs ?? 2000;
        elapsed.push(out.elapsedMs);
        if (out.elapsedMs - limitMs > worst.overMs)
          worst = { overMs: out.elapsedMs - limitMs, elapsedMs: out.elapsedMs, limitMs, what: `${c.kind}: ${c.what}` };
      }
      label = `${c.kind} ${out.status}${out.code ? ` ${out.code}` : ''}`;
    } catch (err) {
      const message = (err as Error).message;
      if (dumpDir)
        writeFileSync(join(dumpDir, `failure-${++dumped}.json`), JSON.stringify({ url: c.url, kind: c.kind, what: c.what, body: c.body }));
      const head = message.split('\n')[0].replace(/\(.*?\)/, '(…)');
      const key = `${head} | ${message.split('\n')[1]?.slice(0, 160)}`;
      const f = failures.get(key) ?? { count: 0, example: message };
      f.count++;
      failures.set(key, f);
      label = `${c.kind} FAILED`;
    }
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  console.log(
    `POST ${ep.url}: ${[...counts]
      .sort()
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ')}`,
  );
  elapsed.sort((a, b) => a - b);
  const q = (p: number) => (elapsed.length ? elapsed[Math.min(elapsed.length - 1, Math.floor(p * elapsed.length))].toFixed(1) : '-');
  console.log(
    `  solved answers: wall time p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms; worst over its limit: ${worst.elapsedMs.toFixed(1)} ms at ${worst.limitMs} ms (${worst.what.slice(0, 300)})`,
  );
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${total} cases in ${seconds.toFixed(1)} s, ${cacheChecked} cached answers compared byte for byte, ${[...failures.values()].reduce((s, f) => s + f.count, 0)} failures in ${failures.size} groups`,
);
for (const [key, f] of failures) console.log(`\n× ${f.count}× ${key}\n${f.example.slice(0, 1500)}`);
await app.close();
process.exitCode = failures.size > 0 ? 1 : 0;
