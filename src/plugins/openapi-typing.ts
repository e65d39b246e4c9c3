// Finishing the OpenAPI document for typed clients: the answers become named components, a job's
// `result` is typed per `kind` (the sync answers and their 422 problems, discriminated by kind),
// and every response gets an example (real answers: src/schemas/response-examples.ts). The
// service serialises a job's result as the sync route does; only the document says more here.
import { RESPONSE_EXAMPLES } from '../schemas/response-examples.js';
import { EXAMPLE_JOB_ID } from '../schemas/errors.js';
import { PROBLEM_CONTENT_TYPE } from '../solve/problems.js';
import type { JobKind } from '../jobs/types.js';

type Json = Record<string, unknown>;
type Responses = Record<string, { content?: Record<string, Json>; headers?: Json }>;
type Paths = Record<string, Record<string, { responses?: Responses }>>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Inline response bodies that become components: [path, method, status, media type, name]. */
const NAMED_ANSWERS: [string, string, string, string, string][] = [
  ['/allocate', 'post', '200', 'application/json', 'AllocateResponse'],
  ['/allocate', 'post', '422', PROBLEM_CONTENT_TYPE, 'AllocateInfeasibleResponse'],
  ['/allocate/blocks', 'post', '200', 'application/json', 'BlocksResponse'],
  ['/allocate/blocks', 'post', '422', PROBLEM_CONTENT_TYPE, 'BlocksInfeasibleResponse'],
  ['/allocate/pareto', 'post', '200', 'application/json', 'ParetoResponse'],
  ['/allocate/pareto', 'post', '422', PROBLEM_CONTENT_TYPE, 'ParetoInfeasibleResponse'],
  ['/allocate/evaluate', 'post', '200', 'application/json', 'EvaluateResponse'],
  ['/allocate/what-if', 'post', '200', 'application/json', 'WhatIfResponse'],
  ['/jobs/{id}', 'get', '200', 'application/json', 'Job'],
  ['/jobs', 'get', '200', 'application/json', 'JobPage'],
];

/** Where the Job schema is inlined besides GET /jobs/{id}. */
const JOB_ANSWERS: [string, string, string][] = [
  ['/jobs', 'post', '200'],
  ['/jobs', 'post', '202'],
  ['/jobs/{id}', 'delete', '200'],
];

/**
 * kind → the components its result may be: the sync answer or its 422 problem, each named in
 * NAMED_ANSWERS (one entry per job kind: the compiler asks for a new one's).
 */
const RESULTS = {
  allocate: ['AllocateResponse', 'AllocateInfeasibleResponse'],
  blocks: ['BlocksResponse', 'BlocksInfeasibleResponse'],
  pareto: ['ParetoResponse', 'ParetoInfeasibleResponse'],
  // Always 200: an infeasible base or scenario is reported in its own status.
  'what-if': ['WhatIfResponse'],
} as const satisfies Record<JobKind, readonly [string, ...string[]]>;

/** `what-if` → `WhatIf` (component names are identifiers). */
const pascal = (kind: string) => kind.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());

const media = (paths: Paths, path: string, method: string, status: string, type = 'application/json') =>
  paths[path]?.[method]?.responses?.[status]?.content?.[type];

/** One Job variant per kind, `result` typed, `best` only where it can appear (allocate). */
function jobVariants(job: Json, components: Json): void {
  const properties = job.properties as Json;
  const mapping: Record<string, string> = {};
  for (const [kind, results] of Object.entries(RESULTS)) {
    const unnamed = results.find((name) => components[name] === undefined);
    if (unnamed !== undefined) throw new Error(`openapi-typing: ${kind} jobs answer ${unnamed}, which NAMED_ANSWERS never names`);
    const { best, ...rest } = properties;
    const name = `${pascal(kind)}Job`;
    mapping[kind] = `#/components/schemas/${name}`;
    components[name] = {
      ...job,
      properties: {
        ...rest,
        ...(kind === 'allocate' ? { best } : {}),
        kind: { type: 'string', enum: [kind], description: (properties.kind as Json).description },
        // One possible answer is referenced as it is (a oneOf of one is a lint warning).
        result: {
          ...(results.length > 1 ? { oneOf: results.map(ref) } : ref(results[0])),
          description: (properties.result as Json).description,
        },
      },
      description:
        `A ${kind} job: its result is what POST ${kind === 'allocate' ? '/allocate' : `/allocate/${kind}`} answers ` +
        `(${results.length > 1 ? '200, or the 422 problem' : '200'})`,
    };
  }
  components.Job = {
    oneOf: Object.keys(RESULTS).map((kind) => ({ $ref: mapping[kind] })),
    discriminator: { propertyName: 'kind', mapping },
    description: job.description,
  };
}

export function withTypedAnswers(document: Json): Json {
  const paths = (document.paths ?? {}) as Paths;
  const components = ((document.components ??= {}) as Json).schemas as Json;
  for (const [path, method, status, type, name] of NAMED_ANSWERS) {
    const m = media(paths, path, method, status, type);
    if (m?.schema === undefined) continue;
    if (name === 'Job') jobVariants(m.schema as Json, components);
    else components[name] = m.schema;
    m.schema = ref(name);
  }
  for (const [path, method, status] of JOB_ANSWERS) {
    const m = media(paths, path, method, status);
    if (m !== undefined) m.schema = ref('Job');
  }
  const page = components.JobPage as { properties?: { jobs?: Json } } | undefined;
  if (page?.properties?.jobs) page.properties.jobs = { ...page.properties.jobs, items: ref('Job') };
  return document;
}

// ---------------------------------------------------------------------------------------------
// Examples of the answers that are not problems (those get theirs in swagger.ts)

const CREATED_AT = '2026-01-05T09:30:00.000Z';
const queuedJob = { id: EXAMPLE_JOB_ID, kind: 'allocate', status: 'queued', createdAt: CREATED_AT, timeLimitMs: 5000 };
const completedJob = {
  ...queuedJob,
  status: 'completed',
  startedAt: '2026-01-05T09:30:00.012Z',
  finishedAt: '2026-01-05T09:30:00.450Z',
  expiresAt: '2026-01-05T10:30:00.450Z',
  progress: { phase: 'done', elapsedMs: 437, objective: RESPONSE_EXAMPLES.allocate.objective },
  result: RESPONSE_EXAMPLES.allocate,
  resultStatusCode: 200,
};
const cancelledJob = {
  ...queuedJob,
  status: 'cancelled',
  finishedAt: '2026-01-05T09:30:00.100Z',
  expiresAt: '2026-01-05T10:30:00.100Z',
};
const { result: _result, ...listedJob } = completedJob;

const READY = { status: 'ready', workers: { threads: 4, queued: 0, maxQueue: 64 }, redis: 'disabled', queue: 'in-process' };

/** [path, method, status] → example. */
const EXAMPLES: [string, string, string, unknown][] = [
  ['/health', 'get', '200', { status: 'ok' }],
  ['/ready', 'get', '200', READY],
  ['/ready', 'get', '503', { ...READY, status: 'not ready', workers: { threads: 0, queued: 0, maxQueue: 64 } }],
  ['/allocate', 'post', '200', RESPONSE_EXAMPLES.allocate],
  ['/allocate', 'post', '422', RESPONSE_EXAMPLES.allocateInfeasible],
  ['/allocate/blocks', 'post', '200', RESPONSE_EXAMPLES.blocks],
  ['/allocate/blocks', 'post', '422', RESPONSE_EXAMPLES.blocksInfeasible],
  ['/allocate/pareto', 'post', '200', RESPONSE_EXAMPLES.pareto],
  ['/allocate/pareto', 'post', '422', RESPONSE_EXAMPLES.paretoInfeasible],
  ['/allocate/evaluate', 'post', '200', RESPONSE_EXAMPLES.evaluate],
  ['/allocate/what-if', 'post', '200', RESPONSE_EXAMPLES.whatIf],
  ['/jobs', 'post', '202', queuedJob],
  ['/jobs', 'post', '200', queuedJob],
  [
    '/jobs',
    'get',
    '200',
    {
      jobs: [listedJob, { ...cancelledJob, id: 'job-0d9a1c1e-2f4b-4c6d-8e0f-1a2b3c4d5e6f' }],
      nextCursor: 'MTc2NzYwNTQwMDAwMDpqb2ItMGQ5YQ',
    },
  ],
  ['/jobs/{id}', 'get', '200', completedJob],
  ['/jobs/{id}', 'delete', '200', cancelledJob],
];

export function withAnswerExamples(document: Json, extra: [string, string, string, unknown][] = []): Json {
  const paths = (document.paths ?? {}) as Paths;
  for (const [path, method, status, example] of [...EXAMPLES, ...extra]) {
    const responses = paths[path]?.[method]?.responses?.[status];
    const content = responses?.content;
    if (content === undefined) continue;
    for (const m of Object.values(content)) if (m.example === undefined) m.example = example;
  }
  return document;
}
