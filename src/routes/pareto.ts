// POST /allocate/pareto: a thin handler, like POST /allocate. Validation happened in the schema;
// fanning out one solve per weight vector, the cache, the pool and the front live behind SolveService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../schemas/errors.js';
import { instanceOf } from '../solve/problems.js';
import { ParetoInfeasibleResponseSchema, ParetoRequestSchema, ParetoResponseSchema } from '../schemas/pareto.js';
import { reportSolve } from '../plugins/solve-report.js';
import { paretoAnswer, paretoText } from '../solve/answer.js';
import { sendAnswer, solveCall } from './reply.js';
import type { SolveService } from '../solve/types.js';
import { InputError } from '../model/normalize.js';

/**
 * An /allocate body sent as it is (examples/*.json carry objective.weights) would otherwise meet the
 * schema's bare "unknown property 'weights'", although /allocate takes that very field: say why.
 */
function rejectObjectiveWeights(body: unknown): void {
  const objective = (body as { objective?: unknown } | null)?.objective;
  if (typeof objective === 'object' && objective !== null && Object.hasOwn(objective, 'weights')) {
    throw new InputError('objective.weights', 'a Pareto sweep takes its weight vectors from `pareto`; leave objective.weights out');
  }
}

interface ParetoRoutesOptions {
  service: SolveService;
}

export const paretoRoutes: FastifyPluginAsyncTypebox<ParetoRoutesOptions> = async (app, { service }) => {
  app.post(
    '/allocate/pareto',
    {
      schema: {
        operationId: 'allocatePareto',
        tags: ['allocation'],
        summary: 'Pareto front of delay, energy and stability over weight vectors',
        description:
          'Solves the POST /allocate snapshot once per weight vector (an explicit list, or the simplex grid with ' +
          'denominator k) and returns every point with its totals and allocations, marking the dominated ones; `front` ' +
          'lists the non-dominated points. Each point is an ordinary /allocate solve: points run in parallel on the ' +
          'solver threads, identical points are solved once, and each is cached under its own `requestHash` (shared ' +
          'with POST /allocate for the same weights). A grid of k steps takes (k+1)(k+2)/2 solver-queue slots; when ' +
          'the queue is full the answer is 503, and points already accepted finish into the cache.',
        body: ParetoRequestSchema,
        response: {
          200: ParetoResponseSchema,
          ...errorResponses(),
          422: ParetoInfeasibleResponseSchema,
        },
      },
      preValidation: async (request) => rejectObjectiveWeights(request.body),
    },
    async (request, reply) => {
      // Each point is written as JSON while later points solve; the answer is sent as that text.
      const text = paretoText();
      const result = await service.allocatePareto(request.body, { ...solveCall(request, reply), onPoint: text.point });
      result.points.forEach((p, point) =>
        reportSolve(request, 'allocate', { result: p, cache: p.cache, requestHash: p.requestHash }, point),
      );
      return sendAnswer(reply, paretoAnswer(result, instanceOf(request.url), text));
    },
  );
};
