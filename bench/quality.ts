// Quality and speed of `auto` against the publication's method and every baseline, side by side
// in one run, on seeded instances from the publication's simulation settings
// (docs/model.md §3).
//
//   npx tsx bench/quality.ts            (sizes 10, 50, 200, 1000; 3 seeds; paper capped at 30 s)
//   npx tsx bench/quality.ts --quick    (sizes 10, 50; 2 seeds; paper capped at 10 s)
//
// Prints, per instance: objective of auto, paper and each baseline as a ratio to auto, auto's gap
// to its certified lower bound, and the wall time of auto and paper. Then the issue-3 targets.
//
// Two speed figures: auto's wall time at the default limit (a finished answer whose bound is
// tight, usually well under the limit), and auto's time to match paper: the smallest time limit
// on a ladder (5 ms … 2 s) at which auto, without baselines, returns an objective ≤ paper's —
// the time a user must allow auto to be as good as the publication's method.
import os from 'node:os';
import { normalize } from '../src/model/normalize.js';
import { evaluate } from '../src/model/evaluate.js';
import { generateRequest } from '../src/model/generator.js';
import { solveAllocate } from '../src/solver/index.js';
import { solvePaper } from '../src/solver/paper/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import type { Instance, SolveOptions } from '../src/model/types.js';

const quick = process.argv.includes('--quick');
const sizes: [number, number][] = quick
  ? [
      [10, 2],
      [50, 10],
    ]
  : [
      [10, 2],
      [50, 10],
      [200, 20],
      [1000, 50],
    ];
const seeds = quick ? [1, 2] : [1, 2, 3];
const paperCapMs = quick ? 10_000 : 30_000;

await initGlpk();
console.log('# bench/quality');
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${new Date().toISOString()}`,
);
console.log(`auto: default time limit 2000 ms · paper: capped at ${paperCapMs} ms · baselines: as reported by auto\n`);

const header = [
  'devices×servers',
  'seed',
  'auto obj',
  'gap',
  'auto ms',
  'paper/auto',
  'paper ms',
  'paper iters',
  'speed-up',
  'auto ms to match paper',
  'speed-up to match',
  'edge-heavy',
  'local-heavy',
  'split-only',
  'resources-only',
  'greedy',
  'random',
];
const LADDER_MS = [
  5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 23, 26, 30, 35, 40, 50, 60, 70, 80, 100, 120, 160, 200, 240, 320, 400, 480, 640, 800,
  1000, 1500, 2000,
];

/** Smallest ladder limit at which auto (no baselines) is at least as good as `target`, with its wall time. */
async function timeToMatch(instance: Instance, options: SolveOptions, target: number): Promise<{ limitMs: number; wallMs: number } | null> {
  for (const limitMs of LADDER_MS) {
    const t = performance.now();
    const r = await solveAllocate(instance, { ...options, baselines: false, timeLimitMs: limitMs });
    const wallMs = performance.now() - t;
    if (r.objective !== undefined && r.objective <= target * (1 + 1e-9)) return { limitMs, wallMs };
  }
  return null;
}
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);

interface Row {
  size: string;
  autoObjective: number;
  paperObjective: number;
  gap: number;
  autoMs: number;
  paperMs: number;
  paperStopped: boolean;
  matchMs: number;
}
const rows: Row[] = [];
for (const [devices, servers] of sizes) {
  for (const seed of seeds) {
    const { instance, options } = normalize(generateRequest(seed, { devices, servers }));
    let t = performance.now();
    const auto = await solveAllocate(instance, options);
    const autoMs = performance.now() - t;
    t = performance.now();
    const paper = solvePaper(instance, options, Date.now() + paperCapMs);
    const paperMs = performance.now() - t;
    const paperObjective = evaluate(instance, paper.decisions).objective;
    const match = await timeToMatch(instance, options, paperObjective);
    const ratio = (name: string) => {
      const b = auto.baselines.find((x) => x.name === name);
      return b ? (b.objective / auto.objective!).toFixed(4) : '—';
    };
    const row: Row = {
      size: `${devices}×${servers}`,
      autoObjective: auto.objective!,
      paperObjective,
      gap: auto.gap ?? NaN,
      autoMs,
      paperMs,
      paperStopped: paper.stoppedByTime,
      matchMs: match ? match.wallMs : NaN,
    };
    rows.push(row);
    console.log(
      `| ${row.size} | ${seed} | ${auto.objective!.toFixed(6)}${auto.limit ? ' (TIME)' : ''} | ${(row.gap * 100).toFixed(3)}% | ${autoMs.toFixed(0)} | ${(paperObjective / auto.objective!).toFixed(4)} | ${paperMs.toFixed(0)}${paper.stoppedByTime ? ' (cap)' : ''} | ${paper.iterations} | ${(paperMs / autoMs).toFixed(1)}× | ${match ? `${match.wallMs.toFixed(0)} (limit ${match.limitMs})` : '—'} | ${match ? `${(paperMs / match.wallMs).toFixed(1)}×` : '—'} | ${['edge-heavy', 'local-heavy', 'split-only', 'resources-only', 'greedy-association', 'random-association'].map(ratio).join(' | ')} |`,
    );
  }
}

const notWorse = rows.filter((r) => r.autoObjective <= r.paperObjective * (1 + 1e-9)).length;
console.log(
  `\nauto ≤ paper objective on ${notWorse}/${rows.length} instances (${((100 * notWorse) / rows.length).toFixed(0)}%; target ≥ 95%)`,
);
for (const size of new Set(rows.map((r) => r.size))) {
  const rs = rows.filter((r) => r.size === size);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const speed = median(rs.map((r) => r.paperMs / r.autoMs));
  const speedToMatch = median(rs.map((r) => (Number.isFinite(r.matchMs) ? r.paperMs / r.matchMs : 0)));
  const gap = Math.max(...rs.map((r) => r.gap));
  const capped = rs.filter((r) => r.paperStopped).length;
  console.log(
    `${size}: median paper/auto time ${speed.toFixed(1)}× at the default limit, ${speedToMatch.toFixed(1)}× to match paper (paper capped on ${capped}/${rs.length}) · worst auto gap ${(gap * 100).toFixed(3)}%`,
  );
}
console.log('targets: ≥ 20× faster than paper at 50 devices; gap ≤ 1% at 1000 devices');
