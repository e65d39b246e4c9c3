// POST /allocate: a thin handler. Validation happened in the schema, everything else (normalise,
// cache, worker pool, solver) lives behind SolveService; here we only shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AllocateInfeasibleResponseSchema,
  AllocateRequestSchema,
  AllocateResponseSchema,
} from '../schemas/allocate.js';
import { errorResponse } from '../schemas/common.js';
import { clientGone, sendAnswer, solvedAnswer } from '../http/answer.js';
import { bodyDigest } from '../http/json-body.js';
import type { SolveService } from '../services/types.js';

export interface AllocateRoutesOptions {
  service: SolveService;
}

export const allocateRoutes: FastifyPluginAsyncTypebox<AllocateRoutesOptions> = async (app, { service }) => {
  app.post(
    '/allocate',
    {
      schema: {
        tags: ['allocation'],
        summary: 'Allocate split fine-tuning resources',
        description:
          'Chooses, for every device, its edge server, split layer, GPU frequency, transmit power, uplink bandwidth and ' +
          "server frequency so as to minimise SPEC §1.2's weighted delay, energy and stability objective. " +
          'Identical requests are answered from the cache (see `cache` and `requestHash`).',
        body: AllocateRequestSchema,
        response: {
          200: AllocateResponseSchema,
          400: errorResponse('Invalid request: malformed JSON, schema violation or inconsistent input; `field` and `reason` say which and why'),
          413: errorResponse('Request body larger than BODY_LIMIT_BYTES'),
          422: AllocateInfeasibleResponseSchema,
          500: errorResponse('Unexpected server error (details are logged, not returned)'),
          503: errorResponse('Solver queue full: retry after the Retry-After header (seconds)'),
        },
      },
    },
    async (request, reply) => {
      // A client that disconnects stops its solve, unless another caller shares it.
      const out = await service.allocate(request.body, { signal: clientGone(request, reply), bodyDigest: bodyDigest(request) });
      return sendAnswer(reply, solvedAnswer(out));
    },
  );
};
