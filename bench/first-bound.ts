// The solve's first Lagrangian bound at large sizes, as auto.ts takes it: the greedy start plan's
// prices offered to the anytime bound (src/solver/bound/anytime.ts), one pass, then a few more
// (its ascent). Per size and seed: the gap to the start plan after the first pass and after four,
// the exact pairs priced per device in the first pass and after it, and the pass times. Pairs and
// gaps do not depend on the machine; times do (a shared machine inflates them). Imports resolve
// against the working directory, so the same command on an older checkout gives the old figures:
//
//   npx tsx bench/first-bound.ts                                  # this checkout
//   cd OTHER && npx tsx /path/to/bench/first-bound.ts             # another
//   SIZES=5000x100,10000x500 SEEDS=2 npx tsx bench/first-bound.ts
import { pathToFileURL } from 'node:url';

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { normalize } = await import(at('src/model/normalize.ts'));
const { effectiveWeights, objectiveScales, referenceTotals } = await import(at('src/model/evaluate.ts'));
const { buildDeviceModels } = await import(at('src/solver/pricing/device-model.ts'));
const { createPlanContext } = await import(at('src/solver/pricing/member.ts'));
const { greedyAssociation, planAll } = await import(at('src/solver/association/association.ts'));
const { createAnytimeBound, offerPrices, tightenBound } = await import(at('src/solver/bound/anytime.ts'));

const sizes = (process.env.SIZES ?? '2000x50,5000x100,10000x500').split(',');
const seeds = Number(process.env.SEEDS ?? 1);
const PASSES = 4;
console.log(
  '| size | seed | start plan ms | first pass ms | pairs per device, first pass | gap after it | later passes ms (mean) | pairs per device per later pass | gap after 4 |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const size of sizes) {
  const [devices, servers] = size.split('x').map(Number);
  for (let seed = 1; seed <= seeds; seed++) {
    const body = generateRequest(seed, { devices, servers });
    const { instance } = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs: 60_000 } });
    const ctx = createPlanContext(
      instance,
      effectiveWeights(instance, objectiveScales(instance, referenceTotals(instance))),
      buildDeviceModels(instance),
      5000,
    );
    let t = performance.now();
    const start = planAll(ctx, greedyAssociation(ctx));
    const planMs = performance.now() - t;
    const bound = createAnytimeBound(ctx, { relativeGap: 1e-9 });
    offerPrices(bound, {
      bandwidth: start.plans.map((p: { bandwidthPrice: number }) => p.bandwidthPrice),
      frequency: start.plans.map((p: { frequencyPrice: number }) => p.frequencyPrice),
    });
    const gap = () => ((start.cost - bound.value) / start.cost).toExponential(2);
    t = performance.now();
    tightenBound(bound, Date.now() + 600_000, start.cost, 1);
    const firstMs = performance.now() - t;
    const firstPairs = bound.stats.pairsPriced / devices;
    const firstGap = gap();
    t = performance.now();
    tightenBound(bound, Date.now() + 600_000, start.cost, PASSES - 1);
    const laterMs = (performance.now() - t) / (PASSES - 1);
    const laterPairs = (bound.stats.pairsPriced / devices - firstPairs) / (PASSES - 1);
    console.log(
      `| ${size} | ${seed} | ${planMs.toFixed(0)} | ${firstMs.toFixed(0)} | ${firstPairs.toFixed(1)} | ${firstGap} | ${laterMs.toFixed(0)} | ${laterPairs.toFixed(1)} | ${gap()} |`,
    );
  }
}
