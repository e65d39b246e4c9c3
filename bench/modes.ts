// How the optimum shifts when device memory shrinks (docs/model.md §1.5, issue 5): backprop vs zeroth-order,
// split layers, (q, P), objective. Pure solver (solveAllocate on normalised requests), no HTTP.
// Run: npx tsx bench/modes.ts [--limit=MS]   (about 40 s on 2 busy cores; at most 24 solves × the
// limit, default 5000 ms per solve). Rows marked (TIME) are the best found within the limit and
// `gap` is its certificate. With the service's default 2000 ms some memory-limited rows of tables 2
// and 3 stop early and fall back to a baseline (gaps up to ~100%), which distorts the comparison:
// memory limits make these instances several times slower to solve than the unlimited one.
//
// Table 1 is the paper-scale setting: generateRequest(SEED) with 50 devices, 10 servers, 32 layers
// (h = 1024, B = 512, d ∈ [512, 1024]), every device trainingMode auto with memoryBytes set to
// 16, 12, 8, 6, 4, 3, 2 GiB in turn (plus a first row with no memory limit, for context).
// Tables 2 and 3 repeat the sweep on variants where the trade-off is visible inside that memory
// range (at B = 512 one backprop layer alone stores B·d·(34h + 5Hd) ≈ 18.5–57 GiB of activations,
// so no row of table 1 can use backprop): B = 64 (a = 2.3–7.1 GiB per layer), and B = 64 with
// servers of 1–2 GPU cores (so keeping layers on the device pays and memory limits the split).
//
// Columns: memory per device; status; share of devices in backprop / zeroth-order; split layer
// α mean [min–max]; mean q and P over zeroth-order devices; the objective (normalised, docs/model.md §1.3:
// the reference point, hence the scale, does not depend on memory, so rows are comparable); the
// objective relative to the 16 GiB row; the certified gap to the solver's lower bound; solve time.
// INFEASIBLE rows give how many devices were named (they cannot hold even α_min = 1 layer in any
// mode).
import os from 'node:os';
import { generateRequest, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import { solveAllocate, SOLVER_VERSION } from '../src/solver/index.js';

const SEED = 2024;
const GiB = 2 ** 30;
const MEMORY_GIB = [16, 12, 8, 6, 4, 3, 2];
const TIME_LIMIT_MS = Number(process.argv.find((a) => a.startsWith('--limit='))?.slice(8) ?? 5000);
if (!(Number.isInteger(TIME_LIMIT_MS) && TIME_LIMIT_MS > 0 && TIME_LIMIT_MS <= 60_000))
  throw new Error('--limit must be an integer number of ms in 1..60000');

const watchdog = setTimeout(
  () => {
    console.error('bench/modes: watchdog fired, aborting');
    process.exit(2);
  },
  170_000 + 30 * TIME_LIMIT_MS,
);
watchdog.unref();

interface Row {
  memory: string;
  status: string;
  backprop: string;
  zeroth: string;
  split: string;
  q: string;
  P: string;
  objective: string;
  relative: string;
  gap: string;
  ms: string;
}

const HEAD: Row = {
  memory: 'memory',
  status: 'status',
  backprop: 'backprop',
  zeroth: 'zeroth-order',
  split: 'split α mean [min–max]',
  q: 'mean q (ZO)',
  P: 'mean P (ZO)',
  objective: 'objective',
  relative: 'vs 16 GiB',
  gap: 'gap',
  ms: 'solve ms',
};
const COLUMNS = Object.keys(HEAD) as (keyof Row)[];
const RIGHT = new Set<keyof Row>(['backprop', 'zeroth', 'q', 'P', 'objective', 'relative', 'gap', 'ms']);

function print(rows: Row[]): void {
  const width = (c: keyof Row) => Math.max(...[HEAD, ...rows].map((r) => r[c].length));
  const line = (r: Row) => '| ' + COLUMNS.map((c) => (RIGHT.has(c) ? r[c].padStart(width(c)) : r[c].padEnd(width(c)))).join(' | ') + ' |';
  console.log(line(HEAD));
  console.log('|' + COLUMNS.map((c) => (RIGHT.has(c) ? '-'.repeat(width(c) + 1) + ':' : '-'.repeat(width(c) + 2))).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(0)}%`;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

async function sweep(title: string, overrides: GeneratorOptions): Promise<void> {
  const base = generateRequest(SEED, { devices: 50, servers: 10, layers: 32, ...overrides });
  const h = base.model.hiddenSize;
  const B = base.model.batchSize;
  const tokens = base.devices.map((d) => d.tokens);
  console.log(`\n## ${title}`);
  console.log(
    `generateRequest(${SEED}, ${JSON.stringify({ devices: 50, servers: 10, layers: 32, ...overrides })}): ` +
      `h = ${h}, B = ${B}, d ∈ [${Math.min(...tokens)}, ${Math.max(...tokens)}], ζ = 20, every device trainingMode auto\n`,
  );
  const rows: Row[] = [];
  let reference16: number | undefined;
  for (const gib of [null, ...MEMORY_GIB]) {
    const body: AllocateRequest = structuredClone(base);
    for (const d of body.devices) {
      d.trainingMode = 'auto';
      if (gib !== null) d.memoryBytes = gib * GiB;
    }
    const { instance, options } = normalize(body);
    const t0 = performance.now();
    const res = await solveAllocate(instance, { ...options, timeLimitMs: TIME_LIMIT_MS });
    const ms = performance.now() - t0;
    const N = body.devices.length;
    const row: Row = {
      memory: gib === null ? 'no limit' : `${gib} GiB`,
      status: res.status + (res.limit ? ` (${res.limit})` : ''),
      backprop: '–',
      zeroth: '–',
      split: '–',
      q: '–',
      P: '–',
      objective: '–',
      relative: '–',
      gap: '–',
      ms: ms.toFixed(0),
    };
    if (res.status === 'INFEASIBLE') {
      const named = (res.infeasibilities ?? []).flatMap((x) => x.deviceIds);
      row.status = `INFEASIBLE (${named.length} named)`;
    } else {
      const a = res.allocations;
      const zo = a.filter((x) => x.trainingMode === 'zeroth-order');
      const splits = a.map((x) => x.splitLayer);
      row.backprop = pct(N - zo.length, N);
      row.zeroth = pct(zo.length, N);
      row.split = `${mean(splits).toFixed(2)} [${Math.min(...splits)}–${Math.max(...splits)}]`;
      if (zo.length > 0) {
        row.q = mean(zo.map((x) => x.queries!)).toFixed(2);
        row.P = mean(zo.map((x) => x.parallelism!)).toFixed(2);
      }
      row.objective = res.objective!.toPrecision(6);
      if (res.gap !== undefined) row.gap = `${(100 * res.gap).toFixed(2)}%`;
      if (gib === 16) reference16 = res.objective;
      if (reference16 !== undefined) row.relative = (res.objective! / reference16).toFixed(4);
    }
    rows.push(row);
  }
  // the no-limit row is printed before the 16 GiB row exists: fill in its ratio afterwards
  const unlimited = rows[0];
  if (reference16 !== undefined && unlimited.objective !== '–') unlimited.relative = (Number(unlimited.objective) / reference16).toFixed(4);
  print(rows);
}

const cpus = os.cpus();
console.log('# bench/modes — the optimum as device memory shrinks (docs/model.md §1.5)');
console.log(
  `node ${process.version} · ${os.platform()}/${os.arch()} · ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}) · ` +
    `solver ${SOLVER_VERSION} · time limit ${TIME_LIMIT_MS} ms per solve · load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
);
const t0 = performance.now();
await sweep('1. Paper scale (docs/model.md §3)', {});
await sweep('2. Paper scale with batch size 64', { batchSize: 64 });
await sweep('3. Batch size 64, servers with 1–2 GPU cores', { batchSize: 64, server: { gpuCores: [1, 2] } });
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
