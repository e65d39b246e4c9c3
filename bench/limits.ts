// Is the time limit a contract at every size? POST /allocate through HTTP on 127.0.0.1 for sizes
// 10×2 … 10,000×500 and limits 10 ms … 10 s: wall time (request sent → response read) against the
// promised bound timeLimitMs × 1.1 + 50 ms, with the status, `limit` and gap of the answers.
// Run: npx tsx bench/limits.ts [--quick] [--seeds N] [--sizes 10x2,1000x50] [--limits 10,100,1000]
//      [--layers 32] [--pareto] [--blocks]
//
// The app runs in-process exactly as server.ts builds it (buildApp(loadConfig(env))), logs off, no
// REDIS_URL, ephemeral port on 127.0.0.1. One request at a time, every body distinct (a cache
// miss). Each cell is p50 and max over the seeds. Bounded: every request has a client timeout of
// 2 × limit + 30 s, and a watchdog ends the script after 30 min whatever happens.
// --pareto adds a grid of 2 steps (6 points) per size and limit, --blocks the block allocation
// at 16×32 … 1024×512 (same limits), both against the same bound on the whole request.
import os from 'node:os';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { minBlocksTimeLimitMs, minParetoTimeLimitMs, minTimeLimitMs } from '../src/model/time-floor.js';
import { generateBlocksRequest, type BlocksFleet } from '../src/blocks/generator.js';
import { listenOnLoopback } from './lib/listen.js';

/** A 7B-like model cut into `blocks` layers, shared by `devices` phones and laptops (as bench/blocks.ts). */
const SEVEN_B_LIKE = (devices: number, blocks: number, timeLimitMs: number): BlocksFleet => ({
  model: { layers: blocks, hiddenSize: 1024, tokens: 128, batchSize: 4 },
  devices,
  tflops: [5, 40],
  memoryGB: [16, 48],
  options: { timeLimitMs },
});

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const SEEDS = Number(value('--seeds') ?? (quick ? 1 : 3));
const SIZES = (value('--sizes') ?? (quick ? '10x2,200x20,5000x100' : '10x2,50x10,200x20,1000x50,5000x100,10000x500'))
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);
const LAYERS = Number(value('--layers') ?? 32);
const LIMITS = (value('--limits') ?? (quick ? '10,100,1000' : '10,100,1000,10000')).split(',').map(Number);
const BLOCK_SIZES: [number, number][] = [
  [16, 32],
  [128, 128],
  [1024, 512],
];

const watchdog = setTimeout(() => {
  console.error('bench/limits: watchdog fired after 30 min, aborting');
  process.exit(2);
}, 30 * 60_000);
watchdog.unref();

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', REDIS_URL: '' });
const app = buildApp(config);
const base = await listenOnLoopback(app);

const cpus = os.cpus();
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log('# bench/limits' + (quick ? ' (--quick)' : ''));
console.log(
  `node ${process.version} · ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}) · ${new Date().toISOString()} · SOLVER_THREADS=${config.solverThreads}`,
);
console.log(`load average at start: ${load()} (1/5/15 min; other processes on the machine skew every figure)`);

for (const t0 = performance.now(); ; ) {
  const res = await fetch(`${base}/ready`);
  await res.arrayBuffer();
  if (res.status === 200) break;
  if (performance.now() - t0 > 30_000) throw new Error('workers not ready after 30 s');
  await new Promise((r) => setTimeout(r, 50));
}

interface Reply {
  status?: string;
  limit?: string;
  gap?: number;
  field?: string;
  code?: string;
  points?: { status: string; limit?: string; gap?: number }[];
  roundLatencyS?: number;
}

async function post(path: string, body: string, limitMs: number): Promise<{ code: number; wallMs: number; json: Reply }> {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(2 * limitMs + 30_000),
  });
  const text = await res.text();
  return { code: res.status, wallMs: performance.now() - t0, json: JSON.parse(text) as Reply };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const tally = (xs: string[]) => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].map(([k, n]) => (counts.size === 1 ? k : `${k}×${n}`)).join(' ');
};
const pct = (g: number | undefined) => (g === undefined ? '—' : `${(100 * g).toFixed(2)}%`);
const allowedMs = (limitMs: number) => limitMs * 1.1 + 50;

// Warm-up (not measured): JIT in every worker thread and the main thread.
await Promise.all(
  Array.from({ length: config.solverThreads }, (_, i) =>
    post('/allocate', JSON.stringify(generateRequest(900_000 + i, { devices: 200, servers: 20 })), 2000),
  ),
);

interface Cell {
  size: string;
  limitMs: number;
  replies: { code: number; wallMs: number; json: Reply }[];
}

function printRow(cell: Cell, kb: number, floorMs: number | null): boolean {
  const walls = cell.replies.map((r) => r.wallMs);
  const max = Math.max(...walls);
  const kept = max <= allowedMs(cell.limitMs);
  // A Pareto reply counts each of its points.
  const statuses = cell.replies.flatMap((r) =>
    r.code === 200 || r.code === 422
      ? r.json.points
        ? r.json.points.map((p) => p.status)
        : [r.json.status ?? String(r.code)]
      : [`${r.code} ${r.json.field ?? r.json.code ?? ''}`.trim()],
  );
  const limits = cell.replies.flatMap((r) => (r.json.points ? r.json.points.map((p) => p.limit ?? '—') : [r.json.limit ?? '—']));
  const gaps = cell.replies
    .flatMap((r) => (r.json.points ? r.json.points.map((p) => p.gap) : [r.json.gap]))
    .filter((g): g is number => g !== undefined);
  const row = [
    cell.size,
    kb.toFixed(0),
    String(cell.limitMs),
    floorMs === null ? '—' : String(floorMs),
    quantile(walls, 0.5).toFixed(0),
    max.toFixed(0),
    allowedMs(cell.limitMs).toFixed(0),
    kept ? 'yes' : '**NO**',
    tally(statuses),
    tally(limits),
    gaps.length ? pct(quantile(gaps, 0.5)) : '—',
    gaps.length ? pct(Math.max(...gaps)) : '—',
  ];
  console.log(`| ${row.join(' | ')} |`);
  return kept;
}

const header = [
  'size',
  'body KB',
  'limit ms',
  'min limit ms',
  'wall p50 ms',
  'wall max ms',
  'allowed ms',
  'kept',
  'status',
  'limit',
  'gap p50',
  'gap max',
];
const printHeader = (title: string) => {
  console.log(`\n## ${title} (${SEEDS} seed${SEEDS > 1 ? 's' : ''} per cell; allowed = limit × 1.1 + 50 ms)\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
};

let broken = 0;
printHeader(`POST /allocate, ${LAYERS} layers`);
for (const [devices, servers] of SIZES) {
  for (const limitMs of LIMITS) {
    const cell: Cell = { size: `${devices}×${servers}`, limitMs, replies: [] };
    let kb = 0;
    for (let s = 0; s < SEEDS; s++) {
      const body = JSON.stringify(
        generateRequest(7919 * devices + 31 * limitMs + s, { devices, servers, layers: LAYERS, options: { timeLimitMs: limitMs } }),
      );
      kb = body.length / 1024;
      cell.replies.push(await post('/allocate', body, limitMs));
    }
    if (!printRow(cell, kb, minTimeLimitMs({ devices, servers, layers: LAYERS }))) broken++;
  }
}

if (flag('--pareto')) {
  printHeader('POST /allocate/pareto, grid of 2 steps (6 points), the limit for the whole sweep');
  for (const [devices, servers] of SIZES) {
    for (const limitMs of LIMITS) {
      const cell: Cell = { size: `${devices}×${servers}`, limitMs, replies: [] };
      let kb = 0;
      for (let s = 0; s < SEEDS; s++) {
        const { objective, ...snapshot } = generateRequest(7919 * devices + 31 * limitMs + s + 17, {
          devices,
          servers,
          layers: LAYERS,
          options: { timeLimitMs: limitMs },
        });
        const { weights: _w, ...rest } = objective ?? {};
        const body = JSON.stringify({ ...snapshot, objective: rest, pareto: { grid: { steps: 2 } } });
        kb = body.length / 1024;
        cell.replies.push(await post('/allocate/pareto', body, limitMs));
      }
      if (!printRow(cell, kb, minParetoTimeLimitMs(6, { devices, servers, layers: LAYERS }))) broken++;
    }
  }
}

if (flag('--blocks')) {
  printHeader('POST /allocate/blocks');
  for (const [devices, blocks] of BLOCK_SIZES) {
    for (const limitMs of LIMITS) {
      const cell: Cell = { size: `${devices}×${blocks}`, limitMs, replies: [] };
      let kb = 0;
      for (let s = 0; s < SEEDS; s++) {
        const body = JSON.stringify(generateBlocksRequest(7919 * devices + 31 * limitMs + s, SEVEN_B_LIKE(devices, blocks, limitMs)));
        kb = body.length / 1024;
        cell.replies.push(await post('/allocate/blocks', body, limitMs));
      }
      if (!printRow(cell, kb, minBlocksTimeLimitMs(devices, blocks))) broken++;
    }
  }
}

await app.close();
console.log(`\ncells over the bound: ${broken} · total ${process.uptime().toFixed(1)} s · load average at end: ${load()}`);
