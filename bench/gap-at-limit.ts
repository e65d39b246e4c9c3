// Objective, gap and wall time of single solves at one limit, per size and seed (baselines off,
// default relativeGap): the same generated bodies on any checkout, so two checkouts compare side by
// side. Imports resolve against the working directory, so it also runs on a checkout older than
// this file: `cd OTHER && npx tsx /path/to/bench/gap-at-limit.ts`.
//
//   SIZES=1000x50,5000x100 LIMIT=2000 npx tsx bench/gap-at-limit.ts
//   CLOCK=cpu WARMUP=1 SIZES=1000x50 SEEDS=12 npx tsx bench/gap-at-limit.ts
//
// WARMUP=1 first solves one instance of each size that is not reported (seed 99), as a service's
// solver threads are warm before they take requests; without it seed 1 also pays the compiler.
// CLOCK=cpu runs the solver on this process's CPU time instead of the wall clock (Date.now, the
// solver's only clock, counts CPU milliseconds): a quiet machine simulated, so a shared, loaded
// machine gives figures that compare between runs and checkouts (CPU time also counts the
// process's GC and compiler threads, a few percent). `wall ms` is then CPU milliseconds.
import { pathToFileURL } from 'node:url';

if (process.env.CLOCK === 'cpu') {
  const startedAt = Date.now();
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const offset = cpuMs();
  Date.now = () => startedAt + Math.floor(cpuMs() - offset);
  performance.now = () => cpuMs() - offset;
}

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { normalize } = await import(at('src/model/normalize.ts'));
const { solveAllocate } = await import(at('src/solver/index.ts'));
const { initGlpk } = await import(at('src/solver/math/glpk.ts'));

await initGlpk();
const sizes = (process.env.SIZES ?? '1000x50').split(',');
const limitMs = Number(process.env.LIMIT ?? 2000);
const seeds = Number(process.env.SEEDS ?? 2);
console.log('| size | seed | limit ms | wall ms | status | termination | gap | objective |');
console.log('|---|---|---|---|---|---|---|---|');
for (const size of sizes) {
  const [devices, servers] = size.split('x').map(Number);
  if (process.env.WARMUP === '1') {
    const body = generateRequest(99, { devices, servers });
    const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs: limitMs } });
    await solveAllocate(instance, options);
  }
  for (let seed = 1; seed <= seeds; seed++) {
    const body = generateRequest(seed, { devices, servers });
    const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs: limitMs } });
    const t0 = performance.now();
    const res = await solveAllocate(instance, options);
    const wallMs = performance.now() - t0;
    console.log(
      `| ${size} | ${seed} | ${limitMs} | ${wallMs.toFixed(0)} | ${res.status} | ${res.termination ?? '—'} | ${res.gap?.toExponential(2) ?? '—'} | ${res.objective?.toFixed(6) ?? '—'} |`,
    );
  }
}
