// Insights (docs/insights.md): how well the marginal values predict a re-solve, and what they cost.
//
//   npx tsx bench/insights.ts            (5 seeds of 16×5 re-solved per server and resource; cost at 200×20 and 1000×50)
//   npx tsx bench/insights.ts --quick    (2 seeds; cost at 200×20)
//
// 1. Prediction: each seeded instance (small enough for exact re-solves) is solved, its
//    association held and re-solved to read the insights, then for every server and resource the
//    budget is raised by 5% and the instance solved again, association held (strict) and free
//    (warm-started from the base). All objectives are on the base's scales (see
//    test/fixtures/insights-check.ts). Printed per server: predicted change, re-solved changes,
//    relative error; per instance and resource: Spearman's rank correlation, sign agreement.
// 2. Cost: the same solve with and without options.insights, side by side, and the insights'
//    own compute time.
import os from 'node:os';
import { generateRequest, TINY_PRESET, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateResult, SolveOptions } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { compareWithResolves, spearman } from '../test/fixtures/insights-check.js';

const quick = process.argv.includes('--quick');
const SEEDS = quick ? [1, 2] : [1, 2, 3, 4, 5];
const SMALL: GeneratorOptions = { ...TINY_PRESET, devices: 16, servers: 5, layers: 5, trainingModes: ['backprop'], maxDevices: 5 };
const EXACT: SolveOptions = { timeLimitMs: 3000, baselines: false, algorithm: 'auto', seed: 1, relativeGap: 0 };

await initGlpk();
console.log('# bench/insights');
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${new Date().toISOString()}\n`,
);

const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(3));
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');

console.log('## 1. Predicted against re-solved objective change, +5% at one server (16 devices × 5 servers)\n');
let signsRight = 0;
let signs = 0;
const worstTop: number[] = [];
const correlations: number[] = [];
for (const seed of SEEDS) {
  const { instance } = normalize(generateRequest(seed, SMALL));
  const { base, rows } = await compareWithResolves(instance, 1.05, EXACT);
  const tiny = 1e-9 * base.objective!;
  console.log(`seed ${seed}: base ${base.status}, objective ${base.objective!.toFixed(6)}`);
  console.log('| resource | server | predicted | re-solved (held) | error | re-solved (free) | migrations |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const err = r.held < -tiny ? Math.abs(r.predicted - r.held) / Math.abs(r.held) : NaN;
    console.log(
      `| ${r.resource} | ${r.serverId} | ${fmt(r.predicted)} | ${fmt(r.held)} | ${pct(err)} | ${fmt(r.free)} | ${r.migrations} |`,
    );
    signs++;
    if (r.predicted < -tiny === r.held < -tiny) signsRight++;
  }
  for (const resource of ['bandwidth', 'frequency'] as const) {
    const of = rows.filter((r) => r.resource === resource);
    const rho = spearman(
      of.map((r) => r.predicted),
      of.map((r) => r.held),
    );
    correlations.push(rho);
    const top = of
      .filter((r) => r.held < -tiny)
      .sort((a, b) => a.predicted - b.predicted)
      .slice(0, 2);
    const errs = top.map((r) => Math.abs(r.predicted - r.held) / Math.abs(r.held));
    if (errs.length > 0) worstTop.push(Math.max(...errs));
    console.log(
      `  ${resource}: Spearman ${rho.toFixed(3)}; top-2 servers' error ${errs.map(pct).join(', ') || '— (budget binds nowhere)'}`,
    );
  }
  console.log('');
}
console.log(
  `signs right ${signsRight}/${signs}; Spearman min ${Math.min(...correlations).toFixed(3)}; worst top-server error ${pct(Math.max(0, ...worstTop))}\n`,
);

console.log('## 2. Cost: the same solve with and without insights (side by side)\n');
console.log('| size | limit ms | solve ms (plain) | solve ms (insights) | insights compute ms | objective equal |');
console.log('|---|---|---|---|---|---|');
const sizes: [number, number, number][] = quick
  ? [[200, 20, 1000]]
  : [
      [200, 20, 1000],
      [1000, 50, 2000],
    ];
for (const [devices, servers, limit] of sizes) {
  const { instance, options } = normalize(generateRequest(1, { devices, servers, maxDevices: Math.ceil((1.5 * devices) / servers) }));
  const opts = { ...options, timeLimitMs: limit, baselines: false };
  const runs: { plain: AllocateResult; with: AllocateResult; plainMs: number; withMs: number }[] = [];
  for (let i = 0; i < 2; i++) {
    let t = performance.now();
    const plain = await solveAllocate(instance, opts);
    const plainMs = performance.now() - t;
    t = performance.now();
    const withInsights = await solveAllocate(instance, { ...opts, insights: true });
    runs.push({ plain, with: withInsights, plainMs, withMs: performance.now() - t });
  }
  for (const r of runs) {
    console.log(
      `| ${devices}×${servers} | ${limit} | ${r.plainMs.toFixed(0)} | ${r.withMs.toFixed(0)} | ${r.with.insights?.computeTimeMs.toFixed(1) ?? '—'} | ${r.plain.objective === r.with.objective ? 'yes' : `no (${fmt(r.plain.objective!)} vs ${fmt(r.with.objective!)})`} |`,
    );
  }
}
