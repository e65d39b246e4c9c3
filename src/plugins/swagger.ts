// OpenAPI 3.1 document built from the route schemas, and Swagger UI at /docs (the document itself
// at /docs/json). Must be registered before the routes: it collects them through an onRoute hook.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { FastifySwaggerUiConfigOptions } from '@fastify/swagger-ui';
import { ALLOCATE_NAMED_EXAMPLES } from '../schemas/allocate.js';
import { withDocumentedDefaults } from '../schemas/defaults.js';
import { ERROR_EXAMPLES, EXAMPLE_JOB_ID } from '../schemas/errors.js';
import { PROBLEM_CONTENT_TYPE } from '../solve/problems.js';
import { withAnswerExamples, withTypedAnswers } from './openapi-typing.js';

/** Version of the HTTP contract (not of the solver, which answers carry in solver.version). */
const API_VERSION = '1.0.0';
const DOCS_PREFIX = '/docs';

type Json = Record<string, unknown>;

/** Every object of a JSON tree, children first, passed through `f` (a new tree; the input is kept). */
function mapObjects<T>(node: T, f: (object: Json) => Json): T {
  if (Array.isArray(node)) return node.map((item) => mapObjects(item, f)) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = mapObjects(value, f);
  return f(out) as T;
}

/**
 * Requests are validated with if/then/else where a body has two forms told apart by one key (a
 * Pareto list or grid, an explicit or transformer block model): Ajv then names a field of the
 * intended form in a 400. Client generators do not understand if/then/else, so the document
 * states the same set as oneOf [then, else]: the forms are disjoint (the key is required by one
 * and not allowed by the other), so exactly one matches whenever the if/then/else accepts.
 */
function ifThenElseAsOneOf(schema: Json): Json {
  if (!('if' in schema && 'then' in schema && 'else' in schema)) return schema;
  const { if: _if, then, else: otherwise, ...rest } = schema;
  return { ...rest, oneOf: [then, otherwise] };
}

/**
 * Ajv's `discriminator` (a what-if change's `op`) picks the branch a 400 describes. OpenAPI's
 * discriminator maps tag values to component names, which inline branches do not have: the
 * document keeps the oneOf (its branches are disjoint by their `op` const) and drops the keyword.
 */
function withoutInlineDiscriminator(schema: Json): Json {
  const inline = Array.isArray(schema.oneOf) && (schema.oneOf as Json[]).every((branch) => branch.$ref === undefined);
  if (!inline || schema.discriminator === undefined || (schema.discriminator as Json).mapping !== undefined) return schema;
  const { discriminator: _discriminator, ...rest } = schema;
  return rest;
}

/** The validation-only keywords of the route schemas restated as OpenAPI states them. */
function asOpenApiSchemas<T>(document: T): T {
  return mapObjects(document, (schema) => withoutInlineDiscriminator(ifThenElseAsOneOf(schema)));
}

/** Request bodies offered by name (Swagger UI's examples drop-down) where one example is not enough. */
const NAMED_REQUEST_EXAMPLES: Record<string, Record<string, { summary: string; value: unknown }>> = {
  '/allocate': ALLOCATE_NAMED_EXAMPLES,
};

/** A POST's single request `example` replaced by its named `examples` (OpenAPI allows one or the other). */
export function withNamedRequestExamples(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, { requestBody?: { content?: Record<string, Json> } }>>;
  for (const [path, examples] of Object.entries(NAMED_REQUEST_EXAMPLES)) {
    const media = paths[path]?.post?.requestBody?.content?.['application/json'];
    if (media === undefined) continue;
    delete media.example;
    media.examples = examples;
  }
  return document;
}

/** An example path for a templated one: /jobs/{id} → /jobs/job-1. */
const examplePath = (path: string) => path.replace(/\{[^}]+\}/g, EXAMPLE_JOB_ID);

/**
 * Every 4xx/5xx answer is a problem (RFC 9457): its body is documented under application/problem+json
 * (the route schemas give it under application/json, which keeps @fastify/swagger's component
 * references; the service serialises by status code, whatever the content type).
 */
function withProblemContent(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, { responses?: Record<string, Json> }>>;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const content = response.content as Record<string, Json> | undefined;
        const schema = content?.['application/json']?.schema as { $ref?: string; properties?: Json } | undefined;
        // Problems: the Problem component, or a 422 with the problem members (not, e.g., /ready's 503 body).
        const problem =
          schema?.$ref === '#/components/schemas/Problem' ||
          (schema?.properties?.type !== undefined && schema.properties.code !== undefined);
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
function withErrorExamples(document: Json): Json {
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
      const document = asOpenApiSchemas((documentObject as { openapiObject: Json }).openapiObject);
      return withNamedRequestExamples(
        withDocumentedDefaults(withAnswerExamples(withErrorExamples(withTypedAnswers(withProblemContent(document))))),
      ) as never;
    },
  });
  void app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: SWAGGER_UI_CONFIG,
    theme: { css: [{ filename: 'large-answers.css', content: LARGE_ANSWER_CSS }] },
  });
}

/** Above this many characters a request body's curl line or an answer's parsed copy costs seconds of the tab. */
const LARGE_BODY_CHARS = 100_000;

/**
 * The answer panel lays its text out as written (pretty-printed JSON has short lines): Swagger UI's
 * own style hyphenates and breaks words anywhere (hyphens: auto, break-all), which makes the browser
 * look for break points through the whole megabyte of a large answer.
 */
const LARGE_ANSWER_CSS = `.swagger-ui .live-responses-table { table-layout: fixed; width: 100%; }
.swagger-ui .live-responses-table .response-col_status { width: 5em; }
.swagger-ui .live-responses-table pre.microlight, .swagger-ui .live-responses-table .microlight code {
  hyphens: manual !important; white-space: pre !important; word-break: normal !important; word-wrap: normal !important; overflow-x: auto;
}`;

/**
 * Code that runs in the browser, kept as source text: @fastify/swagger-ui writes functions of
 * uiConfig into the page with toString(), and a bundler that keeps function names (tsx, esbuild
 * keepNames) would wrap them in a helper the page does not have.
 */
const browserFunction = (...argsAndBody: string[]) => new Function(...argsAndBody) as (...args: unknown[]) => unknown;

/**
 * Swagger UI settings that keep the page responsive on real answers (a 1,000-device request is
 * about 300 KB of JSON, its answer 600–850 KB). These made the tab freeze for seconds:
 * - syntax highlighting of the answer: off;
 * - the curl line, which carries the whole request body on one line that the browser wraps
 *   character by character: for bodies above LARGE_BODY_CHARS the "Curl" panel says so instead
 *   (the body is in the editor above it; small requests keep their curl line);
 * - Swagger UI copying the parsed answer (`body`/`obj`) into its Immutable.js state although the
 *   page shows only `text`: the response interceptor drops the parsed copies of large answers.
 * - the answer panel's text hyphenated and broken anywhere: laid out as written (LARGE_ANSWER_CSS).
 * Held to 1.5 s from the answer's arrival to its display by test/http.swagger-ui.browser.test.ts.
 * The schema list starts collapsed.
 */
const SWAGGER_UI_CONFIG: FastifySwaggerUiConfigOptions = {
  persistAuthorization: false,
  syntaxHighlight: false,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  responseInterceptor: browserFunction(
    'response',
    `if (typeof response.text === 'string' && response.text.length > ${LARGE_BODY_CHARS}) { delete response.body; delete response.obj; }
     return response;`,
  ) as never,
  plugins: [
    // Setting `plugins` replaces @fastify/swagger-ui's default list, which is this one plugin.
    browserFunction('system', 'return SwaggerUIBundle.plugins.DownloadUrl(system);'),
    browserFunction(`
      return { wrapComponents: { curl: function (Original, system) {
        return function (props) {
          var h = system.React.createElement;
          var body = props.request && props.request.get ? props.request.get('body') : undefined;
          if (typeof body !== 'string' || body.length <= ${LARGE_BODY_CHARS}) return h(Original, props);
          return h('div', { className: 'curl-command curl-omitted' }, h('h4', null, 'Curl'),
            h('p', null, 'Not shown for a request body of ' + Math.round(body.length / 1024) + ' KB (it would stall this page): ' +
              'save the body from the editor above and send it with curl --data @body.json.'));
        };
      } } };`),
  ] as never,
};
