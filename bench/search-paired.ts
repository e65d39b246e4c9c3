// The estimated-move search (association/balance.ts) of two checkouts side by side in one process,
// alternated seed by seed (the order flips every round), so that a loaded, shared machine slows
// both alike: CPU time from the greedy start to within 2e-4 and 1e-4 of a reference bound, and to
// the search's end, summed over seeds and rounds, with each variant's median per-seed ratio to the
// first. Instances, device models and the greedy start come from this checkout; each variant runs
// its own balance.ts. The reference bounds are bench/search-alone.ts's (REF; a seed without one
// counts from 0). A variant may set environment variables while it runs (for experiments).
//
//   BASE=/path/to/other/checkout VARIANTS=base,work SIZE=1000x50 SEEDS=8 ROUNDS=2 npx tsx bench/search-paired.ts
//   VARIANTS=base,work:SOME_FLAG=1 ...
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const work = process.cwd();
const base = process.env.BASE ?? work;
const at = (root: string, path: string) => pathToFileURL(`${root}/${path}`).href;
const { generateRequest } = await import(at(work, 'src/model/generator.ts'));
const { normalize } = await import(at(work, 'src/model/normalize.ts'));
const { pricingContext } = await import(at(work, 'src/solver/auto.ts'));
const { greedyAssociation, planAll } = await import(at(work, 'src/solver/association/association.ts'));

interface Variant {
  name: string;
  balance: (ctx: unknown, start: unknown, deadlineAt: number, monitor: { proven: (s: { cost: number }) => boolean }) => { cost: number };
  env: Record<string, string>;
}
const variants: Variant[] = [];
for (const spec of (process.env.VARIANTS ?? 'base,work').split(',')) {
  const [root, ...settings] = spec.split(':');
  const env = Object.fromEntries(settings.map((s) => s.split('=') as [string, string]));
  const mod = await import(at(root === 'base' ? base : work, 'src/solver/association/balance.ts'));
  variants.push({ name: spec, balance: mod.balanceAssociation, env });
}
const refPath = process.env.REF ?? '/tmp/search-ref.json';
const refs: Record<string, number> = existsSync(refPath) ? JSON.parse(readFileSync(refPath, 'utf8')) : {};
const [devices, servers] = (process.env.SIZE ?? '1000x50').split('x').map(Number);
const seeds = Number(process.env.SEEDS ?? 8);
const rounds = Number(process.env.ROUNDS ?? 2);
const TOLERANCES = [2e-4, 1e-4];

function run(v: Variant, seed: number): { reach: number[]; end: number; cost: number } {
  for (const [k, value] of Object.entries(v.env)) process.env[k] = value;
  const body = generateRequest(seed, { devices, servers });
  const { instance } = normalize({ ...body, options: { ...body.options, baselines: false } });
  const ctx = pricingContext(instance).ctx;
  const start = planAll(ctx, greedyAssociation(ctx));
  const bound = refs[`${devices}x${servers}:${seed}`] ?? 0;
  const reach = TOLERANCES.map(() => Number.NaN);
  const note = (cost: number, ms: number) =>
    TOLERANCES.forEach((t, i) => {
      if (Number.isNaN(reach[i]) && (cost - bound) / cost <= t) reach[i] = ms;
    });
  const t0 = cpuMs();
  const sol = v.balance(ctx, start, Number.POSITIVE_INFINITY, {
    proven: (s) => {
      note(s.cost, cpuMs() - t0);
      return false;
    },
  });
  const end = cpuMs() - t0;
  note(sol.cost, end);
  for (const k of Object.keys(v.env)) delete process.env[k];
  return { reach, end, cost: sol.cost };
}

console.log(
  `# search paired · ${devices} × ${servers} · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (const v of variants) run(v, 99); // warm-up, not counted
const results = new Map(variants.map((v) => [v.name, [] as { seed: number; reach: number[]; end: number; cost: number }[]]));
for (let r = 0; r < rounds; r++)
  for (let seed = 1; seed <= seeds; seed++)
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) results.get(v.name)!.push({ seed, ...run(v, seed) });

/** never reached: counted as 10 s */
const sum = (xs: number[]) => xs.reduce((a, x) => a + (Number.isNaN(x) ? 10_000 : x), 0);
const first = results.get(variants[0].name)!;
console.log(
  '| variant | to 2e-4 ms | to 1e-4 ms | end ms | median ratio 2e-4 | median ratio 1e-4 | median ratio end | objectives (round 1) |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const v of variants) {
  const rows = results.get(v.name)!;
  const median = (pick: (x: (typeof rows)[number]) => number) => {
    const ratios = rows.map((x, k) => pick(x) / pick(first[k])).sort((a, b) => a - b);
    return ratios[ratios.length >> 1].toFixed(2);
  };
  console.log(
    `| ${v.name} | ${sum(rows.map((x) => x.reach[0])).toFixed(0)} | ${sum(rows.map((x) => x.reach[1])).toFixed(0)} | ${sum(rows.map((x) => x.end)).toFixed(0)} | ${median((x) => x.reach[0])} | ${median((x) => x.reach[1])} | ${median((x) => x.end)} | ${rows
      .slice(0, seeds)
      .map((x) => x.cost.toPrecision(10))
      .join(' ')} |`,
  );
}
