// POST /allocate: a thin handler. Validation happened in the schema, everything else (normalise,
// cache, worker pool, solver) lives behind SolveService; here we only shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AllocateInfeasibleResponseSchema,
  AllocateRequestSchema,
  AllocateResponseSchema,
} from '../schemas/allocate.js';
import { arrivedAt } from '../http/arrival.js';
import { errorResponse } from '../schemas/common.js';
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
      const out = await service.allocate(request.body, { receivedAt: arrivedAt(request) });
      const body = { ...out.result, cache: out.cache, requestHash: out.requestHash };
      // An instance that cannot be satisfied is the caller's problem, but a well-formed one: 422.
      if (body.status === 'INFEASIBLE') {
        return reply.code(422).send({ ...body, status: 'INFEASIBLE', infeasibilities: body.infeasibilities ?? [] });
      }
      return reply.code(200).send(body);
    },
  );
};
