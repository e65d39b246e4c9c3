// Errors Node's HTTP parser raises before a request exists (headers too large, a client too slow,
// garbage on the wire): answered in the error envelope like every other error, then the socket is
// closed, as Node and Fastify do by default.
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { ErrorResponse } from '../schemas/common.js';

function answerFor(code: string | undefined): Omit<ErrorResponse, 'error'> {
  if (code === 'HPE_HEADER_OVERFLOW') return { statusCode: 431, code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { statusCode: 408, code: 'REQUEST_TIMEOUT', message: 'the request took too long to arrive' };
  return { statusCode: 400, code: 'BAD_REQUEST', message: 'malformed HTTP request' };
}

export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = answerFor(err.code);
  const status = STATUS_CODES[answer.statusCode] ?? 'Error';
  const body = JSON.stringify({ statusCode: answer.statusCode, error: status, code: answer.code, message: answer.message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
