// POST /allocate/what-if: a thin handler, like POST /allocate/pareto. Validation happened in the
// schema; the base, the scenarios, the cache and the pool live behind SolveService (docs/what-if.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { reportSolve } from '../plugins/solve-report.js';
import { errorResponses } from '../schemas/errors.js';
import { WhatIfRequestSchema, WhatIfResponseSchema } from '../schemas/what-if.js';
import { whatIfAnswer, whatIfText } from '../solve/answer.js';
import type { SolveService } from '../solve/types.js';
import { sendAnswer, solveCall } from './reply.js';

interface WhatIfRoutesOptions {
  service: SolveService;
}

export const whatIfRoutes: FastifyPluginAsyncTypebox<WhatIfRoutesOptions> = async (app, { service }) => {
  app.post(
    '/allocate/what-if',
    {
      schema: {
        operationId: 'allocateWhatIf',
        tags: ['allocation'],
        summary: 'What-if scenarios: capacity changes against a base allocation',
        description:
          "Solves the POST /allocate snapshot (the base), then each scenario (up to 16: scale a server's bandwidth or " +
          'frequency, remove or add a server, remove devices) as an /allocate solve warm-started from the base answer, in ' +
          'parallel on the solver threads, all within the one `options.timeLimitMs`. Each scenario reports its status, ' +
          "objective, totals, `delta` against the base (objective on the base's scales) and the devices that change server; " +
          'an infeasible scenario is reported while the others answer. A bad scenario is a 400 naming `scenarios[i].changes[j]`. ' +
          'See docs/what-if.md.',
        body: WhatIfRequestSchema,
        response: {
          200: WhatIfResponseSchema,
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      // The base is written as JSON while the scenarios solve; the answer is sent as that text.
      const text = whatIfText();
      const result = await service.allocateWhatIf(request.body, { ...solveCall(request, reply), onBase: text.base });
      reportSolve(request, 'allocate', { result: result.base, cache: result.base.cache, requestHash: result.base.requestHash });
      result.scenarios.forEach((s, i) =>
        reportSolve(
          request,
          'allocate',
          { result: { ...s, solver: { solveTimeMs: s.solveTimeMs } }, cache: s.cache, requestHash: s.requestHash },
          i,
        ),
      );
      return sendAnswer(reply, whatIfAnswer(result, text));
    },
  );
};
