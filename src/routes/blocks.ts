// POST /allocate/blocks: a thin handler, like POST /allocate. Validation happened in the schema,
// everything else (normalise, cache, worker pool, block solver) lives behind SolveService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BlocksInfeasibleResponseSchema, BlocksRequestSchema, BlocksResponseSchema } from '../schemas/blocks.js';
import { errorResponses } from '../schemas/errors.js';
import { instanceOf } from '../solve/problems.js';
import { reportSolve } from '../plugins/solve-report.js';
import { solvedAnswer } from '../solve/answer.js';
import { sendAnswer, solveCall } from './reply.js';
import type { SolveService } from '../solve/types.js';

interface BlocksRoutesOptions {
  service: SolveService;
}

export const blocksRoutes: FastifyPluginAsyncTypebox<BlocksRoutesOptions> = async (app, { service }) => {
  app.post(
    '/allocate/blocks',
    {
      schema: {
        operationId: 'allocateBlocks',
        tags: ['allocation'],
        summary: 'Allocate trainable blocks across cooperating devices',
        description:
          'Assigns every trainable block (one per layer, depths 1..J) to exactly one device and splits the uplink ' +
          'bandwidth so as to minimise the round latency max_k (compute_k + upload_k) of docs/model.md §2, under hard memory ' +
          'caps: a device back-propagates down to its shallowest block. Identical requests are answered from the ' +
          'cache (see `cache` and `requestHash`).',
        body: BlocksRequestSchema,
        response: {
          200: BlocksResponseSchema,
          ...errorResponses(),
          422: BlocksInfeasibleResponseSchema,
        },
      },
    },
    async (request, reply) => {
      // No assignment fits the memory caps: 422 (solvedAnswer). A client that leaves stops its solve.
      const out = await service.solve('blocks', request.body, solveCall(request, reply));
      reportSolve(request, 'blocks', out);
      return sendAnswer(reply, solvedAnswer(out, instanceOf(request.url)));
    },
  );
};
