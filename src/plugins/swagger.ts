// OpenAPI 3.1 document built from the route schemas, and Swagger UI at /docs (the document itself
// at /docs/json). Must be registered before the routes: it collects them through an onRoute hook.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Version of the HTTP contract (not of the solver, which answers carry in solver.version). */
export const API_VERSION = '1.0.0';
export const DOCS_PREFIX = '/docs';

/**
 * Called on the root instance, not wrapped in a plugin: @fastify/swagger must live in the context
 * that owns the routes to see them. register() queues; the routes registered next load after it.
 */
export function registerSwagger(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'edge-allocator',
        version: API_VERSION,
        description:
          'Resource allocation for split LLM fine-tuning at the mobile edge: device-to-server association, ' +
          'split layers, frequencies, transmit powers and bandwidth, solved to optimality (see SPEC.md).',
      },
      tags: [
        { name: 'allocation', description: 'Optimisation endpoints' },
        { name: 'jobs', description: 'Async solves: submit, poll progress, fetch the result, cancel' },
        { name: 'health', description: 'Liveness and readiness probes' },
      ],
    },
    // Name components after each schema's $id (Allocation, DeviceSpec, …) rather than def-0, def-1.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  void app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
