// Entry of a queue worker process (`npm run worker`): same environment as the API
// (REDIS_URL required, SOLVER_QUEUE ignored), SOLVER_THREADS solver threads and as many jobs at
// once. SIGTERM/SIGINT: stop taking jobs, finish running ones within the grace, hand back the rest.
import { ConfigError, LOG_LEVELS, loadConfig, type LogLevel } from '../config.js';
import { startQueueWorker } from '../backends/bullmq/queue-worker.js';
import { createSolveService } from '../compose.js';

type Log = (level: Exclude<LogLevel, 'silent'>, obj: object, msg: string) => void;

/** JSON lines at `level` and above (pino's order: fatal … trace), none when silent. */
function logAt(configured: LogLevel): Log {
  const threshold = LOG_LEVELS.indexOf(configured);
  return (level, obj, msg) => {
    if (configured !== 'silent' && LOG_LEVELS.indexOf(level) <= threshold)
      console.log(JSON.stringify({ level, time: Date.now(), pid: process.pid, msg, ...obj }));
  };
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, SOLVER_QUEUE: 'threads' });
    if (config.redisUrl === undefined) throw new ConfigError('REDIS_URL', 'a queue worker needs Redis');
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  // LOG_LEVEL and WORKER_SHUTDOWN_GRACE_MS come validated from the config, as every variable does.
  const log = logAt(config.logLevel);
  const shutdownGraceMs = config.workerShutdownGraceMs;
  const logger = {
    info: (obj: object, msg: string) => log('info', obj, msg),
    warn: (obj: object, msg: string) => log('warn', obj, msg),
    error: (obj: object, msg: string) => log('error', obj, msg),
  };
  // The worker's own solve service: threads here, answers into the shared Redis cache. No lock
  // across instances: BullMQ runs a job on one worker at a time, and the lock of a worker that died
  // mid-solve would keep the worker its job is handed to waiting until the lock lapsed (the
  // solve's whole limit), leaving that solve no time.
  const service = createSolveService(
    { ...config, paretoMaxParallel: config.paretoMaxParallel ?? config.solverThreads },
    { logger, lock: false },
  );
  const worker = startQueueWorker(config, service, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', { signal }, 'worker shutting down');
    // Closing needs Redis; with Redis gone it could wait forever. Unfinished jobs are handed back
    // by the stalled check either way.
    setTimeout(() => process.exit(1), shutdownGraceMs + 2000).unref();
    worker.close(shutdownGraceMs).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await worker.ready();
  log('info', { queue: config.queueName, threads: config.solverThreads }, 'worker ready');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
