// How fast a solve reaches a proven answer, and what that does to throughput.
//
//   npx tsx bench/convergence.ts                 (sizes 50×10 … 10,000×500, 2 seeds, cold and warm; throughput 60 s)
//   npx tsx bench/convergence.ts --quick         (sizes up to 1,000×50, 1 seed; throughput 20 s)
//   --sizes 1000x50,5000x100   --seeds 3   --no-throughput   --throughput-only   --throughput-s 30
//
// 1. Convergence (in process, one solve at a time). Per size and seed, cold and warm (warm:
//    `previous` = a cold answer, then 5% of the devices moved to random places), at the size's
//    limit (2 s up to 1,000×50, 3 s at 5,000×100, 10 s at 10,000×500), baselines off:
//    - first feasible: the prepare and start phases of solver.statistics (the first plan);
//    - time to gap 1e-2, 1e-3, 1e-4: the wall time of a solve with that options.relativeGap (it
//      stops once the gap is met: termination GAP; "—" when it was not met within the limit);
//    - the objective over time: the trace of a solve with relativeGap 0 (runs on), as
//      "ms:objective/gap" points.
// 2. Throughput: distinct cold 1,000×50 requests at default settings (each a new seed, so no cache
//    hit) through HTTP on 127.0.0.1 with SOLVER_THREADS=2, 4 clients, for a fixed time: answers
//    per minute. Run the same file on another checkout to compare (the machine is shared: compare
//    ratios measured side by side).
import os from 'node:os';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { mulberry32 } from '../src/model/random.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { listenOnLoopback } from './lib/listen.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ALL_SIZES: [number, number, number][] = [
  [50, 10, 2000],
  [200, 20, 2000],
  [1000, 50, 2000],
  [5000, 100, 3000],
  [10000, 500, 10000],
];
const sizes = argOf('--sizes')
  ? argOf('--sizes')!
      .split(',')
      .map((s) => {
        const [n, m] = s.split('x').map(Number);
        return ALL_SIZES.find(([a, b]) => a === n && b === m) ?? ([n, m, 2000] as [number, number, number]);
      })
  : quick
    ? ALL_SIZES.slice(0, 3)
    : ALL_SIZES;
const seeds = Number(argOf('--seeds') ?? (quick ? 1 : 2));
const TOLERANCES = [1e-2, 1e-3, 1e-4];
const AREA_M = 500;

await initGlpk();
console.log('# bench/convergence');
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${new Date().toISOString()}\n`,
);

interface Run {
  res: AllocateResult;
  ms: number;
}

async function solve(body: AllocateRequest, timeLimitMs: number, relativeGap: number): Promise<Run> {
  const { instance, options } = normalize({ ...body, options: { ...body.options, baselines: false, timeLimitMs, relativeGap } });
  const t = performance.now();
  const res = await solveAllocate(instance, options);
  return { res, ms: performance.now() - t };
}

/** The body with 5% of its devices moved to random places, and the cold answer before the move as `previous`. */
async function warmBody(body: AllocateRequest, seed: number, limitMs: number): Promise<AllocateRequest> {
  const first = await solve(body, limitMs, 1e-4);
  const moved: AllocateRequest = structuredClone(body);
  const rand = mulberry32(seed + 100);
  const order = moved.devices.map((_, n) => n).sort(() => rand() - 0.5);
  for (const n of order.slice(0, Math.max(1, Math.round(moved.devices.length / 20))))
    moved.devices[n].position = { xM: rand() * AREA_M, yM: rand() * AREA_M };
  return { ...moved, previous: { allocations: first.res.allocations } };
}

const fmt = (ms: number | undefined) => (ms === undefined ? '—' : ms.toFixed(0));

if (!args.includes('--throughput-only')) {
  console.log('## Convergence (baselines off; ms of wall time in the solver call)\n');
  console.log(
    '| size | seed | start | first feasible | gap 1e-2 | gap 1e-3 | gap 1e-4 | limit | final gap (relativeGap 0) | objective over time (ms:objective/gap) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const ratios: { size: string; cold: number; warm: number }[] = [];
  for (const [N, M, limitMs] of sizes) {
    for (let seed = 1; seed <= seeds; seed++) {
      const cold = generateRequest(seed, { devices: N, servers: M });
      const bodies: [string, AllocateRequest][] = [
        ['cold', cold],
        ['warm', await warmBody(cold, seed, limitMs)],
      ];
      const at1e4: Record<string, number> = {};
      for (const [start, body] of bodies) {
        const toGap: (number | undefined)[] = [];
        let firstFeasible: number | undefined;
        for (const tol of TOLERANCES) {
          const run = await solve(body, limitMs, tol);
          const s = run.res.solver.statistics;
          firstFeasible ??= (s.phasesMs.prepare ?? 0) + (s.phasesMs.start ?? 0);
          toGap.push(run.res.termination === 'GAP' || (run.res.gap !== undefined && run.res.gap <= tol) ? run.ms : undefined);
          if (tol === 1e-4) at1e4[start] = run.ms;
        }
        const full = await solve(body, limitMs, 0);
        const trace = full.res.solver.statistics.trace
          .map(
            (p) =>
              `${p.atMs}:${p.objective?.toFixed(6) ?? '—'}/${p.objective !== undefined && p.bound !== undefined ? ((p.objective - p.bound) / p.objective).toExponential(1) : '—'}`,
          )
          .join(' ');
        console.log(
          `| ${N}×${M} | ${seed} | ${start} | ${fmt(firstFeasible)} | ${toGap.map(fmt).join(' | ')} | ${limitMs} | ${full.res.gap?.toExponential(2) ?? '—'} (${full.res.termination}) | ${trace} |`,
        );
      }
      ratios.push({ size: `${N}×${M}`, cold: at1e4.cold, warm: at1e4.warm });
    }
  }
  console.log('\nwarm against cold at the default relativeGap (1e-4): cold ms / warm ms');
  for (const r of ratios) console.log(`- ${r.size}: ${r.cold.toFixed(0)} / ${r.warm.toFixed(0)} = ${(r.cold / r.warm).toFixed(1)}×`);
  console.log('');
}

if (!args.includes('--no-throughput')) {
  const seconds = Number(argOf('--throughput-s') ?? (quick ? 20 : 60));
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', REDIS_URL: '', SOLVER_THREADS: '2' });
  const app = buildApp(config);
  const base = await listenOnLoopback(app);
  const clients = 4;
  let seed = 500_000;
  let answered = 0;
  const statuses = new Map<number, number>();
  const startedAt = Date.now();
  const until = startedAt + seconds * 1000;
  // Bodies are generated before the clock starts counting them (generation is client work).
  const next = () => JSON.stringify(generateRequest(seed++, { devices: 1000, servers: 50 }));
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const body = next();
        const r = await fetch(`${base}/allocate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) answered++;
        if (r.status === 503 || r.status === 429) await new Promise((res) => setTimeout(res, 100));
      }
    }),
  );
  const elapsedS = (Date.now() - startedAt) / 1000; // the last answers come after `until`: count their time too
  await app.close();
  console.log(`## Throughput: distinct cold 1,000×50 requests, default settings, SOLVER_THREADS=2, ${clients} clients, ${seconds} s\n`);
  console.log(
    `${((answered * 60) / elapsedS).toFixed(1)} answers per minute over ${elapsedS.toFixed(1)} s (statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')})`,
  );
}
