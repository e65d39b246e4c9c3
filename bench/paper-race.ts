// The publication's method against the default solve at paper scale (50 devices × 10 servers,
// generated per seed, baselines off): per seed, the publication's method (`algorithm: "paper"`) at
// the default limit, its wall and CPU time and objective; the smallest limit on a ladder at which the
// default solve reaches an objective at least as good, and that solve's wall and CPU time (the time
// to the publication's objective); and the default solve at the default limit (wall, CPU,
// termination, gap), and when that solve's own objective first reached the publication's (the
// first point of its solver.statistics.trace at or below it: the trace keeps a dozen points, so this
// is when it was seen there, never earlier than when it happened; a solve due at a short limit
// spends part of it on shares a longer one does not, so the two times differ). CPU time is this process's (one solve runs on one thread): on a shared machine
// it moves less than wall time. Imports resolve against the working directory, so it runs on an
// older checkout too, side by side:
//
//   npx tsx bench/paper-race.ts                     (SEEDS=6, ROUNDS=3: the median of 3 runs each)
//   cd OTHER && npx tsx /path/to/bench/paper-race.ts
import { pathToFileURL } from 'node:url';

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { normalize } = await import(at('src/model/normalize.ts'));
const { solveAllocate } = await import(at('src/solver/index.ts'));
const { initGlpk } = await import(at('src/solver/math/glpk.ts'));

await initGlpk();
const seeds = Number(process.env.SEEDS ?? 6);
const rounds = Number(process.env.ROUNDS ?? 3);
const LADDER_MS = [5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000];

interface Run {
  wallMs: number;
  cpuMs: number;
  res: any;
}

async function solve(body: any, options: Record<string, unknown>): Promise<Run> {
  const { instance, options: o } = normalize({ ...body, options: { ...body.options, baselines: false, ...options } });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const res = await solveAllocate(instance, o);
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, res };
}

/** The run of median wall time among `rounds` runs. */
async function median(run: () => Promise<Run>): Promise<Run> {
  const runs: Run[] = [];
  for (let r = 0; r < rounds; r++) runs.push(await run());
  runs.sort((a, b) => a.wallMs - b.wallMs);
  return runs[Math.floor(runs.length / 2)];
}

// Warm-up (not measured): each code path compiled once.
const warmBody = generateRequest(1000, { devices: 50, servers: 10 });
await solve(warmBody, { algorithm: 'paper' });
await solve(warmBody, {});

console.log(`paper scale (50 × 10), median of ${rounds} runs per figure, baselines off\n`);
console.log(
  '| seed | paper ms (cpu) | paper objective | default reaches it at limit | then ms (cpu) | paper / then | default at 2 s: ms (cpu) | termination | gap | default objective / paper − 1 | at 2 s its trace reaches it at, ms | paper / that |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const ratios: number[] = [];
const traceRatios: number[] = [];
/** When the solve's trace first shows an objective at or below `target` (ms from its start), or null. */
const reachedAt = (res: any, target: number): number | null =>
  res.solver.statistics.trace.find((p: { objective?: number }) => p.objective !== undefined && p.objective <= target)?.atMs ?? null;
for (let seed = 1; seed <= seeds; seed++) {
  const body = generateRequest(seed, { devices: 50, servers: 10 });
  const paper = await median(() => solve(body, { algorithm: 'paper' }));
  const target = paper.res.objective * (1 + 1e-12);
  let hit: { limitMs: number; run: Run } | null = null;
  for (const limitMs of LADDER_MS) {
    const run = await median(() => solve(body, { timeLimitMs: limitMs }));
    if (run.res.objective <= target) {
      hit = { limitMs, run };
      break;
    }
  }
  const full = await median(() => solve(body, {}));
  if (hit) ratios.push(paper.wallMs / hit.run.wallMs);
  const reached = reachedAt(full.res, target);
  if (reached !== null) traceRatios.push(paper.wallMs / Math.max(1, reached));
  console.log(
    `| ${seed} | ${paper.wallMs.toFixed(0)} (${paper.cpuMs.toFixed(0)}) | ${paper.res.objective.toFixed(6)} | ${hit ? hit.limitMs : '—'} | ${
      hit ? `${hit.run.wallMs.toFixed(1)} (${hit.run.cpuMs.toFixed(1)})` : '—'
    } | ${hit ? `${(paper.wallMs / hit.run.wallMs).toFixed(1)}×` : '—'} | ${full.wallMs.toFixed(0)} (${full.cpuMs.toFixed(0)}) | ${full.res.termination ?? '—'} | ${
      full.res.gap?.toExponential(2) ?? '—'
    } | ${(full.res.objective / paper.res.objective - 1).toExponential(2)} | ${reached ?? '—'} | ${
      reached !== null ? `${(paper.wallMs / Math.max(1, reached)).toFixed(1)}×` : '—'
    } |`,
  );
}
ratios.sort((a, b) => a - b);
traceRatios.sort((a, b) => a - b);
if (ratios.length > 0)
  console.log(`\nmedian paper time / time to its objective: ${ratios[Math.floor(ratios.length / 2)].toFixed(1)}× (target ≥ 20×)`);
if (traceRatios.length > 0)
  console.log(
    `median paper time / when the default solve's trace reaches it: ${traceRatios[Math.floor(traceRatios.length / 2)].toFixed(1)}×`,
  );
