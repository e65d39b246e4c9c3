// OpenAPI 3.1 document built from the route schemas, and Swagger UI at /docs (the document itself
// at /docs/json). Must be registered before the routes: it collects them through an onRoute hook.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { withDocumentedDefaults } from '../schemas/defaults.js';
import { ERROR_EXAMPLES, EXAMPLE_JOB_ID } from '../schemas/errors.js';
import { PROBLEM_CONTENT_TYPE } from '../solve/problems.js';
import { withAnswerExamples, withTypedAnswers } from './openapi-typing.js';

/** Version of the HTTP contract (not of the solver, which answers carry in solver.version). */
export const API_VERSION = '1.0.0';
export const DOCS_PREFIX = '/docs';

type Json = Record<string, unknown>;

/**
 * Requests are validated with if/then/else where a body has two forms told apart by one key (a
 * Pareto list or grid, an explicit or transformer block model): Ajv then names a field of the
 * intended form in a 400. Client generators do not understand if/then/else, so the document
 * states the same set as oneOf [then, else]: the forms are disjoint (the key is required by one
 * and not allowed by the other), so exactly one matches whenever the if/then/else accepts.
 */
export function ifThenElseToOneOf<T>(node: T): T {
  if (Array.isArray(node)) return node.map(ifThenElseToOneOf) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = ifThenElseToOneOf(value);
  if ('if' in out && 'then' in out && 'else' in out) {
    const { if: _if, then, else: otherwise, ...rest } = out;
    return { ...rest, oneOf: [then, otherwise] } as T;
  }
  return out as T;
}

/** An example path for a templated one: /jobs/{id} → /jobs/job-1. */
const examplePath = (path: string) => path.replace(/\{[^}]+\}/g, EXAMPLE_JOB_ID);

/**
 * Every 4xx/5xx answer is a problem (RFC 9457): its body is documented under application/problem+json
 * (the route schemas give it under application/json, which keeps @fastify/swagger's component
 * references; the service serialises by status code, whatever the content type).
 */
export function withProblemContent(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, { responses?: Record<string, Json> }>>;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const content = response.content as Record<string, Json> | undefined;
        const schema = content?.['application/json']?.schema as { $ref?: string; properties?: Json } | undefined;
        // Problems: the Problem component, or a 422 with the problem members (not, e.g., /ready's 503 body).
        const problem = schema?.$ref === '#/components/schemas/Problem' || (schema?.properties?.type !== undefined && schema.properties.code !== undefined);
        if (Number(status) >= 400 && problem) {
          response.content = { [PROBLEM_CONTENT_TYPE]: content!['application/json'] };
        }
      }
    }
  }
  return document;
}

/**
 * Every Problem answer gets the example of its status code (see ERROR_EXAMPLES), with `instance`
 * set to the operation's path.
 */
export function withErrorExamples(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, { responses?: Record<string, Json> }>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const media = (response.content as Record<string, Json> | undefined)?.[PROBLEM_CONTENT_TYPE];
        const ref = (media?.schema as { $ref?: string } | undefined)?.$ref;
        if (media && media.example === undefined && ref === '#/components/schemas/Problem' && ERROR_EXAMPLES[status]) {
          media.example = { ...ERROR_EXAMPLES[status], instance: examplePath(path) };
        }
      }
    }
  }
  return document;
}

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
          'split layers, frequencies, transmit powers and bandwidth, solved with a certified bound and gap. ' +
          'The model (inputs, units, defaults, cost model, constraints, bound and gap) is documented in ' +
          '`docs/model.md` of the source repository. Authentication applies only when the service is ' +
          'configured with API keys; rate limits only when RATE_LIMIT_MAX is set.',
        license: { name: 'GPL-3.0-or-later', identifier: 'GPL-3.0-or-later' },
      },
      // Relative: the document describes whichever host serves it (Swagger UI calls that host).
      servers: [{ url: '/', description: 'the service that serves this document' }],
      tags: [
        { name: 'allocation', description: 'Optimisation endpoints' },
        { name: 'jobs', description: 'Async solves: submit, poll progress, fetch the result, cancel' },
        { name: 'health', description: 'Liveness and readiness probes' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key as a bearer token: `Authorization: Bearer <key>`' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API key in the `x-api-key` header' },
        },
      },
      // Either scheme; operations that need none (probes) say `security: []`.
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    },
    // Name components after each schema's $id (Allocation, DeviceSpec, …) rather than def-0, def-1.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transformObject: (documentObject) => {
      const document = ifThenElseToOneOf((documentObject as { openapiObject: Json }).openapiObject);
      return withDocumentedDefaults(withAnswerExamples(withErrorExamples(withTypedAnswers(withProblemContent(document))))) as never;
    },
  });
  void app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { persistAuthorization: false } });
}
