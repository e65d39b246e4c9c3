// Errors Node's HTTP parser raises before a request exists (headers too large, a client too slow,
// garbage on the wire): answered in the error envelope like every other error, then the socket is
// closed, as Node and Fastify do by default. No request exists, so the id is a fresh one (the
// caller's x-request-id was never parsed); it is logged so an answer can be traced like any other.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { ErrorResponse } from '../schemas/common.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** Fastify calls the handler bound to its instance; only the logger is used. */
type Bound = { log?: { info: (obj: object, msg: string) => void } } | undefined;

function answerFor(code: string | undefined): Omit<ErrorResponse, 'error'> {
  if (code === 'HPE_HEADER_OVERFLOW') return { statusCode: 431, code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { statusCode: 408, code: 'REQUEST_TIMEOUT', message: 'the request took too long to arrive' };
  return { statusCode: 400, code: 'BAD_REQUEST', message: 'malformed HTTP request' };
}

export function clientErrorHandler(this: Bound, err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = answerFor(err.code);
  const status = STATUS_CODES[answer.statusCode] ?? 'Error';
  const requestId = randomUUID();
  const body = JSON.stringify({ statusCode: answer.statusCode, error: status, code: answer.code, message: answer.message, requestId });
  if (socket.writable) {
    this?.log?.info({ reqId: requestId, statusCode: answer.statusCode, code: err.code }, 'client error answered before a request existed');
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
