// The async job API: POST /jobs (202 + Location), GET /jobs/{id}, DELETE /jobs/{id}. Thin: the
// input is checked against its sync endpoint's schema here, everything else is the JobService's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { errorResponse } from '../schemas/common.js';
import { errorResponses } from '../schemas/errors.js';
import { HttpProblem } from '../plugins/errors.js';
import {
  JobHeadersSchema,
  JobIdParamsSchema,
  JobListQuerySchema,
  JobPageSchema,
  JobQuerySchema,
  JobRequestSchema,
  JobSchema,
} from '../schemas/jobs.js';
import { DEFAULT_JOB_PAGE } from '../jobs/list.js';
import { ParetoRequestSchema } from '../schemas/pareto.js';
import { WhatIfRequestSchema } from '../schemas/what-if.js';
import { JOB_PROBLEM_KINDS, type JobProblemKind } from '../solve/kinds/index.js';
import type { JobKind, JobService } from '../jobs/types.js';
import { SOLVE_ENDPOINTS } from './solve-endpoints.js';

interface JobsRoutesOptions {
  jobs: JobService;
}

/** A job's input schema: its sync endpoint's body schema. */
const INPUT_SCHEMAS: Record<JobKind, TSchema> = {
  ...(Object.fromEntries(JOB_PROBLEM_KINDS.map((kind) => [kind, SOLVE_ENDPOINTS[kind].body])) as Record<JobProblemKind, TSchema>),
  pareto: ParetoRequestSchema,
  'what-if': WhatIfRequestSchema,
};

/** Validates a job's input with its sync endpoint's schema (same Ajv, same options); errors point into `input`. */
function checkInput(request: FastifyRequest, kind: JobKind, input: unknown): void {
  const validate = request.compileValidationSchema(INPUT_SCHEMAS[kind]);
  if (validate(input)) return;
  const errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: `/input${e.instancePath}` }));
  throw Object.assign(new Error('invalid job input'), { validation: errors, statusCode: 400 });
}

const LOCATION = { Location: { type: 'string', format: 'uri-reference', description: 'the job: /jobs/{id}' } };
const notFound = (id: string) => new HttpProblem(404, 'JOB_NOT_FOUND', `no job ${id} (unknown, or expired)`);

export const jobsRoutes: FastifyPluginAsyncTypebox<JobsRoutesOptions> = async (app, { jobs }) => {
  app.post(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'submitJob',
        summary: 'Submit a solve to run in the background',
        description:
          'Accepts the body of POST /allocate, /allocate/blocks, /allocate/pareto or /allocate/what-if as `input` and answers at once ' +
          'with ' +
          '202, `Location: /jobs/{id}` and the job. Jobs may ask for time limits up to 10 minutes. Poll GET /jobs/{id} for ' +
          'status and progress; DELETE /jobs/{id} cancels. With an `Idempotency-Key` header, a retry with the same key and ' +
          'body returns the same job (200); the same key with another body is 422 (409 when two such requests race and the ' +
          'first has not answered yet).',
        headers: JobHeadersSchema,
        body: JobRequestSchema,
        response: {
          200: { ...JobSchema, description: 'Idempotent replay: the job this Idempotency-Key created', headers: LOCATION },
          202: { ...JobSchema, description: 'Accepted: poll the Location', headers: LOCATION },
          ...errorResponses(),
          409: errorResponse('A request with this Idempotency-Key and another body is still being processed: retry later'),
          422: errorResponse('Idempotency-Key already used with a different body'),
        },
      },
    },
    async (request, reply) => {
      const { kind, input, timeLimitMs } = request.body;
      checkInput(request, kind, input);
      const idempotencyKey = request.headers['idempotency-key'];
      const { job, created } = await jobs.submit({
        kind,
        input,
        ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
        ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
      });
      void reply.header('Location', `/jobs/${job.id}`);
      return reply.code(created ? 202 : 200).send(job);
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'listJobs',
        summary: 'List jobs, newest first',
        description:
          'Jobs not yet expired, newest first, `limit` at a time (default 20): pass `nextCursor` as `cursor` for the next page. ' +
          'Filter by `status` and `kind`. Listed jobs carry no `result`: GET /jobs/{id} has it.',
        querystring: JobListQuerySchema,
        response: {
          200: JobPageSchema,
          ...errorResponses({ body: false }),
        },
      },
      // The service validates without type coercion (a "5" in a body is a 400); a query string
      // has only strings, so its one number is read as one before validation.
      preValidation: async (request) => {
        const query = request.query as { limit?: unknown };
        if (typeof query.limit === 'string' && /^-?\d{1,6}$/.test(query.limit)) query.limit = Number(query.limit);
      },
    },
    async (request, reply) => {
      const { status, kind, limit, cursor } = request.query;
      const page = await jobs.list({
        limit: limit ?? DEFAULT_JOB_PAGE,
        ...(status !== undefined ? { status } : {}),
        ...(kind !== undefined ? { kind } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return reply.code(200).send(page);
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJob',
        summary: 'Status, progress and result of a job',
        description:
          'queued | running (with progress) | completed (with result) | failed (with error) | cancelled. 404 for an unknown or expired ' +
          'id. ' +
          'With `include=best`, a running allocate job also shows `best`: the best allocation found so far, with its objective and totals.',
        params: JobIdParamsSchema,
        querystring: JobQuerySchema,
        response: {
          200: JobSchema,
          ...errorResponses({ body: false }),
          404: errorResponse('No such job, or it expired (JOB_TTL_S after it finished)'),
        },
      },
    },
    async (request, reply) => {
      const job = await jobs.get(request.params.id, { includeBest: request.query.include === 'best' });
      if (job === null) throw notFound(request.params.id);
      return reply.code(200).send(job);
    },
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job never runs; a running solve stops at its next time check and the job ends cancelled with the best ' +
          'answer found so far, when there is one (the answer waits for that, briefly). A finished job is returned as it is.',
        params: JobIdParamsSchema,
        response: {
          200: JobSchema,
          ...errorResponses({ body: false }),
          404: errorResponse('No such job, or it expired'),
        },
      },
    },
    async (request, reply) => {
      const job = await jobs.cancel(request.params.id);
      if (job === null) throw notFound(request.params.id);
      return reply.code(200).send(job);
    },
  );
};
