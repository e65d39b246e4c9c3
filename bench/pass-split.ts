// One bound pass on this thread against the same pass split with a helper thread
// (src/backends/threads/parallel-passes.ts), at the same prices, alternately: wall and CPU time per
// pass; the hand-off's cost is what the split pass takes beyond half the single one (wall) and beyond
// the single one (CPU).
// Passes: the quick first pass at fluid prices, then exact passes of the ascent. Both bounds must
// reach the same bits (checked here too).
//
//   SIZES=5000x100,10000x500 PASSES=4 npx tsx bench/pass-split.ts
import { loadavg } from 'node:os';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { greedyAssociation, planAll } from '../src/solver/association/association.js';
import { createAnytimeBound, offerPrices, tightenBound, type AnytimeBound } from '../src/solver/bound/anytime.js';
import { pricingContext } from '../src/solver/auto.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { packInstance } from '../src/solve/transfer.js';
import { parallelPasses, startPassHelper } from '../src/backends/threads/parallel-passes.js';

await initGlpk();
const sizes = (process.env.SIZES ?? '5000x100').split(',');
const passes = Number(process.env.PASSES ?? 4);
const seed = Number(process.env.SEED ?? 1);
const helper = startPassHelper();
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`load ${load()}`);
console.log('| size | pass | one thread: wall ms, CPU ms | split: wall ms, CPU ms | wall ratio | same bits |');
console.log('|---|---|---|---|---|---|');

function timed(bound: AnytimeBound): { wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  tightenBound(bound, Date.now() + 600_000, Infinity, 1);
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

for (const size of sizes) {
  const [devices, servers] = size.split('x').map(Number);
  const body = generateRequest(seed, { devices, servers });
  const instance = normalize({ ...body, options: { ...body.options, timeLimitMs: 60_000 } }).instance;
  const own = pricingContext(instance).ctx;
  const plan = planAll(own, greedyAssociation(own)!);
  const prices = { bandwidth: plan.plans.map((p) => p.bandwidthPrice), frequency: plan.plans.map((p) => p.frequencyPrice) };
  const executor = parallelPasses(helper, { packed: packInstance(instance), alone: () => true });
  const readyBy = Date.now() + 120_000;
  while (!executor.ready() && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 20));
  // Both bounds on contexts as the solve has them: the search's own (members built while planning) and the helper's.
  const single = createAnytimeBound(own);
  const split = createAnytimeBound(pricingContext(instance).ctx, { devicePasses: executor });
  planAll(split.ctx, greedyAssociation(split.ctx)!);
  offerPrices(single, prices);
  offerPrices(split, prices);
  for (let pass = 1; pass <= passes; pass++) {
    const a = pass % 2 === 1 ? timed(single) : undefined;
    const b = timed(split);
    const a2 = a ?? timed(single);
    const same = Object.is(single.value, split.value) && single.stats.pairsPriced === split.stats.pairsPriced;
    console.log(
      `| ${size} | ${pass === 1 ? '1 (quick)' : pass} | ${a2.wallMs.toFixed(0)}, ${a2.cpuMs.toFixed(0)} | ${b.wallMs.toFixed(0)}, ${b.cpuMs.toFixed(0)} | ${(b.wallMs / a2.wallMs).toFixed(2)} | ${same} |`,
    );
  }
  executor.end();
}
console.log(`load ${load()}`);
await helper.worker.terminate();
