// POST /allocate/evaluate: a thin handler. The snapshot and the allocation are validated by the
// schema and normalised behind the SolveService (a problem kind of its own: cached, solved on a thread).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { reportSolve } from '../plugins/solve-report.js';
import { errorResponses } from '../schemas/errors.js';
import { EvaluateRequestSchema, EvaluateResponseSchema } from '../schemas/evaluate.js';
import { solvedAnswer } from '../solve/answer.js';
import type { SolveService } from '../solve/types.js';
import { sendAnswer, solveCall } from './reply.js';

interface EvaluateRoutesOptions {
  service: SolveService;
}

export const evaluateRoutes: FastifyPluginAsyncTypebox<EvaluateRoutesOptions> = async (app, { service }) => {
  app.post(
    '/allocate/evaluate',
    {
      schema: {
        operationId: 'evaluateAllocation',
        tags: ['allocation'],
        summary: 'Score an allocation you already run, and how far it is from the optimum',
        description:
          'Takes the POST /allocate snapshot plus `allocations` (per device: server and split layer, and any of training mode, ' +
          'GPU frequency, transmit power, bandwidth and server frequency; the `allocations` of an /allocate answer are accepted ' +
          'as they are, their computed fields ignored). Resource amounts left out are filled as the solver would for the given ' +
          'association and splits. Answers the objective, totals, per-device costs, the constraints violated by name, and the ' +
          'Lagrangian bound of the snapshot with the gap to it (at least how far from optimal the allocation is).',
        body: EvaluateRequestSchema,
        response: {
          200: EvaluateResponseSchema,
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const out = await service.solve('evaluate', request.body, solveCall(request, reply));
      const { status, objective, gap, solveTimeMs } = out.result ?? { status: out.stored?.status ?? 'FEASIBLE' };
      reportSolve(request, 'evaluate', {
        result: {
          status,
          ...(objective !== undefined ? { objective } : {}),
          ...(gap !== undefined ? { gap } : {}),
          solver: { solveTimeMs: solveTimeMs ?? 0 },
        },
        cache: out.cache,
        requestHash: out.requestHash,
        ...(out.stored !== undefined ? { stored: out.stored } : {}),
      });
      // Never INFEASIBLE (that is a snapshot's status, not an allocation's): always a 200.
      return sendAnswer(reply, solvedAnswer(out));
    },
  );
};
