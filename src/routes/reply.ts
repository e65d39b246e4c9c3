// What the sync solve routes share about their HTTP exchange: the call options a request gives the
// service (arrival time, body digest, a signal for a client that left) and sending an Answer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { arrivedAt } from '../plugins/arrival.js';
import { isInternal } from '../plugins/internal-requests.js';
import { bodyDigest } from '../plugins/json-body.js';
import type { Answer } from '../solve/answer.js';
import { PROBLEM_CONTENT_TYPE } from '../solve/problems.js';
import type { CallOptions } from '../solve/types.js';

/** Aborts when the client disconnects before the reply is sent, so its solve can stop. */
function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) gone.abort();
  };
  reply.raw.once('close', onClose);
  void request; // the request stream's own 'close' also fires after a normal body read: not a signal
  return gone.signal;
}

/**
 * What a sync route tells the service about its request: when it arrived, its bytes' digest, whether
 * its client left, and whether the service sent it itself (the warm-up: kept out of the solve metrics).
 */
export function solveCall(request: FastifyRequest, reply: FastifyReply): CallOptions {
  return {
    signal: clientGone(request, reply),
    bodyDigest: bodyDigest(request),
    receivedAt: arrivedAt(request),
    waiting: true,
    ...(isInternal(request.raw) ? { internal: true } : {}),
  };
}

/** Sends an Answer; stored JSON goes out byte for byte; a 422 (a problem) as application/problem+json. */
export function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) {
    return reply.code(answer.statusCode).type('application/json; charset=utf-8').send(answer.body);
  }
  if (answer.statusCode === 422) void reply.type(PROBLEM_CONTENT_TYPE);
  return reply.code(answer.statusCode).send(answer.body);
}
