// Errors Node's HTTP parser raises before a request exists (headers too large, a client too slow,
// garbage on the wire): answered as a problem (application/problem+json) like every other error, then the socket is
// closed, as Node and Fastify do by default. No request exists, so the id is a fresh one (the
// caller's x-request-id was never parsed); it is logged so an answer can be traced like any other.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, problemBody, type ProblemFacts } from '../solve/problems.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Fastify calls the handler bound to its instance; only the logger is used. */
type Bound = { log?: { info: (obj: object, msg: string) => void } } | undefined;

function answerFor(code: string | undefined): ProblemFacts {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'request headers are too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'REQUEST_TIMEOUT', detail: 'the request took too long to arrive' };
  return { status: 400, code: 'BAD_REQUEST', detail: 'malformed HTTP request' };
}

export function clientErrorHandler(this: Bound, err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = answerFor(err.code);
  const status = STATUS_CODES[answer.status] ?? 'Error';
  const requestId = randomUUID();
  // No request line was parsed: no `instance`.
  const body = JSON.stringify(problemBody(answer, { requestId }));
  if (socket.writable) {
    this?.log?.info({ reqId: requestId, statusCode: answer.status, code: err.code }, 'client error answered before a request existed');
    socket.write(
      `HTTP/1.1 ${answer.status} ${status}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
