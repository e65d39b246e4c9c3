// RFC 9457 problem details: every error answer is `application/problem+json` with `type` (one URI
// per error code), `title` (the same for every occurrence of a code), `status`, `detail` (this
// occurrence) and `instance` (the request path), plus the service's extension members (`code`,
// `field`, `reason`, `retryAfterS`, `requestId`; the 422 answers carry the solve's fields).
// Pure data and one builder: no HTTP framework here, so routes, hooks and the raw-socket error path
// share it. The table of codes is docs/input-validation.md's "Error codes".
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs are identifiers (RFC 9457 §3.1.1), stable per code; each is documented in docs/input-validation.md. */
const PROBLEM_TYPE_BASE = 'https://edge-allocator.dev/problems/';

/** The title of each code the service answers with; an unlisted code (Fastify's own) takes the status text. */
const PROBLEM_TITLES: Readonly<Record<string, string>> = {
  INVALID_BODY: 'The request body breaks the request schema',
  INVALID_QUERY: 'A query parameter breaks its schema',
  INVALID_PARAMS: 'A path parameter breaks its schema',
  INVALID_HEADERS: 'A request header breaks its schema',
  INVALID_INPUT: 'The request is inconsistent',
  INVALID_JSON: 'The request body is not JSON',
  INVALID_UTF8: 'The request body is not UTF-8',
  NON_FINITE_NUMBER: 'A number in the request body is not finite',
  FORBIDDEN_KEY: 'A property name in the request body is not allowed',
  NUMERIC_RANGE: 'The request overflows the cost model',
  BAD_REQUEST: 'Malformed request',
  UNAUTHORIZED: 'API key missing or wrong',
  NOT_FOUND: 'No such route',
  JOB_NOT_FOUND: 'No such job',
  REQUEST_TIMEOUT: 'The request took too long to arrive',
  IDEMPOTENCY_CONFLICT: 'A request with this Idempotency-Key is still being processed',
  IDEMPOTENCY_KEY_MISMATCH: 'Idempotency-Key already used with another body',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  INFEASIBLE: 'The instance cannot be satisfied',
  RATE_LIMITED: 'Rate limit reached',
  HEADERS_TOO_LARGE: 'Request headers too large',
  CLIENT_GONE: 'The client closed the request',
  INTERNAL_ERROR: 'Internal error',
  OVERLOADED: 'Solvers busy',
  UNDER_PRESSURE: 'Service overloaded',
  QUEUE_UNAVAILABLE: 'Job queue unavailable',
  SOLVE_FAILED: 'The solve failed',
  NO_PLAN_IN_TIME: 'No plan within the time limit',
  SHUTTING_DOWN: 'The instance is shutting down',
};

/** `INVALID_BODY` → `https://edge-allocator.dev/problems/invalid-body`. */
function problemType(code: string): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase().replace(/_/g, '-');
}

function problemTitle(code: string, status: number): string {
  return PROBLEM_TITLES[code] ?? STATUS_CODES[status] ?? 'Error';
}

/** What an error says about itself; the builder adds the RFC 9457 members. */
export interface ProblemFacts {
  status: number;
  code: string;
  detail: string;
  field?: string;
  reason?: string;
  retryAfterS?: number;
}

/** The body of an error answer (the Problem schema in src/schemas/common.ts). */
export interface ProblemBody extends ProblemFacts {
  type: string;
  title: string;
  instance?: string;
  requestId?: string;
}

/** `instance`: the request path (no query string); undefined when no request was parsed. */
export function problemBody(facts: ProblemFacts, where: { instance?: string; requestId?: string } = {}): ProblemBody {
  const { status, code, detail, ...extensions } = facts;
  return {
    type: problemType(code),
    title: problemTitle(code, status),
    status,
    detail,
    ...(where.instance !== undefined ? { instance: where.instance } : {}),
    code,
    ...extensions,
    ...(where.requestId !== undefined ? { requestId: where.requestId } : {}),
  };
}

/** A request URL's path, the `instance` of its problems. */
export const instanceOf = (url: string): string => url.split('?', 1)[0];

/** The problem members of a 422 answer; the solve's own fields follow them (its `status` becomes `code`). */
export function infeasibleProblem(detail: string, instance?: string) {
  return {
    type: problemType('INFEASIBLE'),
    title: problemTitle('INFEASIBLE', 422),
    status: 422 as const,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    code: 'INFEASIBLE' as const,
  };
}
