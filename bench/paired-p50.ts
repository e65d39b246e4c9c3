// Paper-scale request time through HTTP, two checkouts side by side at request granularity: both
// servers run at once (each started as `npm run dev` does, 2 solver threads, warm-up on), and each
// distinct paper-scale body (50 × 10, default options, baselines included) goes to one and then
// the other, the order alternating, one request at a time. On a shared machine a request's time
// swings with what else runs; sent this way both checkouts meet the same swings, so the ratio of
// their times holds where the times themselves do not. Prints per checkout the p50 and p90 of the
// round trip and of the answer's own solveTimeMs, and the median of the per-body ratios.
//
//   CHECKOUTS=/path/to/old,. npx tsx bench/paired-p50.ts [requests]      (default 40)
import { request } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOST, startCheckoutServer, type CheckoutServer } from './lib/checkout-server.js';

const REQUESTS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 40);
const CHECKOUTS = (process.env.CHECKOUTS ?? '.').split(',').map((c) => resolve(process.cwd(), c.trim()));
if (CHECKOUTS.length !== 2) throw new Error('CHECKOUTS names two checkouts');

function post(port: number, body: string): Promise<{ status: number; ms: number; solveMs: number }> {
  const t0 = performance.now();
  return new Promise((resolvePost, reject) => {
    const req = request(
      { host: HOST, port, method: 'POST', path: '/allocate', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const solveMs = res.statusCode === 200 ? (JSON.parse(text) as { solver: { solveTimeMs: number } }).solver.solveTimeMs : NaN;
          resolvePost({ status: res.statusCode ?? 0, ms, solveMs });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

process.setMaxListeners(100);
// Bodies from the first checkout's generator (the same bodies for both: they are plain JSON).
const { generateRequest } = (await import(pathToFileURL(`${CHECKOUTS[0]}/src/model/generator.ts`).href)) as {
  generateRequest(seed: number): unknown;
};
const servers: CheckoutServer[] = [];
try {
  for (const checkout of CHECKOUTS) servers.push(await startCheckoutServer(checkout, { SOLVER_THREADS: '2' }));
  const ms: number[][] = [[], []];
  const solveMs: number[][] = [[], []];
  const ratios: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const body = JSON.stringify(generateRequest(50_000 + i)); // seeds no warm-up uses
    const got: number[] = [];
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const r = await post(servers[k].port, body);
      if (r.status !== 200) throw new Error(`${CHECKOUTS[k]}: status ${r.status}`);
      ms[k].push(r.ms);
      solveMs[k].push(r.solveMs);
      got[k] = r.ms;
    }
    ratios.push(got[1] / got[0]);
  }
  console.log(
    `\npaper-scale requests through HTTP, ${REQUESTS} distinct bodies, each sent to both servers in turn (2 solver threads each)\n`,
  );
  console.log('| server | p50 ms | p90 ms | solveTimeMs p50 | solveTimeMs p90 |');
  console.log('| --- | --- | --- | --- | --- |');
  CHECKOUTS.forEach((checkout, k) =>
    console.log(
      `| ${checkout} | ${quantile(ms[k], 0.5).toFixed(1)} | ${quantile(ms[k], 0.9).toFixed(1)} | ${quantile(solveMs[k], 0.5).toFixed(1)} | ${quantile(solveMs[k], 0.9).toFixed(1)} |`,
    ),
  );
  console.log(
    `\nsecond / first, per body: median ${quantile(ratios, 0.5).toFixed(3)} (p25 ${quantile(ratios, 0.25).toFixed(3)}, p75 ${quantile(ratios, 0.75).toFixed(3)})`,
  );
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
