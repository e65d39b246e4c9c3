// Throughput under load (issue 18 item 7): distinct cold 1,000 × 50 requests at default settings
// (generator seeds, nothing but the body: baselines and the default limit and tolerance as the
// checkout has them) sent through HTTP to a spawned embedded server (`tsx src/server.ts`, 2 solver
// threads, no Redis, so every answer is computed) on 127.0.0.1, by CLIENTS clients (default: one a
// thread) in a closed loop.
// A client refused with 503 waits out its Retry-After (as a well-behaved client does) and goes on
// with the next seed. It stops by itself: after MAX_REQUESTS sent or MAX_SECONDS, whichever comes
// first, then waits for the requests in flight. Prints answered requests per minute, the latency of
// the answers, the status and termination mix, and the refusals.
//
// Each checkout's server is started from that checkout and solves bodies made by that checkout's
// own generator (the bench prints a digest of the bodies: equal digests, equal requests). Several
// checkouts run interleaved (round by round), so "before and after" come out side by side from one
// run on the same machine state:
//
//   CHECKOUTS=/work/wt/old,. ROUNDS=2 MAX_REQUESTS=40 MAX_SECONDS=60 npx tsx bench/throughput.ts
//   cd OTHER && npx tsx /path/to/bench/throughput.ts          (that checkout alone: CHECKOUTS=.)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOST, startCheckoutServer } from './lib/checkout-server.js';

const CHECKOUTS = (process.env.CHECKOUTS ?? '.').split(',').map((c) => resolve(process.cwd(), c.trim()));
const ROUNDS = int('ROUNDS', 1, 1, 20);
const MAX_REQUESTS = int('MAX_REQUESTS', 60, 1, 10_000);
const MAX_SECONDS = int('MAX_SECONDS', 90, 5, 3600);
const THREADS = int('SOLVER_THREADS', 2, 1, 64);
/** One client per thread keeps every thread busy without queueing (a queued request may be refused by admission). */
const CLIENTS = int('CLIENTS', THREADS, 1, 64);
const DEVICES = 1000;
const SERVERS = 50;
/** Seeds of the generated bodies: the same on every checkout and round, none answered twice by one server. */
const SEED_BASE = int('SEED_BASE', 910_000, 1, 1_000_000_000);

function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return v;
}

interface Reply {
  status: number;
  ms: number;
  body: string;
  retryAfterS: number;
}

function post(port: number, body: string, timeoutMs: number): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolveReply) => {
    const req = request(
      { host: HOST, port, method: 'POST', path: '/allocate', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolveReply({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body: text,
            retryAfterS: Number(res.headers['retry-after'] ?? 1),
          }),
        );
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolveReply({ status: 0, ms: performance.now() - t0, body: '', retryAfterS: 1 }));
    req.end(body);
  });
}

interface RunResult {
  sent: number;
  answered: number;
  refused: number;
  failed: number;
  elapsedMs: number;
  latencies: number[];
  mix: Record<string, number>;
  readyMs: number;
  digest: string;
}

async function runOnce(checkout: string): Promise<RunResult> {
  const at = (path: string) => pathToFileURL(`${checkout}/${path}`).href;
  const { generateRequest } = (await import(at('src/model/generator.ts'))) as {
    generateRequest(seed: number, o: { devices: number; servers: number }): unknown;
  };
  const digest = createHash('sha256');
  const bodies = Array.from({ length: MAX_REQUESTS }, (_, i) => {
    const text = JSON.stringify(generateRequest(SEED_BASE + i, { devices: DEVICES, servers: SERVERS }));
    digest.update(text);
    return text;
  });
  const server = await startCheckoutServer(checkout, { SOLVER_THREADS: String(THREADS) });
  const port = server.port;
  const result: RunResult = {
    sent: 0,
    answered: 0,
    refused: 0,
    failed: 0,
    elapsedMs: 0,
    latencies: [],
    mix: {},
    readyMs: server.readyMs,
    digest: digest.digest('hex').slice(0, 12),
  };
  const t0 = performance.now();
  const stopAt = t0 + MAX_SECONDS * 1000;
  let next = 0;
  let lastAnswerAt = t0;
  async function client(): Promise<void> {
    while (next < bodies.length && performance.now() < stopAt) {
      const body = bodies[next++];
      result.sent += 1;
      const r = await post(port, body, 120_000);
      if (r.status === 200) {
        result.answered += 1;
        result.latencies.push(r.ms);
        lastAnswerAt = performance.now();
        const answer = JSON.parse(r.body) as { status?: string; termination?: string; limit?: string };
        const key = `${answer.status}/${answer.termination ?? answer.limit ?? 'no limit'}`;
        result.mix[key] = (result.mix[key] ?? 0) + 1;
      } else if (r.status === 503) {
        result.refused += 1;
        const waitMs = Math.min(Math.max(1, r.retryAfterS) * 1000, Math.max(0, stopAt - performance.now()));
        await new Promise((done) => setTimeout(done, waitMs));
      } else {
        result.failed += 1;
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: CLIENTS }, () => client()));
  } finally {
    await server.stop();
  }
  result.elapsedMs = lastAnswerAt - t0;
  return result;
}

const pct = (xs: number[], p: number) => (xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]);
const perMinute = (r: RunResult) => (r.elapsedMs > 0 ? (r.answered / r.elapsedMs) * 60_000 : 0);

const results = new Map<string, RunResult[]>(CHECKOUTS.map((c) => [c, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, the order alternating: the machine's state drifts, and each checkout meets it alike.
  const order = round % 2 === 0 ? CHECKOUTS : [...CHECKOUTS].reverse();
  for (const checkout of order) {
    const r = await runOnce(checkout);
    results.get(checkout)!.push(r);
    console.error(
      `round ${round + 1} ${checkout}: ${r.answered} answered in ${(r.elapsedMs / 1000).toFixed(1)} s = ${perMinute(r).toFixed(1)}/min`,
    );
  }
}

console.log(
  `\nthroughput: distinct cold ${DEVICES} × ${SERVERS} requests (default settings, seeds from ${SEED_BASE}), ${CLIENTS} clients, ` +
    `${THREADS} solver threads, embedded, HTTP on ${HOST}; at most ${MAX_REQUESTS} requests or ${MAX_SECONDS} s a run; ${ROUNDS} round(s)\n`,
);
console.log('| checkout | commit | bodies | answered / min (each round) | answered | 503 | other | p50 ms | p90 ms | statuses |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [checkout, rs] of results) {
  const commit = await new Promise<string>((done) => {
    const git = spawn('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout });
    let out = '';
    git.stdout.on('data', (d: Buffer) => (out += d.toString()));
    git.on('close', () => done(out.trim() || '?'));
  });
  const latencies = rs.flatMap((r) => r.latencies);
  const mix: Record<string, number> = {};
  for (const r of rs) for (const [k, n] of Object.entries(r.mix)) mix[k] = (mix[k] ?? 0) + n;
  const sum = (f: (r: RunResult) => number) => rs.reduce((s, r) => s + f(r), 0);
  console.log(
    `| ${checkout} | ${commit} | ${[...new Set(rs.map((r) => r.digest))].join(',')} | ${rs.map((r) => perMinute(r).toFixed(1)).join(', ')} | ` +
      `${sum((r) => r.answered)} | ${sum((r) => r.refused)} | ${sum((r) => r.failed)} | ${pct(latencies, 0.5).toFixed(0)} | ${pct(latencies, 0.9).toFixed(0)} | ` +
      `${Object.entries(mix)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')} |`,
  );
}
