// Objective, gap and wall time of single solves at one limit, per size and seed (baselines off,
// default relativeGap): the same generated bodies on any checkout, so two checkouts compare side by
// side. Imports resolve against the working directory, so it also runs on a checkout older than
// this file: `cd OTHER && npx tsx /path/to/bench/gap-at-limit.ts`.
//
//   SIZES=1000x50,5000x100 LIMIT=2000 npx tsx bench/gap-at-limit.ts
import { pathToFileURL } from 'node:url';

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
