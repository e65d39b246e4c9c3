// POST /jobs, GET /jobs/{id}, DELETE /jobs/{id}: schemas of the async job API (mirror src/jobs/types.ts).
import Type from 'typebox';
import { ALLOCATE_REQUEST_EXAMPLE, AllocationSchema } from './allocate.js';
import { JOB_KINDS, MAX_JOB_TIME_LIMIT_MS } from '../jobs/types.js';
import { DEFAULT_JOB_PAGE, MAX_JOB_PAGE } from '../jobs/list.js';
import { TotalsSchema, refTo } from './common.js';

export const JobRequestSchema = Type.Object(
  {
    kind: Type.Enum([...JOB_KINDS], {
      description:
        'which sync endpoint the job stands for: allocate (POST /allocate), blocks (POST /allocate/blocks), pareto (POST ' +
        '/allocate/pareto), what-if (POST /allocate/what-if)',
    }),
    input: Type.Object(
      {},
      {
        additionalProperties: true,
        description: "the body that endpoint takes (AllocateRequest, BlocksRequest or ParetoRequest), validated by that endpoint's schema",
      },
    ),
    timeLimitMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_JOB_TIME_LIMIT_MS,
        description:
          'time limit of the solve (for pareto, of the whole sweep), milliseconds, up to 10 minutes; replaces input.options.timeLimitMs',
      }),
    ),
  },
  {
    $id: 'JobRequest',
    additionalProperties: false,
    description: 'A solve to run in the background',
    examples: [{ kind: 'allocate', input: ALLOCATE_REQUEST_EXAMPLE, timeLimitMs: 5000 }],
  },
);

const JobProgressSchema = Type.Object(
  {
    phase: Type.Enum(['start', 'search', 'deadlines', 'bound', 'done'], { description: 'what the solver is doing' }),
    elapsedMs: Type.Number({ minimum: 0, description: 'since the solve started, milliseconds' }),
    objective: Type.Optional(Type.Number({ description: 'best objective found so far' })),
    bound: Type.Optional(Type.Number({ description: 'best proven lower bound so far' })),
    gap: Type.Optional(Type.Number({ minimum: 0, description: '(objective − bound) / objective' })),
    pointsDone: Type.Optional(Type.Integer({ minimum: 0, description: 'pareto: points solved so far' })),
    points: Type.Optional(Type.Integer({ minimum: 0, description: 'pareto: points in the sweep' })),
  },
  { $id: 'JobProgress', additionalProperties: false, description: 'Progress of a running solve, updated at most every 250 ms' },
);

const BestSoFarSchema = Type.Object(
  {
    objective: Type.Number({ description: 'objective of this allocation (as the answer would report it)' }),
    totals: refTo(TotalsSchema),
    allocations: Type.Array(AllocationSchema, { description: 'one entry per device, in request order, as in the answer' }),
    elapsedMs: Type.Number({ minimum: 0, description: 'since the solve started, when this allocation was reported, milliseconds' }),
  },
  {
    $id: 'BestSoFar',
    additionalProperties: false,
    description: 'The best allocation a running allocate job has found so far (reported at most once a second, when it improved)',
  },
);

export const JobSchema = Type.Object(
  {
    id: Type.String({ description: 'job id; GET /jobs/{id}' }),
    kind: Type.Enum([...JOB_KINDS], { description: 'allocate, blocks, pareto or what-if' }),
    status: Type.Enum(['queued', 'running', 'completed', 'failed', 'cancelled'], {
      description: 'queued → running → completed | failed; DELETE makes a queued or running job cancelled',
    }),
    createdAt: Type.String({ format: 'date-time', description: 'accepted at (ISO 8601)' }),
    startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'a solver took it up' })),
    finishedAt: Type.Optional(Type.String({ format: 'date-time', description: 'completed, failed or cancelled at' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'after this, GET answers 404 (JOB_TTL_S after finishing)' })),
    timeLimitMs: Type.Optional(Type.Integer({ description: 'the time limit asked for' })),
    progress: Type.Optional(JobProgressSchema),
    result: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'completed: exactly what the sync endpoint answers for the same input (AllocateResponse, BlocksResponse, ParetoResponse, ' +
            'WhatIfResponse, or their 422 bodies); cancelled: the best answer found before the stop (limit TIME), when there was one',
        },
      ),
    ),
    resultStatusCode: Type.Optional(
      Type.Integer({ description: "the sync endpoint's status code for result: 200, or 422 when infeasible" }),
    ),
    error: Type.Optional(
      Type.Object(
        { code: Type.String({ description: 'error name' }), message: Type.String({ description: 'what went wrong' }) },
        { additionalProperties: false, description: 'failed: why' },
      ),
    ),
    best: Type.Optional(BestSoFarSchema),
  },
  { $id: 'Job', additionalProperties: false, description: 'An async job: status, progress while running, result when done' },
);

export const JobIdParamsSchema = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'the id POST /jobs answered' }) },
  { additionalProperties: false },
);

export const JobQuerySchema = Type.Object(
  {
    include: Type.Optional(
      Type.Enum(['best'], {
        description: 'best: a running allocate job includes `best`, the best allocation found so far (once the solver has one)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const JobListQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.Enum(['queued', 'running', 'completed', 'failed', 'cancelled'], { description: 'only jobs in this status' }),
    ),
    kind: Type.Optional(Type.Enum([...JOB_KINDS], { description: 'only jobs of this kind' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_JOB_PAGE, default: DEFAULT_JOB_PAGE, description: `jobs per page, at most ${MAX_JOB_PAGE}` }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const JobPageSchema = Type.Object(
  {
    jobs: Type.Array(JobSchema, { description: 'newest first; without `result` (GET /jobs/{id} has it)' }),
    nextCursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page; absent on the last page' })),
  },
  { $id: 'JobPage', additionalProperties: false, description: 'A page of jobs, newest first' },
);

export const JobHeadersSchema = Type.Object(
  {
    'idempotency-key': Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'same key and same body: the same job again (200 instead of 202); same key, other body: 422',
      }),
    ),
  },
  { additionalProperties: true },
);
