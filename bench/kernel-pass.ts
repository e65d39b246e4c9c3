// Exact passes, CPU time per pass: the bundle's exact pass alone (bound/bundle.ts) at 1,000 × 50
// and the anytime bound's whole pass (bound/anytime.ts) at 5,000 × 100, each from the greedy plan's
// prices and then up its ascent, so the later passes run near the dual's top, where a proof's
// passes run; then (`anytime, top`) one anytime pass at restrictedTop's prices from there, as the
// pass at the dual's top of a large solve's bound phase (it prices 16 pairs a device). A digest of
// every pass's value is printed: two checkouts that price pairs alike to the bit print the same.
// The bundle's later passes, and restrictedTop, follow the model's maximiser, which moves with the
// last bits of the cuts: kernels equal to ~1e-15 give values that part after a few passes, not a
// sign of a difference in the pricing. Imports resolve against the working directory:
// `cd OTHER && npx tsx /path/to/bench/kernel-pass.ts`.
//
//   npx tsx bench/kernel-pass.ts
//   BUNDLE=1000x50 ANYTIME=5000x100 PASSES=20 SEED=1 ROUNDS=2 VERBOSE=1 npx tsx bench/kernel-pass.ts
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

// The solver's clock on this process's CPU time (as CLOCK=cpu in gap-at-limit.ts): the bundle
// times its exact pass alone (BundleState.passMs), without the model's maximisation before it.
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const startedAt = Date.now();
const offset = cpu();
Date.now = () => startedAt + (cpu() - offset);

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { normalize } = await import(at('src/model/normalize.ts'));
const { pricingContext } = await import(at('src/solver/auto.ts'));
const { greedyAssociation, planAll } = await import(at('src/solver/association/association.ts'));
const { createAnytimeBound, offerPrices, tightenBound } = await import(at('src/solver/bound/anytime.ts'));
const { createBundle, restrictedTop, tightenBundle } = await import(at('src/solver/bound/bundle.ts'));
const { initGlpk } = await import(at('src/solver/math/glpk.ts'));

await initGlpk();
const passes = Number(process.env.PASSES ?? 20);
const seed = Number(process.env.SEED ?? 1);
const rounds = Number(process.env.ROUNDS ?? 2);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
function setup(size: string) {
  const [devices, servers] = size.split('x').map(Number);
  const body = generateRequest(seed, { devices, servers });
  const instance = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs: 60_000 } }).instance;
  const ctx = pricingContext(instance).ctx;
  const plan = planAll(ctx, greedyAssociation(ctx)!);
  const prices = {
    bandwidth: plan.plans.map((p: { bandwidthPrice: number }) => p.bandwidthPrice),
    frequency: plan.plans.map((p: { frequencyPrice: number }) => p.frequencyPrice),
  };
  return { devices, ctx, plan, prices };
}

console.log(`load ${load()}`);
const digest = (values: string[]) => createHash('sha1').update(values.join(',')).digest('hex').slice(0, 10);
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
// The first pass builds the members it needs; the last five run near the dual's top.
function row(kind: string, size: string, round: number, times: number[], pairs: string, values: string[]): void {
  if (process.env.VERBOSE) console.log(values.join(' '));
  console.log(
    `| ${kind} | ${size} | ${round} | ${times[0].toFixed(0)} | ${mean(times.slice(1)).toFixed(1)} | ${mean(times.slice(-5)).toFixed(1)} | ${pairs} | ${values[values.length - 1]} | ${digest(values)} |`,
  );
}
console.log(
  '| pass | size | round | first pass CPU ms | later passes, mean | last 5, mean | pairs per device, last pass | last value | digest of every value |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (let round = 1; round <= rounds; round++) {
  for (const size of (process.env.BUNDLE ?? '1000x50').split(',').filter(Boolean)) {
    // A fresh context each round: its members are built by the greedy plan, as in a solve.
    const { ctx, plan, prices } = setup(size);
    const state = createBundle(ctx, prices);
    const times: number[] = [];
    const values: string[] = [];
    for (let p = 0; p < passes; p++) {
      const r = tightenBundle(state, Date.now() + 600_000, { tolerance: 0, objective: plan.cost, maxPasses: 1 });
      times.push(state.passMs);
      values.push(r.value.toPrecision(17));
    }
    row('bundle', size, round, times, '', values);
  }
  for (const size of (process.env.ANYTIME ?? '5000x100').split(',').filter(Boolean)) {
    const { devices, ctx, plan, prices } = setup(size);
    const bound = createAnytimeBound(ctx, { relativeGap: 1e-9 });
    offerPrices(bound, prices);
    const times: number[] = [];
    const pairs: string[] = [];
    const values: string[] = [];
    let before = 0;
    for (let p = 0; p < passes; p++) {
      const c0 = cpu();
      tightenBound(bound, Date.now() + 600_000, plan.cost, 1);
      times.push(cpu() - c0);
      pairs.push(((bound.stats.pairsPriced - before) / devices).toFixed(1));
      before = bound.stats.pairsPriced;
      values.push(bound.value.toPrecision(17));
    }
    row('anytime', size, round, times, pairs[pairs.length - 1], values);
    // As a large solve's bound phase: restrictedTop (8 strongest-gain servers a device) from the
    // bound's prices, then one exact pass at the prices it reaches, each device's cheapest candidate first.
    const top = restrictedTop(ctx, bound.prices, Date.now() + 600_000, plan.cost, 8);
    top.choice.forEach((m: number, n: number) => m >= 0 && (bound.choice[n] = m));
    offerPrices(bound, top.prices);
    const c0 = cpu();
    tightenBound(bound, Date.now() + 600_000, plan.cost, 1);
    const topMs = cpu() - c0;
    const topPairs = ((bound.stats.pairsPriced - before) / devices).toFixed(1);
    row('anytime, top', size, round, [topMs], topPairs, [bound.value.toPrecision(17)]);
  }
}
console.log(`load ${load()}`);
