// Re-allocation with `previous` at default settings: does the warm request answer sooner than the
// cold one, at the same objective? Per seed, a 1,000 × 50 snapshot is solved cold (its answer is
// the previous allocation), 5% of its devices move to random places, and the moved snapshot is
// solved cold and warm (previous = the first answer as a client sends it back: its allocations and,
// where the answer has them, its dual `prices`), both at the default limit and relativeGap: wall
// time, status, termination, gap, and the warm objective against the cold one. Imports resolve
// against the working directory, so it runs on an older checkout too, side by side (one without
// `prices` in its answers warms from the allocations alone):
//
//   npx tsx bench/warm-answer.ts                    (SEEDS=3, SIZE=1000x50, LIMIT=2000)
//   PRICES=0 npx tsx bench/warm-answer.ts           (allocations only, as before previous.prices)
//   WARMUP_WARM=0 npx tsx bench/warm-answer.ts      (a cold warm-up solve alone, without the warm re-solve)
//   cd OTHER && npx tsx /path/to/bench/warm-answer.ts
import { pathToFileURL } from 'node:url';

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { normalize } = await import(at('src/model/normalize.ts'));
const { mulberry32 } = await import(at('src/model/random.ts'));
const { solveAllocate } = await import(at('src/solver/index.ts'));
const { initGlpk } = await import(at('src/solver/math/glpk.ts'));

await initGlpk();
const [devices, servers] = (process.env.SIZE ?? '1000x50').split('x').map(Number);
const limitMs = Number(process.env.LIMIT ?? 2000);
const seeds = Number(process.env.SEEDS ?? 3);
const AREA_M = 500;

async function solve(body: any) {
  const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs: limitMs } });
  const t0 = performance.now();
  const res = await solveAllocate(instance, options);
  return { res, ms: performance.now() - t0 };
}

console.log(
  `${devices} × ${servers}, 5% of the devices moved, limit ${limitMs} ms, default relativeGap, baselines off, previous.prices ${process.env.PRICES === '0' ? 'off' : 'on'}\n`,
);
console.log(
  '| seed | cold ms | cold status / termination / gap | warm ms | warm status / termination / gap | warm/cold objective − 1 | speed-up |',
);
console.log('|---|---|---|---|---|---|---|');
/** `body` with 5% of its devices (drawn with `seed`) moved to random places. */
function movedCopy(body: any, seed: number) {
  const moved = structuredClone(body);
  const rand = mulberry32(seed + 100);
  const order = moved.devices.map((_: unknown, n: number) => n).sort(() => rand() - 0.5);
  for (const n of order.slice(0, devices / 20)) moved.devices[n].position = { xM: rand() * AREA_M, yM: rand() * AREA_M };
  return moved;
}

// A cold solve and a warm re-solve first, as the service's solver threads warm up before they serve
// (SOLVER_WARMUP, src/backends/threads/warm-up.ts: a mid-size solve, then its warm re-solve with 5% of
// the devices moved): the process's first solve runs on unoptimised code, and its answer (seed 1's
// previous allocation and prices) would carry a gap, and prices, no warmed-up solve leaves; its first
// warm re-solve compiles the warm paths (the warm plan, the pass at the earlier prices, the focused
// search), which the service's threads have compiled before they serve. (WARMUP_WARM=0: the cold solve
// alone, as this bench warmed up before the threads' warm-up had a warm re-solve.)
const warmUp = generateRequest(seeds + 1000, { devices, servers });
const warmUpAnswer = (await solve(warmUp)).res;
if (process.env.WARMUP_WARM !== '0')
  await solve({ ...movedCopy(warmUp, seeds + 1000), previous: { allocations: warmUpAnswer.allocations, prices: warmUpAnswer.prices } });
const speedups: number[] = [];
const warmMs: number[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const body = generateRequest(seed, { devices, servers });
  const first = (await solve(body)).res;
  const moved = movedCopy(body, seed);
  const cold = await solve(moved);
  const withPrices = first.prices && process.env.PRICES !== '0' ? { prices: first.prices } : {};
  const warm = await solve({ ...moved, previous: { allocations: first.allocations, ...withPrices } });
  const describe = (r: typeof cold) => `${r.res.status} / ${r.res.termination ?? '—'} / ${r.res.gap?.toExponential(2) ?? '—'}`;
  speedups.push(cold.ms / warm.ms);
  warmMs.push(warm.ms);
  console.log(
    `| ${seed} | ${cold.ms.toFixed(0)} | ${describe(cold)} | ${warm.ms.toFixed(0)} | ${describe(warm)} | ${(warm.res.objective / cold.res.objective - 1).toExponential(2)} | ${(cold.ms / warm.ms).toFixed(1)}× |`,
  );
}
speedups.sort((a, b) => a - b);
warmMs.sort((a, b) => a - b);
console.log(
  `\nmedian speed-up ${speedups[Math.floor(speedups.length / 2)].toFixed(1)}× (target ≥ 5×, same objective within the tolerance), median warm ${warmMs[Math.floor(warmMs.length / 2)].toFixed(0)} ms`,
);
