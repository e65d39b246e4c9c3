// What metrics cost: cache-hit throughput of POST /allocate with metrics on against off, measured
// in one run. Two apps in this process (METRICS_ENABLED true / false, otherwise identical, in-memory
// cache, 127.0.0.1, ephemeral ports), each warmed with the body so every request is a cache hit;
// autocannon (client in a worker thread) alternates between them for ROUNDS rounds so machine
// load drifts hit both alike. Prints req/s per round and the on/off ratio of the totals.
//
//   npx tsx bench/metrics.ts [--quick]
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { listenOnLoopback } from './lib/listen.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 6;
const ROUND_S = quick ? 2 : 3;
const CONNECTIONS = 10;
const REQUEST_CAP = 200_000;

const watchdog = setTimeout(() => {
  console.error('bench/metrics: watchdog fired after 300 s, aborting');
  process.exit(2);
}, 300_000);
watchdog.unref();

const env = { ...process.env, LOG_LEVEL: 'silent', REDIS_URL: '', SOLVER_THREADS: '1', API_KEYS: '', RATE_LIMIT_MAX: '' };
async function start(metricsEnabled: boolean) {
  const app = buildApp(loadConfig({ ...env, METRICS_ENABLED: String(metricsEnabled) }));
  return { app, url: `${await listenOnLoopback(app)}/allocate` };
}

const on = await start(true);
const off = await start(false);
// A generous time limit so the warm-up solve finishes (time-limited answers are not cached) even on
// a busy machine; the cache-hit path measured here does not depend on it.
async function example(name: string): Promise<string> {
  const body = JSON.parse(await readFile(new URL(`../examples/${name}`, import.meta.url), 'utf8'));
  return JSON.stringify({ ...body, options: { ...body.options, timeLimitMs: 30_000 } });
}
const bodies = {
  'paper-scale (examples/paper-scale.json)': await example('paper-scale.json'),
  'small (examples/small.json)': await example('small.json'),
};

async function warm(url: string, body: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await res.json()) as { cache?: string };
    if (res.status !== 200) throw new Error(`warm-up: HTTP ${res.status}`);
    if (i === 1 && answer.cache !== 'hit') throw new Error(`warm-up: expected a cache hit, got ${answer.cache}`);
  }
}

function cannon(url: string, body: string): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: ROUND_S,
    maxOverallRequests: REQUEST_CAP,
    workers: 1,
  } as autocannon.Options);
}

console.log('# bench/metrics' + (quick ? ' (--quick)' : ''));
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · ${new Date().toISOString()} · load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(`${ROUNDS} alternating rounds of ${ROUND_S} s per side, ${CONNECTIONS} connections, every request a cache hit\n`);

for (const [name, body] of Object.entries(bodies)) {
  await warm(on.url, body);
  await warm(off.url, body);
  let onTotal = 0;
  let offTotal = 0;
  // CPU time of this process (server and client thread) per request: unlike req/s, barely moved
  // by other processes competing for the cores.
  let onCpuUs = 0;
  let offCpuUs = 0;
  const rows: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so neither side always runs on a warmer (or busier) machine.
    const order = round % 2 === 0 ? [off, on] : [on, off];
    for (const side of order) {
      const cpu0 = process.cpuUsage();
      const r = await cannon(side.url, body);
      const cpu = process.cpuUsage(cpu0);
      const cpuUs = cpu.user + cpu.system;
      const non2xx = r.non2xx + r.errors + r.timeouts;
      if (non2xx > 0) throw new Error(`${name}: ${non2xx} requests failed`);
      if (side === on) {
        onTotal += r.requests.total;
        onCpuUs += cpuUs;
      } else {
        offTotal += r.requests.total;
        offCpuUs += cpuUs;
      }
      const row = [
        round + 1,
        side === on ? 'on' : 'off',
        r.requests.average.toFixed(0),
        r.latency.p50.toFixed(1),
        r.latency.p99.toFixed(1),
        (cpuUs / r.requests.total).toFixed(0),
      ];
      rows.push(`| ${row.join(' | ')} |`);
    }
  }
  console.log(`## ${name}, ${(body.length / 1024).toFixed(1)} KB\n`);
  console.log('| round | metrics | req/s | p50 ms | p99 ms | CPU µs/request |\n|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  console.log(`\nthroughput with metrics on / off: ${(onTotal / offTotal).toFixed(3)} (${onTotal} vs ${offTotal} requests)`);
  const perRequest = (cpuUs: number, total: number) => cpuUs / total;
  console.log(
    `CPU per request, off / on: ${(perRequest(offCpuUs, offTotal) / perRequest(onCpuUs, onTotal)).toFixed(3)} ` +
      `(${perRequest(onCpuUs, onTotal).toFixed(0)} µs on, ${perRequest(offCpuUs, offTotal).toFixed(0)} µs off)\n`,
  );
}

const scrape = await fetch(on.url.replace('/allocate', '/metrics'));
const text = await scrape.text();
const hits = /edge_allocator_cache_requests_total\{kind="allocate",outcome="hit"\} (\d+)/.exec(text)?.[1];
console.log(`metrics side counted ${hits} cache hits (a check that it measured what it claims)`);

await Promise.all([on.app.close(), off.app.close()]);
