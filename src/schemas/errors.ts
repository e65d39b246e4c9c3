// The error answers every operation documents, with an example each and the Retry-After header
// where a retry is the remedy. Routes spread errorResponses() into their `response` map, so a new
// route (or a new status) is documented the same way everywhere.
import Type from 'typebox';
import { ErrorResponseSchema, refTo, type ErrorResponse } from './common.js';

const RETRY_AFTER = {
  'Retry-After': { type: 'integer', minimum: 1, description: 'seconds to wait before retrying' },
};
const RATE_LIMIT_HEADERS = {
  ...RETRY_AFTER,
  'RateLimit-Policy': {
    type: 'string',
    description: 'IETF draft-ietf-httpapi-ratelimit-headers structured field: quota q per window of w seconds, e.g. `"default";q=100;w=60` (a cold solve counts as RATE_LIMIT_COLD_SOLVE_COST)',
  },
  RateLimit: { type: 'string', description: 'IETF draft structured field: r left in the window, t seconds until it resets, e.g. `"default";r=0;t=42`' },
  'RateLimit-Limit': { type: 'integer', description: 'draft-06 form, kept for older clients: requests allowed per window (a cold solve counts as RATE_LIMIT_COLD_SOLVE_COST)' },
  'RateLimit-Remaining': { type: 'integer', description: 'draft-06 form: requests left in the current window' },
  'RateLimit-Reset': { type: 'integer', description: 'draft-06 form: seconds until the window resets' },
};

/** The 415's message: what the service reads, not only the status repeated. */
export const UNSUPPORTED_MEDIA_TYPE_MESSAGE = 'the body must be JSON sent as Content-Type: application/json';

const REQUEST_ID = '0b7e2f8c-3a1d-4c55-9e0a-2f1d7c9b4e61';

/** Example body per status; @fastify/swagger drops keywords beside a $ref, so the document gets them in a transform. */
export const ERROR_EXAMPLES: Record<string, ErrorResponse> = {};

function documented(description: string, example: Omit<ErrorResponse, 'requestId'>, headers?: Record<string, object>) {
  ERROR_EXAMPLES[String(example.statusCode)] = { ...example, requestId: REQUEST_ID };
  return Type.Unsafe<ErrorResponse>({ ...refTo(ErrorResponseSchema), description, ...(headers ? { headers } : {}) });
}

export const ERROR_RESPONSES = {
  400: documented(
    'Invalid request: malformed JSON, schema violation or inconsistent input; `field` and `reason` say which and why',
    { statusCode: 400, error: 'Bad Request', code: 'INVALID_BODY', message: 'devices[0].kappa: must be number', field: 'devices[0].kappa', reason: 'must be number' },
  ),
  401: documented('Missing or wrong API key (only when the service has API keys configured)', {
    statusCode: 401,
    error: 'Unauthorized',
    code: 'UNAUTHORIZED',
    message: 'an API key is required: Authorization: Bearer <key> or x-api-key: <key>',
  }),
  413: documented('Request body larger than BODY_LIMIT_BYTES', {
    statusCode: 413,
    error: 'Payload Too Large',
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Request body is too large',
  }),
  415: documented('Body sent with a content type the service does not read (send application/json)', {
    statusCode: 415,
    error: 'Unsupported Media Type',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: UNSUPPORTED_MEDIA_TYPE_MESSAGE,
  }),
  429: documented(
    'Rate limit reached (only when RATE_LIMIT_MAX is set): retry after the Retry-After header (seconds)',
    { statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: 'rate limit of 100 requests per 60 s reached; retry after 42 s', retryAfterS: 42 },
    RATE_LIMIT_HEADERS,
  ),
  431: documented('Request headers larger than the server accepts', {
    statusCode: 431,
    error: 'Request Header Fields Too Large',
    code: 'HEADERS_TOO_LARGE',
    message: 'request headers are too large',
  }),
  500: documented('Unexpected server error (details are logged under the request id, not returned)', {
    statusCode: 500,
    error: 'Internal Server Error',
    code: 'INTERNAL_ERROR',
    message: `internal error (request id ${REQUEST_ID})`,
  }),
  503: documented(
    'Solver queue full, or the process is overloaded: retry after the Retry-After header (seconds)',
    { statusCode: 503, error: 'Service Unavailable', code: 'OVERLOADED', message: 'solver queue is full; retry after 3 s', retryAfterS: 3 },
    RETRY_AFTER,
  ),
};

/** The error answers of an operation; `body: false` leaves out those only a request body can cause (413, 415). */
export function errorResponses(options: { body: boolean } = { body: true }) {
  const { 413: tooLarge, 415: mediaType, ...always } = ERROR_RESPONSES;
  return options.body ? { ...always, 413: tooLarge, 415: mediaType } : always;
}
