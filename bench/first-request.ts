// The first request on a fresh process against the next twenty (issue 18 item 6): each solver
// thread warms up with one paper-scale solve before /ready says ready, so the first caller pays no
// compile. Starts the server as `npm run dev` does (tsx src/server.ts), waits for /ready, sends
// distinct paper-scale requests (50 × 10, default options, baselines included) one at a time, and
// prints the first one's time, the p50 of the next twenty and their ratio, with the warm-up on and
// off side by side in one run (rounds alternate). Usage: npx tsx bench/first-request.ts [rounds]
import { request } from 'node:http';
import { generateRequest } from '../src/model/generator.js';
import { startServer } from '../test/fixtures/server-process.js';
import { freePort } from '../test/fixtures/redis.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const NEXT = 20;

function post(port: number, body: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/allocate', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function oneProcess(warmup: boolean, seedBase: number): Promise<{ first: number; p50: number; readyMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const server = await startServer({ PORT: String(port), SOLVER_THREADS: '2', SOLVER_WARMUP: String(warmup), LOG_LEVEL: 'warn' });
  const readyMs = performance.now() - t0;
  try {
    const times: number[] = [];
    for (let i = 0; i <= NEXT; i++) {
      const r = await post(port, JSON.stringify(generateRequest(seedBase + i)));
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      times.push(r.ms);
    }
    return { first: times[0], p50: median(times.slice(1)), readyMs };
  } finally {
    server.kill('SIGTERM');
    await server.exited;
  }
}

const rows: Record<string, { first: number; p50: number; readyMs: number }[]> = { on: [], off: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const warmup of round % 2 === 0 ? [true, false] : [false, true]) {
    rows[warmup ? 'on' : 'off'].push(await oneProcess(warmup, 1000 * (round + 1)));
  }
}
console.log(`first paper-scale request on a fresh process vs the p50 of the next ${NEXT} (2 solver threads, ${ROUNDS} processes each)\n`);
console.log('| warm-up | start to ready, ms | first, ms | p50 of next 20, ms | first / p50 |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, rs] of Object.entries(rows)) {
  const first = median(rs.map((r) => r.first));
  const p50 = median(rs.map((r) => r.p50));
  const ready = median(rs.map((r) => r.readyMs));
  const ratios = rs.map((r) => (r.first / r.p50).toFixed(2)).join(', ');
  console.log(
    `| ${name} | ${ready.toFixed(0)} | ${first.toFixed(0)} | ${p50.toFixed(0)} | ${(first / p50).toFixed(2)} (each: ${ratios}) |`,
  );
}
