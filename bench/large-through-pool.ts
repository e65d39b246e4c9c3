// Large solves through the service's own thread pool (2 solver threads, one solve at a time, so each
// is alone): wall time, CPU time of the whole process (solver threads and helpers included), status,
// gap and objective, the bound's passes, and phase times. The same generated bodies on any checkout:
// imports resolve against the working directory, so run it in two checkouts, interleaved, to compare
// a checkout whose large solves split their bound passes with a helper thread against one whose do not.
//
//   SIZES=5000x100 LIMIT=3000 SEEDS=1,2 npx tsx bench/large-through-pool.ts
// Each size is solved once first (seed 99, not printed) so that threads, helpers and JIT are warm;
// FIRST=1 skips that, so the first seed's row is the first large request of a process whose threads
// had only their own warm-up (threads/warm-up.ts), and prints how long the pool took to be ready.
//   FIRST=1 SIZES=1000x50 LIMIT=2000 SEEDS=1,2,3,4 npx tsx bench/large-through-pool.ts
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { createSolveService } = await import(at('src/compose.ts'));
const { generateRequest } = await import(at('src/model/generator.ts'));

const sizes = (process.env.SIZES ?? '5000x100').split(',');
const limitMs = Number(process.env.LIMIT ?? 3000);
const seeds = (process.env.SEEDS ?? '1,2').split(',').map(Number);
const service = createSolveService({ redisUrl: undefined, solverThreads: 2, solverMaxQueue: 4, cacheTtlS: 1, cacheMaxEntries: 1 });
const first = process.env.FIRST === '1';
const startedAt = performance.now();
const readyBy = Date.now() + 60_000;
while (!(await service.readiness()).ready && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 50));
const readyMs = performance.now() - startedAt;

console.log(
  `checkout ${process.cwd()}, ${cpus().length} cores, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, pool ready in ${readyMs.toFixed(0)} ms${first ? ', no warm-up solve of its own (FIRST=1)' : ''}`,
);
console.log('| size | seed | limit ms | wall ms | CPU ms | status | gap | objective | bound | bound passes | phases ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const size of sizes) {
  const [devices, servers] = size.split('x').map(Number);
  for (const seed of first ? seeds : [99, ...seeds]) {
    const body = generateRequest(seed, { devices, servers });
    // A distinct limit per run: never a cache hit.
    const request = { ...body, options: { ...body.options, baselines: false, timeLimitMs: limitMs } };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { result } = await service.solve('allocate', request, { receivedAt: Date.now() });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (seed === 99) continue;
    const stats = result.solver?.statistics;
    const phases = Object.entries(stats?.phasesMs ?? {})
      .map(([k, v]) => `${k} ${Math.round(v as number)}`)
      .join(', ');
    console.log(
      `| ${size} | ${seed} | ${limitMs} | ${wallMs.toFixed(0)} | ${((cpu.user + cpu.system) / 1000).toFixed(0)} | ${result.status}/${result.termination ?? '—'} | ${result.gap?.toExponential(2) ?? '—'} | ${result.objective?.toFixed(6) ?? '—'} | ${result.bound?.toFixed(6) ?? '—'} | ${stats?.boundEvaluations ?? '—'} | ${phases} |`,
    );
  }
}
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await service.close();
