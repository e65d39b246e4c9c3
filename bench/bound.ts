// The anytime Lagrangian bound (src/solver/bound/anytime.ts) inside a solve-shaped run, beside the
// bound the solve uses today (lagrangianBound after the search), in one run on the same instances.
// Per size and seed, with the size's limit L:
//   1. the first feasible plan (greedy association, planned) and, at its prices, the first bound
//      (one pass): when each is ready and the gap then;
//   2. the search as the solve runs it (balance, then priced reassignment) until 0.55·L, its plans'
//      prices offered to the bound (with its priced matrix when it has one);
//   3. the bound tightened until 0.9·L: the gap then (anytime), and the gap of lagrangianBound given
//      the same time from the same search result (today's path);
//   4. one pass at the search's prices by each: the anytime pass and dual.ts's evaluateDual (checked equal).
// Gaps are (objective − bound)/objective against the run's own best objective.
// Run: npx tsx bench/bound.ts [--sizes=1000x50,5000x100,10000x500] [--seeds=2]
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { effectiveWeights, objectiveScales, referenceTotals } from '../src/model/evaluate.js';
import { buildDeviceModels } from '../src/solver/pricing/device-model.js';
import { createPlanContext } from '../src/solver/pricing/member.js';
import { capacities, greedyAssociation, improveAssociation, planAll } from '../src/solver/association/association.js';
import { evaluateDual } from '../src/solver/bound/dual.js';
import { balanceAssociation } from '../src/solver/association/balance.js';
import { lagrangianBound } from '../src/solver/bound/bound.js';
import { createAnytimeBound, offerPrices, tightenBound } from '../src/solver/bound/anytime.js';
import { initGlpk } from '../src/solver/math/glpk.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SIZES = (arg('sizes') ?? '1000x50,5000x100,10000x500').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const SEEDS = Number(arg('seeds') ?? 2);
/** The limits of issue 18's targets. */
const LIMIT_MS: Record<string, number> = { '1000x50': 600, '5000x100': 3000, '10000x500': 10000 };

await initGlpk();
const gap = (objective: number, bound: number) => (Number.isFinite(bound) ? ((objective - bound) / objective).toExponential(2) : 'none');

console.log(
  '| size | seed | limit ms | first plan ms | first bound ms | gap then | search objective | anytime gap at 0.9·L | passes | exact pairs per device per pass | lagrangianBound gap, same time | one pass ms: anytime / evaluateDual |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [N, M] of SIZES) {
  const limitMs = LIMIT_MS[`${N}x${M}`] ?? 3000;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { instance } = normalize(
      generateRequest(7919 * N + seed, { devices: N, servers: M, layers: 32, options: { timeLimitMs: limitMs } }),
    );
    const t0 = Date.now();
    const at = (share: number) => t0 + limitMs * share;
    const ctx = createPlanContext(
      instance,
      effectiveWeights(instance, objectiveScales(instance, referenceTotals(instance))),
      buildDeviceModels(instance),
      5000,
    );
    const start = planAll(ctx, greedyAssociation(ctx)!);
    const firstPlanMs = Date.now() - t0;
    const bound = createAnytimeBound(ctx);
    offerPrices(bound, { bandwidth: start.plans.map((p) => p.bandwidthPrice), frequency: start.plans.map((p) => p.frequencyPrice) });
    while (bound.stats.passes === 0) tightenBound(bound, Date.now() + 5, start.cost);
    const firstBoundMs = Date.now() - t0;
    const firstGap = gap(start.cost, bound.value);
    // The search as auto.ts runs it without deadlines.
    const balanced = balanceAssociation(ctx, start, at(0.55));
    const found = improveAssociation(ctx, balanced, at(0.55));
    const objective = Math.min(found.cost, start.cost);
    const prices = { bandwidth: found.plans.map((p) => p.bandwidthPrice), frequency: found.plans.map((p) => p.frequencyPrice) };
    const boundFrom = Date.now();
    offerPrices(bound, prices, found.priced);
    tightenBound(bound, at(0.9), objective);
    const spentMs = Math.max(1, Date.now() - boundFrom);
    // Today's path, same search result, same time.
    const boundCtx = { ...ctx, deadlineMultipliers: ctx.models.map(() => 0) };
    const today = Math.min(objective, lagrangianBound(boundCtx, prices, Date.now() + spentMs, objective, found.priced));
    // One pass each at the search's prices, side by side: the anytime pass (floors) and dual.ts's evaluateDual.
    const dualPrices = {
      bandwidth: Float64Array.from(prices.bandwidth),
      frequency: Float64Array.from(prices.frequency),
      seat: new Float64Array(M),
    };
    const one = createAnytimeBound(ctx);
    offerPrices(one, prices);
    let t = performance.now();
    tightenBound(one, Date.now() + 60_000, Infinity, 1);
    const anytimeMs = performance.now() - t;
    t = performance.now();
    const reference = evaluateDual(boundCtx, dualPrices, capacities(boundCtx));
    const evaluateMs = performance.now() - t;
    if (Math.abs(reference.value - one.value) > 1e-9 * Math.abs(reference.value))
      throw new Error(`pass ${one.value} ≠ evaluateDual ${reference.value}`);
    console.log(
      `| ${N}×${M} | ${seed} | ${limitMs} | ${firstPlanMs} | ${firstBoundMs} | ${firstGap} | ${objective.toPrecision(8)} | ${gap(objective, bound.value)} | ${bound.stats.passes} | ${(bound.stats.pairsPriced / Math.max(1, bound.stats.passes) / N).toFixed(2)} | ${gap(objective, today)} | ${anytimeMs.toFixed(0)} / ${evaluateMs.toFixed(0)} |`,
    );
  }
}
