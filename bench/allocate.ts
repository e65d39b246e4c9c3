// POST /allocate through the real HTTP path: cold-solve time by instance size, and cache-hit
// throughput next to a trivial validated POST in the same run.
// Run: npx tsx bench/allocate.ts [--quick]
//
// The app is started in-process exactly as server.ts does (buildApp(loadConfig(env))), with logs off,
// no REDIS_URL (in-memory LRU cache) and an ephemeral port on 127.0.0.1. Every load test targets
// 127.0.0.1 only, is bounded by a duration and a request cap, and the script exits by itself.
//
// 1. Cold solves: seeded bodies from generateRequest() at 10/50/200/1000 devices (servers scaled),
//    each body distinct (so a cache miss), POSTed one at a time after a warm-up that JIT-compiles
//    the solver in every worker thread. Wall time is measured around fetch() + reading the body.
// 2. Cache hits: autocannon (in a worker thread, so the client does not share the server's event
//    loop) against POST /allocate with examples/paper-scale.json after one warm-up request, next to
//    the floors: a small body rejected by the schema (400), the paper-scale body with one unknown
//    field in its last device (400: JSON parse + schema walk of the full body), and GET /health.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateRequest } from '../src/model/generator.js';
import { SOLVER_VERSION } from '../src/solver/version.js';
import { listenOnLoopback } from './lib/listen.js';

const quick = process.argv.includes('--quick');
const SEEDS = quick ? 1 : 3;
const LOAD_S = quick ? 2 : 5;
const CONNECTIONS = 10;
const REQUEST_CAP = 500_000; // upper bound per load test, on top of the duration
const SIZES = [
  { devices: 10, servers: 2 },
  { devices: 50, servers: 10 },
  { devices: 200, servers: 20 },
  { devices: 1000, servers: 50 },
] as const;

// Hard stop if anything hangs (the normal path exits well before this).
const watchdog = setTimeout(() => {
  console.error('bench/allocate: watchdog fired after 300 s, aborting');
  process.exit(2);
}, 300_000);
watchdog.unref();

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', REDIS_URL: '' });
const app = buildApp(config);
const base = await listenOnLoopback(app);

const cpus = os.cpus();
console.log('# bench/allocate' + (quick ? ' (--quick)' : ''));
console.log(
  `node ${process.version} · ${os.platform()}/${os.arch()} · ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}) · ` +
    `${new Date().toISOString()}`,
);
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
// Other processes on the machine skew every figure below; the load average says how much.
console.log(`load average at start: ${load()} (1/5/15 min)`);
console.log(
  `solver ${SOLVER_VERSION} · SOLVER_THREADS=${config.solverThreads} · cache: in-memory LRU · ` + `default timeLimitMs 2000 · ${base}`,
);

// ---- wait for the worker pool -------------------------------------------------------------------
{
  const t0 = performance.now();
  for (;;) {
    const res = await fetch(`${base}/ready`);
    await res.arrayBuffer();
    if (res.status === 200) break;
    if (performance.now() - t0 > 30_000) throw new Error('workers not ready after 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`workers ready ${(performance.now() - t0).toFixed(0)} ms after listen`);
}

interface AllocateReply {
  status: string;
  limit?: string;
  gap?: number;
  solver?: { solveTimeMs: number };
  cache?: string;
}

async function post(body: string): Promise<{ code: number; wallMs: number; json: AllocateReply }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/allocate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  const wallMs = performance.now() - t0;
  return { code: res.status, wallMs, json: JSON.parse(text) as AllocateReply };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const tally = (xs: (string | undefined)[]) => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x ?? '—', (counts.get(x ?? '—') ?? 0) + 1);
  return [...counts].map(([k, n]) => (counts.size === 1 && n === xs.length ? k : `${k}×${n}`)).join(' ');
};
const pct = (g: number | undefined) => (g === undefined ? '—' : `${(100 * g).toFixed(2)}%`);

// ---- 1. cold solves -----------------------------------------------------------------------------
{
  // Warm-up (not measured): one distinct paper-scale solve per worker thread, concurrently, so the
  // first measured solve does not pay module JIT in a cold thread. Seeds here never recur below.
  const t0 = performance.now();
  const warm = await Promise.all(
    Array.from({ length: config.solverThreads }, (_, i) => post(JSON.stringify(generateRequest(900_000 + i)))),
  );
  console.log(
    `warm-up: ${warm.length} concurrent 50×10 solves, ${(performance.now() - t0).toFixed(0)} ms (HTTP ${warm.map((w) => w.code).join(',')})`,
  );
}

console.log(`\n## Cold solves (cache miss, one request at a time, ${SEEDS} seed${SEEDS > 1 ? 's' : ''} per size)\n`);
const coldHeader = [
  'devices×servers',
  'body KB',
  'wall ms median',
  'wall ms max',
  'solveTimeMs median',
  'solveTimeMs max',
  'HTTP+service overhead ms median',
  'status',
  'limit',
  'gap median',
  'gap max',
];
console.log(`| ${coldHeader.join(' | ')} |`);
console.log(`|${coldHeader.map(() => '---').join('|')}|`);
const coldStart = performance.now();
for (const { devices, servers } of SIZES) {
  const walls: number[] = [];
  const solves: number[] = [];
  const overheads: number[] = [];
  const statuses: string[] = [];
  const limits: (string | undefined)[] = [];
  const gaps: number[] = [];
  const codes: number[] = [];
  let kb = 0;
  for (let s = 0; s < SEEDS; s++) {
    const body = JSON.stringify(generateRequest(1000 * devices + s, { devices, servers }));
    kb = body.length / 1024;
    const r = await post(body);
    codes.push(r.code);
    if (r.json.cache !== undefined && r.json.cache !== 'miss') throw new Error(`expected a cache miss, got ${r.json.cache}`);
    walls.push(r.wallMs);
    statuses.push(r.json.status ?? `HTTP ${r.code}`);
    limits.push(r.json.limit);
    if (r.json.solver) {
      solves.push(r.json.solver.solveTimeMs);
      overheads.push(r.wallMs - r.json.solver.solveTimeMs);
    }
    if (r.json.gap !== undefined) gaps.push(r.json.gap);
  }
  const row = [
    `${devices}×${servers}`,
    kb.toFixed(0),
    median(walls).toFixed(0),
    Math.max(...walls).toFixed(0),
    solves.length ? median(solves).toFixed(0) : '—',
    solves.length ? Math.max(...solves).toFixed(0) : '—',
    overheads.length ? median(overheads).toFixed(1) : '—',
    tally(statuses) + (codes.some((c) => c !== 200) ? ` (HTTP ${tally(codes.map(String))})` : ''),
    tally(limits),
    gaps.length ? pct(median(gaps)) : '—',
    gaps.length ? pct(Math.max(...gaps)) : '—',
  ];
  console.log(`| ${row.join(' | ')} |`);
}
console.log(`\ncold section ${((performance.now() - coldStart) / 1000).toFixed(1)} s`);

// ---- 2. cache-hit throughput vs floors -------------------------------------------------------------
const paperBody = readFileSync(new URL('../examples/paper-scale.json', import.meta.url), 'utf8');
{
  const first = await post(paperBody); // may be a miss (fills the cache)
  const second = await post(paperBody);
  if (second.code !== 200 || second.json.cache !== 'hit') {
    throw new Error(`paper-scale warm-up: expected a 200 cache hit, got HTTP ${second.code} cache=${second.json.cache}`);
  }
  console.log(
    `\npaper-scale warm-up: first request ${first.json.cache} ${first.wallMs.toFixed(0)} ms (solveTimeMs ${first.json.solver?.solveTimeMs.toFixed(0)}), ` +
      `second ${second.json.cache} ${second.wallMs.toFixed(1)} ms`,
  );
}
const invalidSmall = JSON.stringify({ model: { layers: 32, hiddenSize: 1024, batchSize: 512 }, devices: [], servers: [], bogus: 1 });
const invalidFull = (() => {
  const b = JSON.parse(paperBody) as { devices: Record<string, unknown>[] };
  b.devices[b.devices.length - 1].bogusField = 1;
  return JSON.stringify(b);
})();
// Sanity: the floors really are schema rejections (400), not something else.
for (const [name, body] of [
  ['invalid small', invalidSmall],
  ['invalid full', invalidFull],
] as const) {
  const r = await post(body);
  if (r.code !== 400) throw new Error(`${name}: expected 400, got ${r.code} ${JSON.stringify(r.json)}`);
}

interface Target {
  name: string;
  opts: Partial<autocannon.Options>;
  expect: number;
}
const json = { 'content-type': 'application/json' };
const targets: Target[] = [
  {
    name: `(a) POST /allocate paper-scale, cache hit (${(paperBody.length / 1024).toFixed(0)} KB in)`,
    opts: { method: 'POST', headers: json, body: paperBody },
    expect: 200,
  },
  {
    name: `(b) POST /allocate small invalid body → 400 (${invalidSmall.length} B)`,
    opts: { method: 'POST', headers: json, body: invalidSmall },
    expect: 400,
  },
  {
    name: '(c) POST /allocate paper-scale + unknown field in last device → 400',
    opts: { method: 'POST', headers: json, body: invalidFull },
    expect: 400,
  },
  { name: '(d) GET /health', opts: { method: 'GET' }, expect: 200 },
];

function cannon(opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({
    url: `${base}/allocate`,
    connections: CONNECTIONS,
    duration: LOAD_S,
    maxOverallRequests: REQUEST_CAP,
    workers: 1, // client in its own thread: it does not compete with the server's event loop
    ...opts,
  } as autocannon.Options);
}

console.log(
  `\n## Throughput (autocannon, ${CONNECTIONS} connections, ${LOAD_S} s or ${REQUEST_CAP} requests each, client in a worker thread)\n`,
);
const loadHeader = ['target', 'req/s mean', 'p50 ms', 'p99 ms', 'requests', 'expected status', 'other status / errors'];
console.log(`| ${loadHeader.join(' | ')} |`);
console.log(`|${loadHeader.map(() => '---').join('|')}|`);
const results: autocannon.Result[] = [];
for (const t of targets) {
  const url = t.opts.method === 'GET' ? `${base}/health` : `${base}/allocate`;
  const r = await cannon({ ...t.opts, url });
  results.push(r);
  const byCode = r.statusCodeStats as Record<string, { count: number }> | undefined;
  const expected = byCode?.[String(t.expect)]?.count ?? 0;
  const other = r.requests.total > 0 ? r.requests.total - expected : 0;
  const row = [
    t.name,
    r.requests.average.toFixed(0),
    r.latency.p50.toFixed(1),
    r.latency.p99.toFixed(1),
    String(r.requests.total),
    `${t.expect}×${expected}`,
    `${other} / ${r.errors + r.timeouts}`,
  ];
  console.log(`| ${row.join(' | ')} |`);
}
const [hit, small, full, health] = results;
const ratio = (a: autocannon.Result, b: autocannon.Result) => (a.requests.average / b.requests.average).toFixed(2);
console.log(
  `\nratio hit/trivial: ${ratio(hit, small)} (vs small 400) · ${ratio(hit, full)} (vs full-body 400) · ${ratio(hit, health)} (vs GET /health)`,
);

// ---- done ---------------------------------------------------------------------------------------
await app.close();
console.log(`\ntotal ${process.uptime().toFixed(1)} s · load average at end: ${load()}`);
