// Process entry: read config, build the app, listen, and shut down gracefully on SIGTERM/SIGINT:
// drain (new requests 503 + Retry-After, every solve in flight answers its best now, in-memory jobs
// cancelled with their best allocation stored), then close the server, workers and Redis. Runs as
// `tsx src/server.ts` in development and `node dist/src/server.js` in production.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { warmUpRequestPath } from './plugins/warm-up.js';

/** Longer than the default solve time limit, shorter than a typical orchestrator kill grace (30 s). */
const SHUTDOWN_GRACE_MS = 25_000;
/** Of the grace, what closing the server, the threads and Redis may take after the drain. */
const CLOSE_RESERVE_MS = 3_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG: the environment is wrong, restarting will not help
    }
    throw err;
  }

  const app = buildApp(config);
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an unexpected error');
    else app.log.info({ signal }, 'shutting down');
    const report = await app.drain(SHUTDOWN_GRACE_MS - CLOSE_RESERVE_MS);
    app.log.info(report, 'drained');
    await app.close();
  });

  if (config.solverWarmup && config.solverQueue === 'threads') {
    await app.ready();
    const ms = await warmUpRequestPath(app);
    app.log.info({ ms: ms.map(Math.round) }, 'warmed up');
  }
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
