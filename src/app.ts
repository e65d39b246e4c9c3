// The application as a value: buildApp(config) wires plugins and routes explicitly, opens no port,
// so tests drive it with app.inject() and server.ts only listens.
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppConfig } from './config.js';
import { registerErrorHandling } from './http/errors.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { registerSwagger } from './plugins/swagger.js';
import { SHARED_SCHEMAS } from './schemas/common.js';
import { allocateRoutes } from './routes/allocate.js';
import { blocksRoutes } from './routes/blocks.js';
import { healthRoutes } from './routes/health.js';
import { paretoRoutes } from './routes/pareto.js';
import { jobsRoutes } from './routes/jobs.js';
import { createJobService, createSolverService } from './queue/wiring.js';
import type { JobService } from './jobs/types.js';
import type { SolveService } from './services/types.js';

export interface AppDeps {
  /** Injected in tests; otherwise the real service is created from config (threads or queue). */
  service?: SolveService;
  /** Injected in tests; otherwise in memory, or BullMQ jobs when SOLVER_QUEUE=bullmq. */
  jobs?: JobService;
}

export function buildApp(config: AppConfig, deps: AppDeps = {}) {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    ajv: {
      // Fastify's defaults strip unknown properties and coerce "5" to 5; a typo in a field name must
      // be a 400, not a silently ignored field. allErrors off: the first error names the field.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const service = deps.service ?? createSolverService(config, app.log);
  const jobs = deps.jobs ?? createJobService(config, service, app.log);
  // The app owns the services it answers with: closing the app drains and stops the workers.
  app.addHook('onClose', async () => {
    await jobs.close();
    await service.close();
  });

  registerJsonBodyParser(app);
  registerErrorHandling(app);
  registerSwagger(app);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  void app.register(healthRoutes, { service });
  void app.register(allocateRoutes, { service });
  void app.register(blocksRoutes, { service });
  void app.register(paretoRoutes, { service });
  void app.register(jobsRoutes, { jobs });
  return app;
}

export type App = ReturnType<typeof buildApp>;
