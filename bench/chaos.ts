// Chaos run in queue mode, all real processes: a redis-server of its own (append-only, on a free
// port), two API instances (`tsx src/server.ts`, SOLVER_QUEUE=bullmq) and three queue workers
// (`tsx src/worker/main.ts`). A bounded mixed load of sync requests and jobs runs while a worker
// is kill -9-ed (and restarted), an API is restarted (SIGTERM), Redis is kill -9-ed and restarted,
// and another worker is kill -9-ed. Afterwards every accepted job is followed to its end.
//
// Prints accepted, completed, failed, lost and duplicated jobs, sync status counts and p50/p99, and
// fails (exit 1) on any lost or duplicated job, any 5xx other than 503 with Retry-After, or any
// completed answer that is not a valid allocation (the served OpenAPI schema, every device once,
// a finite objective).
//
//   npx tsx bench/chaos.ts           full run: 3 minutes of load
//   npx tsx bench/chaos.ts --short   15 s of load (test/backends.bullmq.chaos.test.ts runs this)
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { generateRequest } from '../src/model/generator.js';
import { DurableRedis, startWorker, type WorkerProcess } from '../test/fixtures/queue-processes.js';
import { freePort } from '../test/fixtures/redis.js';
import { startServer, type ServerProcess } from '../test/fixtures/server-process.js';

export interface ChaosOptions {
  /** how long the load runs, ms */
  loadMs: number;
  /** concurrent sync clients */
  syncClients: number;
  /** a job is submitted this often, ms */
  jobEveryMs: number;
  /** after the load, how long accepted jobs may take to finish, ms */
  settleMs: number;
  log?: (line: string) => void;
}

export const SHORT: ChaosOptions = { loadMs: 15_000, syncClients: 3, jobEveryMs: 400, settleMs: 25_000 };
export const FULL: ChaosOptions = { loadMs: 180_000, syncClients: 4, jobEveryMs: 300, settleMs: 90_000 };

export interface ChaosReport {
  jobs: { accepted: number; completed: number; failed: number; cancelled: number; lost: number; duplicated: number; refused: number };
  sync: { statuses: Record<string, number>; p50Ms: number; p99Ms: number; connectionErrors: number };
  /** 5xx answers other than 503 with Retry-After */
  bad5xx: number;
  /** completed answers (sync 200s and job results) that are not valid allocations */
  invalid: number;
  faults: string[];
  problems: string[];
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function safeCode(body: string): string {
  try {
    return String((JSON.parse(body) as { code?: unknown }).code ?? '');
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (xs: number[], q: number) =>
  xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Checks a completed allocation: the served schema, every device exactly once, a finite objective. */
function answerChecker(openapi: { paths: Record<string, { post?: { responses: Record<string, unknown> } }> }) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...openapi, $id: 'openapi' });
  const validate = ajv.compile({ $ref: 'openapi#/paths/~1allocate/post/responses/200/content/application~1json/schema' });
  return (result: unknown, deviceIds: string[]): string | null => {
    if (!validate(result)) return ajv.errorsText(validate.errors, { dataVar: 'answer' });
    const r = result as { status: string; objective?: number; allocations: { deviceId: string }[] };
    if (r.status !== 'OPTIMAL' && r.status !== 'FEASIBLE')
      return `status ${r.status} ${JSON.stringify(result, ['limit', 'termination', 'infeasibilities', 'constraint', 'detail', 'solver', 'solveTimeMs'])}`;
    if (!Number.isFinite(r.objective)) return 'objective is not finite';
    const seen = r.allocations.map((a) => a.deviceId).sort();
    if (seen.join() !== [...deviceIds].sort().join()) return 'allocations do not cover every device exactly once';
    return null;
  };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  process.setMaxListeners(100); // every child process registers an exit handler (never left behind)
  const log = options.log ?? ((line: string) => console.log(line));
  const queueName = `chaos-${randomUUID().slice(0, 8)}`;
  const redis = new DurableRedis(await freePort());
  await redis.start();
  const workerEnv = { REDIS_URL: redis.url, QUEUE_NAME: queueName, SOLVER_THREADS: '1' };
  const workers: WorkerProcess[] = [];
  const everyWorker: WorkerProcess[] = []; // killed ones too: their logs count for duplicates
  const apiPorts = [await freePort(), await freePort()];
  const apiEnv = (port: number) => ({
    PORT: String(port),
    REDIS_URL: redis.url,
    SOLVER_QUEUE: 'bullmq',
    QUEUE_NAME: queueName,
    LOG_LEVEL: 'warn',
  });
  const apis: (ServerProcess | undefined)[] = [];
  const faults: string[] = [];
  const problems: string[] = [];
  const t0 = Date.now();
  const note = (what: string) => {
    faults.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    log(`  ${faults.at(-1)}`);
  };

  const addWorker = async () => {
    const w = await startWorker(workerEnv, 60_000);
    workers.push(w);
    everyWorker.push(w);
    return w;
  };
  try {
    const started = await Promise.all([addWorker(), addWorker(), addWorker(), ...apiPorts.map((port) => startServer(apiEnv(port)))]);
    apis.push(...(started.slice(3) as ServerProcess[]));
    const openapi = JSON.parse((await call(apiPorts[0], 'GET', '/docs/json')).body);
    const check = answerChecker(openapi);
    log(
      `chaos: redis :${redis.port}, APIs :${apiPorts.join(', :')}, 3 workers; ${options.loadMs / 1000} s of load (started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    let connectionErrors = 0;
    let bad5xx = 0;
    let invalid = 0;
    const count = (key: string) => (statuses[key] = (statuses[key] ?? 0) + 1);
    const jobs = new Map<string, { deviceIds: string[]; port: number }>();
    let refused = 0;
    let seed = 1;
    const loadStart = Date.now();
    const loadEnd = loadStart + options.loadMs;
    const pickPort = (i: number) => apiPorts[i % apiPorts.length];

    /** A 5xx is acceptable only as 503 with Retry-After. */
    const judge5xx = (r: Reply, what: string) => {
      if (r.status < 500) return;
      if (r.status === 503 && Number(r.headers['retry-after']) >= 1) return;
      bad5xx += 1;
      problems.push(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
    };

    async function syncClient(id: number): Promise<void> {
      let turn = id;
      while (Date.now() < loadEnd) {
        const body = { ...generateRequest(seed++, { devices: 50, servers: 10 }), options: { baselines: false, timeLimitMs: 1000 } };
        const port = pickPort(turn++);
        const sentAt = performance.now();
        let reply: Reply;
        try {
          reply = await call(port, 'POST', '/allocate', body);
        } catch {
          connectionErrors += 1; // the API on this port is restarting: the next turn goes to the other
          await sleep(100);
          continue;
        }
        count(reply.status === 200 ? '200' : `${reply.status} ${safeCode(reply.body)}`);
        judge5xx(reply, 'POST /allocate');
        if (reply.status === 200) {
          latencies.push(performance.now() - sentAt);
          const problem = check(
            JSON.parse(reply.body),
            body.devices.map((d) => d.id),
          );
          if (problem !== null) {
            invalid += 1;
            problems.push(`sync answer: ${problem}`);
          }
        } else if (reply.status === 503) {
          await sleep(Math.min(1000, 1000 * Number(reply.headers['retry-after'] ?? 1)));
        }
      }
    }

    async function jobClient(): Promise<void> {
      let turn = 0;
      while (Date.now() < loadEnd) {
        const input = { ...generateRequest(100_000 + seed++, { devices: 100, servers: 10 }), options: { baselines: false } };
        const key = randomUUID();
        // An Idempotency-Key makes a retry after a lost connection safe: the same job, not a second one.
        for (let attempt = 0; attempt < 3; attempt++) {
          const port = pickPort(turn++);
          try {
            const reply = await call(port, 'POST', '/jobs', { kind: 'allocate', input, timeLimitMs: 1500 }, { 'idempotency-key': key });
            judge5xx(reply, 'POST /jobs');
            if (reply.status === 202 || reply.status === 200)
              jobs.set(JSON.parse(reply.body).id, { deviceIds: input.devices.map((d) => d.id), port });
            else refused += 1;
            break;
          } catch {
            await sleep(200);
          }
        }
        await sleep(options.jobEveryMs);
      }
    }

    // Restarts run in the background so that every fault keeps its place in the schedule.
    const restarts: Promise<unknown>[] = [];
    const restartWorker = () => restarts.push(addWorker().then((w) => note(`worker ${w.pid} started`)));
    async function faultPlan(): Promise<void> {
      const at = async (share: number) => sleep(Math.max(0, loadStart + options.loadMs * share - Date.now()));
      await at(0.15);
      const first = workers.shift()!;
      first.kill('SIGKILL');
      note(`kill -9 worker ${first.pid}`);
      restartWorker();
      await at(0.35);
      const api = apis[0]!;
      api.kill('SIGTERM');
      note(`SIGTERM API :${apiPorts[0]}`);
      restarts.push(
        api.exited.then(async (code) => {
          if (code !== 0) problems.push(`API exited ${code} after SIGTERM`);
          note(`API :${apiPorts[0]} exited ${code}`);
          apis[0] = await startServer(apiEnv(apiPorts[0]));
          note(`API :${apiPorts[0]} restarted`);
        }),
      );
      await at(0.55);
      await redis.kill();
      note('kill -9 redis');
      await sleep(1500);
      await redis.start();
      note('redis restarted');
      await at(0.75);
      const second = workers.shift()!;
      second.kill('SIGKILL');
      note(`kill -9 worker ${second.pid}`);
      restartWorker();
    }

    await Promise.all([...Array.from({ length: options.syncClients }, (_, i) => syncClient(i)), jobClient(), faultPlan()]);
    await Promise.all(restarts);
    log(`load over after ${((Date.now() - loadStart) / 1000).toFixed(1)} s; following ${jobs.size} accepted jobs`);

    // Every accepted job to its end.
    const final = new Map<string, string>();
    const settleEnd = Date.now() + options.settleMs;
    while (final.size < jobs.size && Date.now() < settleEnd) {
      for (const [id, job] of jobs) {
        if (final.has(id)) continue;
        let reply: Reply;
        try {
          reply = await call(job.port, 'GET', `/jobs/${id}`);
        } catch {
          continue;
        }
        judge5xx(reply, 'GET /jobs/{id}');
        if (reply.status === 404) {
          final.set(id, 'lost');
          problems.push(`job ${id}: 404`);
          continue;
        }
        if (reply.status !== 200) continue;
        const view = JSON.parse(reply.body);
        if (view.status === 'completed' || view.status === 'failed' || view.status === 'cancelled') {
          final.set(id, view.status);
          if (view.status === 'failed') problems.push(`job ${id} failed: ${JSON.stringify(view.error)}`);
          if (view.status === 'completed') {
            const problem = check(view.result, job.deviceIds);
            if (problem !== null) {
              invalid += 1;
              problems.push(`job ${id}: ${problem}`);
            }
          }
        }
      }
      await sleep(250);
    }
    for (const id of jobs.keys()) {
      if (!final.has(id)) {
        final.set(id, 'lost');
        problems.push(`job ${id}: not finished ${options.settleMs / 1000} s after the load`);
      }
    }
    await sleep(500); // the last workers' log lines
    const finishes = new Map<string, number>();
    for (const w of everyWorker)
      for (const l of w.lines)
        if (l.msg === 'job finished' && typeof l.jobId === 'string' && jobs.has(l.jobId))
          finishes.set(l.jobId, (finishes.get(l.jobId) ?? 0) + 1);
    const duplicated = [...finishes.values()].filter((n) => n > 1).length;
    if (duplicated > 0) problems.push(`${duplicated} jobs finished more than once`);
    const tally = (s: string) => [...final.values()].filter((v) => v === s).length;
    return {
      jobs: {
        accepted: jobs.size,
        completed: tally('completed'),
        failed: tally('failed'),
        cancelled: tally('cancelled'),
        lost: tally('lost'),
        duplicated,
        refused,
      },
      sync: { statuses, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), connectionErrors },
      bad5xx,
      invalid,
      faults,
      problems,
    };
  } finally {
    for (const api of apis) api?.kill('SIGKILL');
    for (const w of everyWorker) w.kill('SIGKILL');
    await redis.destroy();
  }
}

export function verdict(report: ChaosReport): string[] {
  const failures: string[] = [];
  if (report.jobs.lost > 0) failures.push(`${report.jobs.lost} jobs lost`);
  if (report.jobs.duplicated > 0) failures.push(`${report.jobs.duplicated} jobs duplicated`);
  if (report.bad5xx > 0) failures.push(`${report.bad5xx} 5xx answers other than 503 with Retry-After`);
  if (report.invalid > 0) failures.push(`${report.invalid} invalid completed answers`);
  return failures;
}

export function printReport(report: ChaosReport, log: (line: string) => void = console.log): void {
  const j = report.jobs;
  log(
    `jobs: accepted ${j.accepted}, completed ${j.completed}, failed ${j.failed}, cancelled ${j.cancelled}, lost ${j.lost}, duplicated ${j.duplicated} (refused at submission: ${j.refused})`,
  );
  const s = report.sync;
  const statuses = Object.entries(s.statuses)
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  log(
    `sync: ${statuses}; connection errors (API restarting) ${s.connectionErrors}; 200s p50 ${s.p50Ms.toFixed(0)} ms, p99 ${s.p99Ms.toFixed(0)} ms`,
  );
  log(`5xx other than 503 + Retry-After: ${report.bad5xx}; invalid completed answers: ${report.invalid}`);
  for (const p of report.problems.slice(0, 20)) log(`  problem: ${p}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const short = process.argv.includes('--short');
  const report = await runChaos(short ? SHORT : FULL);
  printReport(report);
  const failures = verdict(report);
  console.log(failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`);
  process.exit(failures.length === 0 ? 0 : 1);
}
