// Benches that compare checkouts side by side start each checkout's own server as a child process
// (its code, not this one's): on a free loopback port, embedded and cold, ready when /ready says so.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';

/** Loopback only: these benches never send a request elsewhere. */
export const HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** GET /ready's status (0 while nothing listens yet). */
export function readyStatus(port: number): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = request({ host: HOST, port, path: '/ready', agent: false }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('error', () => resolveStatus(0));
    req.end();
  });
}

export interface CheckoutServer {
  port: number;
  /** from spawning the process to /ready answering 200 */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * `checkout`'s server (tsx src/server.ts) on a free port: embedded and cold (no Redis, no queue,
 * no rate limit, no API keys), logs at warn, with `env` on top (SOLVER_THREADS, SOLVER_WARMUP, …).
 * Resolves once /ready says 200; fails if the process exits first or is not ready in 120 s.
 */
export async function startCheckoutServer(checkout: string, env: Record<string, string>): Promise<CheckoutServer> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST, LOG_LEVEL: 'warn', ...env };
  for (const name of ['REDIS_URL', 'SOLVER_QUEUE', 'RATE_LIMIT_MAX', 'API_KEYS']) delete childEnv[name];
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: checkout,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  process.once('exit', () => child.kill('SIGKILL')); // never left behind
  while ((await readyStatus(port)) !== 200) {
    if (child.exitCode !== null) throw new Error(`server in ${checkout} exited ${child.exitCode}: ${stderr}`);
    if (performance.now() - t0 > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`server in ${checkout} not ready in 120 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    readyMs: performance.now() - t0,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      child.kill('SIGKILL');
    },
  };
}
