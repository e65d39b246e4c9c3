// Probes. /health is liveness: the process answers, nothing else is checked, so an orchestrator
// never restarts a healthy process because a dependency blinked. /ready is readiness: the worker
// pool is up. A Redis outage is reported but does not make the service unready: it degrades to
// solving without a cache.
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SolveService } from '../solve/types.js';

const HealthResponseSchema = Type.Object(
  { status: Type.Enum(['ok'], { description: 'always ok when the process answers' }) },
  { $id: 'HealthResponse', additionalProperties: false, description: 'Liveness' },
);

const ReadinessResponseSchema = Type.Object(
  {
    status: Type.Enum(['ready', 'not ready'], { description: 'ready when the solver workers can take work' }),
    workers: Type.Object(
      {
        threads: Type.Integer({ description: 'solver worker threads (queue mode: worker processes connected to the queue)' }),
        queued: Type.Integer({ description: 'solves waiting for a worker' }),
        maxQueue: Type.Integer({ description: 'queue bound; beyond it POST /allocate answers 503' }),
      },
      { additionalProperties: false, description: 'solver worker pool' },
    ),
    redis: Type.Enum(['up', 'down', 'disabled'], {
      description:
        'cache backend: disabled when REDIS_URL is unset; down degrades to no cache, not to unready (unless solves go through the queue)',
    }),
    queue: Type.Optional(
      Type.Enum(['in-process', 'bullmq'], {
        description:
          "where solves run: this process's threads, or worker processes behind a BullMQ queue " +
          '(SOLVER_QUEUE=bullmq; then a down Redis makes the API not ready)',
      }),
    ),
  },
  { $id: 'ReadinessResponse', additionalProperties: false, description: 'Readiness and dependency state' },
);

interface HealthRoutesOptions {
  service: SolveService;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { service }) => {
  app.get(
    '/health',
    {
      logLevel: 'warn', // probes hit every few seconds; keep them out of info logs
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness probe',
        security: [],
        response: { 200: HealthResponseSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Readiness probe: worker pool and Redis state',
        security: [],
        response: { 200: ReadinessResponseSchema, 503: ReadinessResponseSchema },
      },
    },
    async (_request, reply) => {
      const readiness = await service.readiness();
      const { workers, redis, queue } = readiness;
      // Draining (SIGTERM): a load balancer must stop sending work here.
      const ready = readiness.ready && !app.draining;
      const body = {
        status: ready ? ('ready' as const) : ('not ready' as const),
        workers,
        redis,
        ...(queue !== undefined ? { queue } : {}),
      };
      return reply.code(ready ? 200 : 503).send(body);
    },
  );
};
