// One place that turns any thrown error into an RFC 9457 problem (application/problem+json). 4xx
// answers are precise (field + reason, in the same path style as InputError: devices[0].kappa);
// 5xx answers hide internals and are logged with the request id so an operator can find them.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../model/normalize.js';
import { UNSUPPORTED_MEDIA_TYPE_MESSAGE } from '../schemas/errors.js';
import { PROBLEM_CONTENT_TYPE, instanceOf, problemBody, type ProblemBody } from '../solve/problems.js';
import { NonFiniteResultError, OVERLOADED_CODES, OverloadedError, type OverloadedCode } from '../solve/errors.js';
import { BODY_FIELD, BodyError, formatPath } from './json-body.js';

/**
 * An answer decided outside a route (authentication, rate limit, overload): thrown or returned by
 * hooks and plugins so it leaves as the same problem (RFC 9457), request id included.
 */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
    /** Extra response headers (WWW-Authenticate on 401). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

/** Ajv's error object, as far as we read it. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

interface Problem {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
  reason?: string;
  retryAfterS?: number;
}

/** '/devices/0/kappa' → ['devices', 0, 'kappa'] (JSON Pointer unescaping included). */
function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Field and reason of the first schema violation; messages follow Ajv's wording ("must be number"). */
function describeSchemaError(error: SchemaError): { field: string; reason: string } {
  const at = pointerSegments(error.instancePath);
  switch (error.keyword) {
    case 'required':
      return { field: formatPath([...at, String(error.params.missingProperty)]), reason: 'is required' };
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      return { field: formatPath([...at, name]), reason: `unknown property '${name}'` };
    }
    case 'discriminator': {
      // The tag is missing, not a string, or names no branch.
      const tag = String(error.params.tag ?? 'op');
      return {
        field: formatPath([...at, tag]),
        reason: error.params.error === 'mapping' ? `unknown ${tag}` : `${tag} is required (a string)`,
      };
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[] | undefined)?.map(String).join(', ');
      return { field: formatPath(at), reason: allowed ? `must be one of: ${allowed}` : 'must be one of the allowed values' };
    }
    default:
      return { field: formatPath(at), reason: error.message ?? `fails '${error.keyword}'` };
  }
}

/** The code of a schema violation by where it is: the body, the query string, the path parameters or the headers. */
const SCHEMA_ERROR_CODES: Readonly<Record<string, string>> = {
  body: 'INVALID_BODY',
  querystring: 'INVALID_QUERY',
  params: 'INVALID_PARAMS',
  headers: 'INVALID_HEADERS',
};

function badRequest(code: string, field: string, reason: string): Problem {
  return { statusCode: 400, code, field, reason, message: `${field}: ${reason}` };
}

// Errors may cross a worker-thread boundary, which loses their prototype: match by name too.
function isInputError(e: unknown): e is Pick<InputError, 'field' | 'reason'> {
  if (e instanceof InputError) return true;
  const o = e as { name?: unknown; field?: unknown; reason?: unknown } | null;
  return o?.name === 'InputError' && typeof o.field === 'string' && typeof o.reason === 'string';
}

// (One that crossed without its class carries a known code or none: an unknown code is no 503 of ours.)
function isOverloaded(e: unknown): e is Pick<OverloadedError, 'retryAfterS' | 'message'> & { code?: OverloadedCode } {
  if (e instanceof OverloadedError) return true;
  const o = e as { name?: unknown; retryAfterS?: unknown; code?: unknown } | null;
  return (
    o?.name === 'OverloadedError' &&
    typeof o.retryAfterS === 'number' &&
    (o.code === undefined || (OVERLOADED_CODES as readonly unknown[]).includes(o.code))
  );
}

function isNonFiniteResult(e: unknown): e is Pick<NonFiniteResultError, 'path' | 'message'> {
  if (e instanceof NonFiniteResultError) return true;
  const o = e as { name?: unknown; path?: unknown } | null;
  return o?.name === 'NonFiniteResultError' && typeof o.path === 'string';
}

/** Classify an error; anything unrecognised is a 500. */
function toProblem(error: unknown): Problem {
  if (error instanceof HttpProblem) {
    const { statusCode, code, message, retryAfterS } = error;
    return { statusCode, code, message, ...(retryAfterS !== undefined ? { retryAfterS } : {}) };
  }
  if (error instanceof BodyError) return badRequest(error.code, error.field, error.reason);
  if (isInputError(error)) return badRequest('INVALID_INPUT', error.field, error.reason);
  // Valid values whose combination overflows: the caller can change the instance, so a 4xx naming the cause.
  if (isNonFiniteResult(error)) return badRequest('NUMERIC_RANGE', BODY_FIELD, error.message);
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'CallerGoneError' || name === 'StoppedBeforeStartError') {
    // The client disconnected and its solve was stopped; nobody reads this answer.
    return { statusCode: 499, code: 'CLIENT_GONE', message: 'client closed the request' };
  }
  if (isOverloaded(error)) {
    const retryAfterS = Math.max(1, Math.ceil(error.retryAfterS));
    // The code as thrown (its type lists every 503 code); OverloadedError's own default when it crossed without one.
    const code = error.code ?? 'OVERLOADED';
    return { statusCode: 503, code, message: `${error.message}; retry after ${retryAfterS} s`, retryAfterS };
  }
  const fe = error as Partial<FastifyError>;
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const { field, reason } = describeSchemaError(fe.validation[0] as SchemaError);
    return badRequest(SCHEMA_ERROR_CODES[fe.validationContext ?? 'body'] ?? 'INVALID_BODY', field, reason);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: fe.message ?? 'request body is too large' };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Fastify's message only repeats the status; say what the service reads.
    return { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: UNSUPPORTED_MEDIA_TYPE_MESSAGE };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad content length, …): their messages are written for callers.
    return { statusCode: status, code: fe.code ?? 'BAD_REQUEST', message: fe.message ?? 'bad request' };
  }
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error' };
}

/** The problem+json body of a classified error, for this request. */
function problemOf(problem: Problem, request: FastifyRequest): ProblemBody {
  const { statusCode, message, ...rest } = problem;
  return problemBody({ status: statusCode, detail: message, ...rest }, { instance: instanceOf(request.url), requestId: request.id });
}

/** Sends a problem (the status, its content type and body). */
function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.statusCode).type(PROBLEM_CONTENT_TYPE).send(problemOf(problem, reply.request));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error);
    if (problem.statusCode >= 500 && problem.code === 'INTERNAL_ERROR') {
      request.log.error({ err: error }, 'unhandled error');
      problem.message = `internal error (request id ${request.id})`;
    } else if (problem.statusCode >= 500) {
      request.log.warn({ code: problem.code }, problem.message);
    } else {
      request.log.info({ code: problem.code, field: problem.field }, problem.message);
    }
    if (problem.retryAfterS !== undefined) void reply.header('Retry-After', String(problem.retryAfterS));
    if (error instanceof HttpProblem) void reply.headers(error.headers);
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { statusCode: 404, code: 'NOT_FOUND', message: `no route for ${request.method} ${request.url}` }),
  );
}
