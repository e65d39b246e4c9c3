// The estimated-move search (association/balance.ts) alone, from the greedy start, without a
// deadline: CPU time to come within 2e-4 and 1e-4 of a reference lower bound, where it ends, and
// its final objective (bit for bit: a pure speed-up must not change it). The reference bound of a
// size and seed is an ascent from the first run's final prices (many passes), cached in REF (a JSON
// file) so that two checkouts are measured against the same bound. Imports resolve against the
// working directory, so it runs on any checkout: `cd OTHER && npx tsx /path/to/bench/search-alone.ts`.
//
//   SIZES=1000x50 SEEDS=8 REF=/tmp/search-ref.json npx tsx bench/search-alone.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { normalize } = await import(at('src/model/normalize.ts'));
const { pricingContext } = await import(at('src/solver/auto.ts'));
const { greedyAssociation, planAll } = await import(at('src/solver/association/association.ts'));
const { balanceAssociation } = await import(at('src/solver/association/balance.ts'));
const { ascendBound } = await import(at('src/solver/bound/bound.ts'));
const { initGlpk } = await import(at('src/solver/math/glpk.ts'));

await initGlpk();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sizes = (process.env.SIZES ?? '1000x50').split(',');
const seeds = Number(process.env.SEEDS ?? 8);
const firstSeed = Number(process.env.FIRST_SEED ?? 1);
const refPath = process.env.REF ?? '/tmp/search-ref.json';
const refs: Record<string, number> = existsSync(refPath) ? JSON.parse(readFileSync(refPath, 'utf8')) : {};

console.log(
  `# search alone · ${process.cwd()} · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log('| size | seed | start ms | to 2e-4 | to 1e-4 | end ms | steps | end gap | objective |');
console.log('|---|---|---|---|---|---|---|---|---|');

function prepare(devices: number, servers: number, seed: number) {
  const body = generateRequest(seed, { devices, servers });
  const { instance } = normalize({ ...body, options: { ...body.options, baselines: false } });
  return pricingContext(instance).ctx;
}

for (const size of sizes) {
  const [devices, servers] = size.split('x').map(Number);
  if (process.env.WARMUP !== '0') {
    const ctx = prepare(devices, servers, 99);
    balanceAssociation(ctx, planAll(ctx, greedyAssociation(ctx)), Infinity);
  }
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const ctx = prepare(devices, servers, seed);
    const t0 = cpuMs();
    const start = planAll(ctx, greedyAssociation(ctx));
    const startMs = cpuMs() - t0;
    const trace: { ms: number; cost: number }[] = [];
    const t1 = cpuMs();
    const sol = balanceAssociation(ctx, start, Infinity, {
      proven: (s: { cost: number }) => {
        trace.push({ ms: cpuMs() - t1, cost: s.cost });
        return false;
      },
    });
    const endMs = cpuMs() - t1;
    trace.push({ ms: endMs, cost: sol.cost });
    const key = `${size}:${seed}`;
    if (refs[key] === undefined) {
      const prices = {
        bandwidth: sol.plans.map((p: { bandwidthPrice: number }) => p.bandwidthPrice),
        frequency: sol.plans.map((p: { frequencyPrice: number }) => p.frequencyPrice),
      };
      refs[key] = ascendBound(ctx, prices, Infinity, sol.cost, { tolerance: 1e-7, maxPasses: 16 }).value;
      writeFileSync(refPath, JSON.stringify(refs, null, 1));
    }
    const bound = refs[key];
    const gapOf = (c: number) => (c - bound) / c;
    const reach = (tol: number) => trace.find((t) => gapOf(t.cost) <= tol)?.ms.toFixed(0) ?? '—';
    console.log(
      `| ${size} | ${seed} | ${startMs.toFixed(0)} | ${reach(2e-4)} | ${reach(1e-4)} | ${endMs.toFixed(0)} | ${trace.length - 1} | ${gapOf(sol.cost).toExponential(2)} | ${sol.cost.toPrecision(17)} |`,
    );
  }
}
