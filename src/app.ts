// The application as a value: buildApp(config) wires plugins and routes explicitly, opens no port,
// so tests drive it with app.inject() and server.ts only listens.
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppConfig } from './config.js';
import { clientErrorHandler } from './plugins/client-errors.js';
import { registerArrivalClock } from './plugins/arrival.js';
import { registerDrain } from './plugins/drain.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerJsonBodyParser } from './plugins/json-body.js';
import { registerRequestIdEcho, requestIdFrom } from './plugins/request-id.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { registerAccessControl } from './plugins/access.js';
import { isInternal } from './plugins/internal-requests.js';
import { registerHardening } from './plugins/hardening.js';
import { registerMetrics } from './plugins/metrics.js';
import { publicPathMatcher } from './plugins/public-paths.js';
import { registerSwagger } from './plugins/swagger.js';
import { SHARED_SCHEMAS } from './schemas/common.js';
import { consoleRoutes } from './routes/console.js';
import { healthRoutes } from './routes/health.js';
import { paretoRoutes } from './routes/pareto.js';
import { whatIfRoutes } from './routes/what-if.js';
import { jobsRoutes } from './routes/jobs.js';
import { SOLVE_ENDPOINTS } from './routes/solve-endpoints.js';
import { composeServices } from './compose.js';
import type { JobService } from './jobs/types.js';
import type { SolveService } from './solve/types.js';

interface AppDeps {
  /** Injected in tests; otherwise the real service is created from config (threads or queue). */
  service?: SolveService;
  /** Injected in tests (to read what a service reported); otherwise created when metrics are enabled. */
  metrics?: Metrics;
  /** More paths served without an API key or rate limit (static pages that send the key themselves). */
  publicPaths?: readonly string[];
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
  /** Redis key namespace of the rate-limit counters (tests use one per run). */
  rateLimitKeyPrefix?: string;
  /** Injected in tests; otherwise in memory, or BullMQ jobs when SOLVER_QUEUE=bullmq. */
  jobs?: JobService;
}

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

export function buildApp(config: AppConfig, deps: AppDeps = {}) {
  const app = Fastify({
    // Belt and braces: the default serializers log no headers, but a key must never reach a log.
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          },
    genReqId: requestIdFrom,
    // The service's own warm-up requests (plugins/internal-requests.ts) are start-up work, not traffic.
    logController: new LogController({ disableRequestLogging: (request: { raw: IncomingMessage }) => isInternal(request.raw) }),
    // A hop count trusts that many proxies nearest the server (Fastify's types take it as a function).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    clientErrorHandler,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Requests arriving while closing get our 503 (envelope, Retry-After, request id), not Fastify's bare one.
    return503OnClosing: false,
    ajv: {
      // Fastify's defaults strip unknown properties and coerce "5" to 5; a typo in a field name must
      // be a 400, not a silently ignored field. allErrors off: the first error names the field.
      // discriminator: a oneOf told apart by one key (a what-if change's `op`) is checked against
      // the branch that key names, so the 400 names a field of that branch.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, discriminator: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = deps.metrics ?? (config.metricsEnabled ? createMetrics() : undefined);
  const { service, jobs } = composeServices(config, { service: deps.service, jobs: deps.jobs, logger: app.log, observer: metrics });
  if (metrics !== undefined) metrics.setWorkloadSource(() => service.workload?.());
  if (metrics !== undefined) metrics.setJobCountsSource(() => jobs.counts?.());
  const isPublic = publicPathMatcher({ metricsPublic: config.metricsPublic, extra: deps.publicPaths });
  // The app owns the services it answers with: closing the app drains and stops the workers.
  app.addHook('onClose', async () => {
    await jobs.close();
    await service.close();
  });

  registerArrivalClock(app);
  registerRequestIdEcho(app);
  registerJsonBodyParser(app);
  registerErrorHandling(app);
  registerDrain(app, { service, jobs });
  if (metrics !== undefined) registerMetrics(app, metrics);
  registerHardening(app, { ...config, isPublic });
  registerAccessControl(app, { config, isPublic, rateLimitKeyPrefix: deps.rateLimitKeyPrefix });
  registerSwagger(app);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  void app.register(healthRoutes, { service });
  for (const endpoint of Object.values(SOLVE_ENDPOINTS)) void app.register(endpoint.routes, { service });
  void app.register(paretoRoutes, { service });
  void app.register(whatIfRoutes, { service });
  void app.register(consoleRoutes);
  void app.register(jobsRoutes, { jobs });
  return app;
}

export type App = ReturnType<typeof buildApp>;
