// The HTTP side of the problem kinds: one entry per kind of solve/kinds/index.ts (the compiler
// insists) with its request schema and its route. app.ts registers every route from here, and
// POST /jobs validates a job's input with the schema of its kind's endpoint.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';
import { AllocateRequestSchema } from '../schemas/allocate.js';
import { BlocksRequestSchema } from '../schemas/blocks.js';
import { EvaluateRequestSchema } from '../schemas/evaluate.js';
import type { ProblemKind } from '../solve/kinds/index.js';
import type { SolveService } from '../solve/types.js';
import { allocateRoutes } from './allocate.js';
import { blocksRoutes } from './blocks.js';
import { evaluateRoutes } from './evaluate.js';

interface SolveEndpoint {
  /** The request body's schema (the route's, and a job's `input` when the kind may run as a job). */
  body: TSchema;
  routes: FastifyPluginAsyncTypebox<{ service: SolveService }>;
}

/** In registration order (the order of the OpenAPI document's paths). */
export const SOLVE_ENDPOINTS: { [K in ProblemKind]: SolveEndpoint } = {
  allocate: { body: AllocateRequestSchema, routes: allocateRoutes },
  blocks: { body: BlocksRequestSchema, routes: blocksRoutes },
  evaluate: { body: EvaluateRequestSchema, routes: evaluateRoutes },
};
