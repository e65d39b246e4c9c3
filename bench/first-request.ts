// The first request on a fresh process against the next twenty (issue 18 item 6): each solver
// thread warms up with paper-scale solves, and the request path with paper-scale requests over a
// real socket, before /ready says ready, so the first caller pays no compile. Starts the server as
// `npm run dev` does (tsx src/server.ts) from each checkout given, waits for /ready, sends distinct
// paper-scale requests (50 × 10, default options, baselines included) one at a time, and prints
// the first one's time, the p50 of the next twenty and their ratio, per process (the spread) and
// as medians. Instances differ in how long they take, so each process also solves the first body
// once more at the end (warm; a 1 ms longer limit makes it a cache miss, and a paper-scale solve
// stops on its gap long before either limit): first / that is the penalty on the same instance. Checkouts run interleaved, round by round, the order alternating, so "before and
// after" come from one run on the same machine state; --off adds this checkout with the warm-up
// off (SOLVER_WARMUP=false).
//
//   npx tsx bench/first-request.ts [rounds] [--off]
//   CHECKOUTS=/path/to/old,. npx tsx bench/first-request.ts 4 --off
import { request } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOST, startCheckoutServer } from './lib/checkout-server.js';

const args = process.argv.slice(2);
const ROUNDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const NEXT = 20;
const CHECKOUTS = (process.env.CHECKOUTS ?? '.').split(',').map((c) => resolve(process.cwd(), c.trim()));
const HERE = resolve(process.cwd());

interface Setup {
  label: string;
  checkout: string;
  warmup: boolean;
}
const setups: Setup[] = CHECKOUTS.map((checkout) => ({ label: checkout, checkout, warmup: true }));
if (args.includes('--off')) setups.push({ label: `${HERE} (warm-up off)`, checkout: HERE, warmup: false });

function post(port: number, body: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolvePost, reject) => {
    const req = request(
      { host: HOST, port, method: 'POST', path: '/allocate', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface ProcessRun {
  first: number;
  p50: number;
  /** the first body again, on the warm process */
  again: number;
  readyMs: number;
}

async function oneProcess(setup: Setup, seedBase: number): Promise<ProcessRun> {
  const at = (path: string) => pathToFileURL(`${setup.checkout}/${path}`).href;
  const { generateRequest } = (await import(at('src/model/generator.ts'))) as { generateRequest(seed: number): unknown };
  const server = await startCheckoutServer(setup.checkout, { SOLVER_THREADS: '2', SOLVER_WARMUP: String(setup.warmup) });
  const { port, readyMs } = server;
  try {
    const times: number[] = [];
    for (let i = 0; i <= NEXT; i++) {
      const r = await post(port, JSON.stringify(generateRequest(seedBase + i)));
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      times.push(r.ms);
    }
    const body = generateRequest(seedBase) as { options?: { timeLimitMs?: number } };
    const again = await post(
      port,
      JSON.stringify({ ...body, options: { ...body.options, timeLimitMs: (body.options?.timeLimitMs ?? 2000) + 1 } }),
    );
    if (again.status !== 200) throw new Error(`status ${again.status}`);
    return { first: times[0], p50: median(times.slice(1)), again: again.ms, readyMs };
  } finally {
    await server.stop();
  }
}

process.setMaxListeners(100); // each server process registers an exit handler (never left behind)
const rows = new Map<Setup, ProcessRun[]>(setups.map((s) => [s, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const setup of round % 2 === 0 ? setups : [...setups].reverse()) {
    // The same seeds for every setup in a round; fresh ones each round.
    const r = await oneProcess(setup, 1000 * (round + 1));
    rows.get(setup)!.push(r);
    console.error(
      `round ${round + 1} ${setup.label}: first ${r.first.toFixed(0)} ms, p50 ${r.p50.toFixed(0)} ms, ${(r.first / r.p50).toFixed(2)}×; same body warm ${r.again.toFixed(0)} ms`,
    );
  }
}
console.log(`\nfirst paper-scale request on a fresh process vs the p50 of the next ${NEXT} (2 solver threads, ${ROUNDS} processes each)\n`);
console.log(
  '| server | start to ready, ms | first, ms | p50 of next 20, ms | first / p50 (median) | each process | first / same body warm (median) | each process |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [setup, rs] of rows) {
  const ratios = rs.map((r) => r.first / r.p50);
  const same = rs.map((r) => r.first / r.again);
  console.log(
    `| ${setup.label} | ${median(rs.map((r) => r.readyMs)).toFixed(0)} | ${median(rs.map((r) => r.first)).toFixed(0)} | ` +
      `${median(rs.map((r) => r.p50)).toFixed(0)} | ${median(ratios).toFixed(2)} | ${ratios.map((x) => x.toFixed(2)).join(', ')} | ` +
      `${median(same).toFixed(2)} | ${same.map((x) => x.toFixed(2)).join(', ')} |`,
  );
}
