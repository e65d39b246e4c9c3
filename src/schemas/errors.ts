// The error answers every operation documents (RFC 9457 problem details, application/problem+json),
// with an example each and the Retry-After header where a retry is the remedy. Routes spread
// errorResponses() into their `response` map, so a new route (or a new status) is documented the
// same way everywhere.
import { errorResponse, type Problem } from './common.js';
import { problemBody, type ProblemFacts } from '../solve/problems.js';

const RETRY_AFTER = {
  'Retry-After': { type: 'integer', minimum: 1, description: 'seconds to wait before retrying' },
};
const RATE_LIMIT_HEADERS = {
  ...RETRY_AFTER,
  'RateLimit-Policy': {
    type: 'string',
    description:
      'IETF draft-ietf-httpapi-ratelimit-headers structured field: quota q per window of w seconds, e.g. `"default";q=100;w=60` (a cold ' +
      'solve counts as RATE_LIMIT_COLD_SOLVE_COST)',
  },
  RateLimit: {
    type: 'string',
    description: 'IETF draft structured field: r left in the window, t seconds until it resets, e.g. `"default";r=0;t=42`',
  },
  'RateLimit-Limit': {
    type: 'integer',
    description: 'draft-06 form, kept for older clients: requests allowed per window (a cold solve counts as RATE_LIMIT_COLD_SOLVE_COST)',
  },
  'RateLimit-Remaining': { type: 'integer', description: 'draft-06 form: requests left in the current window' },
  'RateLimit-Reset': { type: 'integer', description: 'draft-06 form: seconds until the window resets' },
};

/** The 415's detail: what the service reads, not only the status repeated. */
export const UNSUPPORTED_MEDIA_TYPE_MESSAGE = 'the body must be JSON sent as Content-Type: application/json';

const REQUEST_ID = '0b7e2f8c-3a1d-4c55-9e0a-2f1d7c9b4e61';
/** The job id the document's examples use. */
export const EXAMPLE_JOB_ID = 'job-5f0c6a52-8d0e-4a8b-9a43-1c2d3e4f5a6b';

/** Example body per status; @fastify/swagger drops keywords beside a $ref, so the document gets them in a transform. */
export const ERROR_EXAMPLES: Record<string, Problem> = {};

/** An example problem as the service would answer it on POST /allocate. */
const exampleProblem = (facts: ProblemFacts, instance = '/allocate'): Problem =>
  problemBody(facts, { instance, requestId: REQUEST_ID }) as Problem;

function documented(description: string, example: ProblemFacts, headers?: Record<string, object>) {
  ERROR_EXAMPLES[String(example.status)] = exampleProblem(example);
  return errorResponse(description, headers);
}

// Documented by the jobs routes only (errorResponse): their examples are the jobs' codes.
ERROR_EXAMPLES['404'] = exampleProblem({ status: 404, code: 'JOB_NOT_FOUND', detail: `no job ${EXAMPLE_JOB_ID} (unknown, or expired)` });
ERROR_EXAMPLES['409'] = exampleProblem({
  status: 409,
  code: 'IDEMPOTENCY_CONFLICT',
  detail: `a request with this Idempotency-Key (job ${EXAMPLE_JOB_ID}) is still being processed`,
});
// 422 on POST /jobs: the Idempotency-Key draft's answer to a reused key (the solve routes' 422s are answers of their own).
ERROR_EXAMPLES['422'] = exampleProblem({
  status: 422,
  code: 'IDEMPOTENCY_KEY_MISMATCH',
  detail: `Idempotency-Key already used for job ${EXAMPLE_JOB_ID} with a different body`,
});

const ERROR_RESPONSES = {
  400: documented(
    'Invalid request: malformed JSON, a schema violation (INVALID_BODY; INVALID_QUERY for a query parameter, INVALID_PARAMS for a ' +
      'path parameter, INVALID_HEADERS for a header) or inconsistent input; `field` and `reason` say which and why',
    {
      status: 400,
      code: 'INVALID_BODY',
      detail: 'devices[0].kappa: must be number',
      field: 'devices[0].kappa',
      reason: 'must be number',
    },
  ),
  401: documented('Missing or wrong API key (only when the service has API keys configured)', {
    status: 401,
    code: 'UNAUTHORIZED',
    detail: 'an API key is required: Authorization: Bearer <key> or x-api-key: <key>',
  }),
  413: documented('Request body larger than BODY_LIMIT_BYTES', {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'Request body is too large',
  }),
  415: documented('Body sent with a content type the service does not read (send application/json)', {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: UNSUPPORTED_MEDIA_TYPE_MESSAGE,
  }),
  429: documented(
    'Rate limit reached (only when RATE_LIMIT_MAX is set): retry after the Retry-After header (seconds)',
    { status: 429, code: 'RATE_LIMITED', detail: 'rate limit of 100 requests per 60 s reached; retry after 42 s', retryAfterS: 42 },
    RATE_LIMIT_HEADERS,
  ),
  431: documented('Request headers larger than the server accepts', {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    detail: 'request headers are too large',
  }),
  500: documented('Unexpected server error (details are logged under the request id, not returned)', {
    status: 500,
    code: 'INTERNAL_ERROR',
    detail: `internal error (request id ${REQUEST_ID})`,
  }),
  503: documented(
    'Solver queue full or too much work ahead for the time limit (OVERLOADED), the process overloaded (UNDER_PRESSURE), ' +
      'no plan found within the time limit for lack of CPU (NO_PLAN_IN_TIME), the job queue unreachable (QUEUE_UNAVAILABLE), ' +
      'a queue worker failing the solve (SOLVE_FAILED), or the instance shutting down (SHUTTING_DOWN): retry after ' +
      'the Retry-After header (seconds)',
    { status: 503, code: 'OVERLOADED', detail: 'solver queue is full; retry after 3 s', retryAfterS: 3 },
    RETRY_AFTER,
  ),
};

/** The error answers of an operation; `body: false` leaves out those only a request body can cause (413, 415). */
export function errorResponses(options: { body: boolean } = { body: true }) {
  const { 413: tooLarge, 415: mediaType, ...always } = ERROR_RESPONSES;
  return options.body ? { ...always, 413: tooLarge, 415: mediaType } : always;
}
