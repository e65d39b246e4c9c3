// POST /allocate: a thin handler. Validation happened in the schema, everything else (normalise,
// cache, worker pool, solver) lives behind SolveService; here we only shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AllocateInfeasibleResponseSchema, AllocateRequestSchema, AllocateResponseSchema } from '../schemas/allocate.js';
import { errorResponses } from '../schemas/errors.js';
import { instanceOf } from '../solve/problems.js';
import { reportSolve } from '../plugins/solve-report.js';
import { solvedAnswer } from '../solve/answer.js';
import { sendAnswer, solveCall } from './reply.js';
import type { SolveService } from '../solve/types.js';

interface AllocateRoutesOptions {
  service: SolveService;
}

export const allocateRoutes: FastifyPluginAsyncTypebox<AllocateRoutesOptions> = async (app, { service }) => {
  app.post(
    '/allocate',
    {
      schema: {
        operationId: 'allocate',
        tags: ['allocation'],
        summary: 'Allocate split fine-tuning resources',
        description:
          'Chooses, for every device, its edge server, split layer, GPU frequency, transmit power, uplink bandwidth and ' +
          'server frequency so as to minimise the weighted delay, energy and stability objective of docs/model.md §1.3. ' +
          'Identical requests are answered from the cache (see `cache` and `requestHash`).',
        body: AllocateRequestSchema,
        response: {
          200: AllocateResponseSchema,
          ...errorResponses(),
          422: AllocateInfeasibleResponseSchema,
        },
      },
    },
    async (request, reply) => {
      // A client that disconnects stops its solve, unless another caller shares it.
      const out = await service.solve('allocate', request.body, solveCall(request, reply));
      reportSolve(request, 'allocate', out);
      return sendAnswer(reply, solvedAnswer(out, instanceOf(request.url)));
    },
  );
};
