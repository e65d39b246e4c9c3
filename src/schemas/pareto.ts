// POST /allocate/pareto: request body (the /allocate snapshot, objective without weights, plus
// `pareto`; mirrors ParetoRequest in src/solve/types.ts) and responses (mirror ParetoResult).
// Compile-time checks at the bottom keep the schemas and the types from drifting apart.
import Type, { type Static } from 'typebox';
import type { InfeasibilityOut } from '../model/types.js';
import { MAX_PARETO_GRID_STEPS, MAX_PARETO_WEIGHTS } from '../solve/pareto.js';
import type { ParetoRequest, ParetoResult } from '../solve/types.js';
import {
  ALLOCATE_REQUEST_EXAMPLE,
  AllocateRequestSchema,
  AllocationSchema,
  InfeasibilitySchema,
  ObjectiveSpecSchema,
  AllocateSolverInfoSchema,
} from './allocate.js';
import { InfeasibleProblemProperties, TotalsSchema, refTo, type Expect, type Same } from './common.js';

// As ObjectiveSpec's weights: 0 to 1e9 (dimensionless when normalised).
const Weight = (description: string) => Type.Number({ minimum: 0, maximum: 1e9, description });

// In both forms of `pareto` (each is closed with additionalProperties: false).
const includeAllocations = Type.Optional(
  Type.Boolean({
    description:
      "false: every point's `allocations` is empty (totals, objective and requestHash only), which keeps large sweeps " +
      "small; one point's allocation is then POST /allocate with its weights, answered from the cache. Default true",
  }),
);

// ---------------------------------------------------------------------------------------------
// Request

const ParetoWeightsSchema = Type.Object(
  {
    delay: Weight('ω_t, weight of total delay'),
    energy: Weight('ω_e, weight of total energy'),
    stability: Weight('ω_s, weight of total stability bound'),
  },
  {
    $id: 'ParetoWeights',
    additionalProperties: false,
    description: 'One weight vector (dimensionless when objective.normalize is true): each 0 or from 1e-12 to 1e9, not all three zero',
  },
);

const ParetoWeightListSchema = Type.Object(
  {
    weights: Type.Array(ParetoWeightsSchema, {
      minItems: 1,
      maxItems: MAX_PARETO_WEIGHTS,
      description: 'weight vectors to solve, one point each, answered in this order',
    }),
    includeAllocations,
  },
  { $id: 'ParetoWeightList', additionalProperties: false, description: 'An explicit list of weight vectors' },
);

const ParetoGridSchema = Type.Object(
  {
    grid: Type.Object(
      {
        steps: Type.Integer({
          minimum: 1,
          maximum: MAX_PARETO_GRID_STEPS,
          description:
            'denominator k: every (i/k, j/k, (k−i−j)/k) for (delay, energy, stability), (k+1)(k+2)/2 points, ' +
            'delay weight descending then energy weight descending (k = 2: (1,0,0), (½,½,0), (½,0,½), (0,1,0), (0,½,½), (0,0,1))',
        }),
      },
      { additionalProperties: false, description: 'the simplex grid of weight vectors' },
    ),
    includeAllocations,
  },
  { $id: 'ParetoGrid', additionalProperties: false, description: 'Every weight vector of the simplex with denominator k' },
);

// List or grid, told apart by the presence of `weights` (if/then/else, as the block model does, so
// the error names a field of the intended form rather than anyOf's "must match a schema in anyOf").
const ParetoSpecSchema = Type.Unsafe<Static<typeof ParetoWeightListSchema> | Static<typeof ParetoGridSchema>>({
  description: 'Weight vectors to solve: `weights` (an explicit list) or `grid` (the simplex with denominator k), not both',
  type: 'object',
  if: { type: 'object', required: ['weights'] },
  then: ParetoWeightListSchema,
  else: ParetoGridSchema,
});

const { weights: _objectiveWeights, ...objectiveWithoutWeights } = ObjectiveSpecSchema.properties;

const ParetoObjectiveSpecSchema = Type.Object(objectiveWithoutWeights, {
  $id: 'ParetoObjectiveSpec',
  additionalProperties: false,
  description: 'As ObjectiveSpec, without weights: each point takes its weights from `pareto`',
});

/** The Swagger UI "Try it out" body and a test fixture: the /allocate example over the k = 2 grid (6 points). */
export const PARETO_REQUEST_EXAMPLE = {
  model: ALLOCATE_REQUEST_EXAMPLE.model,
  devices: ALLOCATE_REQUEST_EXAMPLE.devices,
  servers: ALLOCATE_REQUEST_EXAMPLE.servers,
  channel: ALLOCATE_REQUEST_EXAMPLE.channel,
  objective: { normalize: true },
  options: { timeLimitMs: 2000 },
  pareto: { grid: { steps: 2 } },
} satisfies ParetoRequest;

const snapshot = AllocateRequestSchema.properties;

export const ParetoRequestSchema = Type.Object(
  {
    model: snapshot.model,
    devices: snapshot.devices,
    servers: snapshot.servers,
    channel: snapshot.channel,
    objective: Type.Optional(ParetoObjectiveSpecSchema),
    options: snapshot.options,
    previous: snapshot.previous,
    pareto: ParetoSpecSchema,
  },
  {
    $id: 'ParetoRequest',
    additionalProperties: false,
    description:
      'The POST /allocate snapshot plus the weight vectors to solve. `objective` takes no weights (a 400 if given): ' +
      "each point is the /allocate request with objective.weights set to its vector, and shares that request's cache entry.",
    examples: [PARETO_REQUEST_EXAMPLE],
  },
);

// ---------------------------------------------------------------------------------------------
// Responses

const ParetoPointSchema = Type.Object(
  {
    weights: ParetoWeightsSchema,
    status: Type.Enum(['OPTIMAL', 'FEASIBLE', 'INFEASIBLE', 'NO_SOLUTION_FOUND', 'ERROR'], {
      description: 'as POST /allocate: OPTIMAL (proven within relativeGap), FEASIBLE (best found), INFEASIBLE (see infeasibilities), …',
    }),
    termination: Type.Enum(['GAP', 'CONVERGED', 'TIME', 'INTERRUPTED'], {
      description: "why this point's solve ended (as POST /allocate)",
    }),
    relativeGap: Type.Number({ minimum: 0, maximum: 1, description: "the tolerance this point's solve stopped at (options.relativeGap)" }),
    limit: Type.Optional(
      Type.Enum(['TIME'], {
        description: "TIME: this point's search was cut short by its slot of the time limit (as /allocate's `limit`)",
      }),
    ),
    objective: Type.Optional(Type.Number({ description: "objective of this allocation under this point's weights" })),
    bound: Type.Optional(Type.Number({ description: 'valid lower bound on the optimum for these weights, when known' })),
    gap: Type.Optional(Type.Number({ description: '(objective − bound) / |objective|, when known' })),
    totals: Type.Optional(refTo(TotalsSchema)),
    allocations: Type.Array(AllocationSchema, {
      description: 'one entry per device, in request order (empty when none was found, or when pareto.includeAllocations is false)',
    }),
    infeasibilities: Type.Optional(Type.Array(InfeasibilitySchema, { description: 'why no allocation was returned' })),
    solver: AllocateSolverInfoSchema,
    cache: Type.Enum(['hit', 'miss'], { description: 'whether this point came from the cache' }),
    requestHash: Type.String({ description: "hash of this point's /allocate request (same as POST /allocate would report)" }),
    dominated: Type.Boolean({
      description: "another point's totals are ≤ in delay, energy and stability and < in one (false for points without totals)",
    }),
  },
  { $id: 'ParetoPoint', additionalProperties: false, description: 'The /allocate answer for one weight vector' },
);

const paretoProperties = {
  points: Type.Array(ParetoPointSchema, { description: 'one per weight vector, in request (or grid) order' }),
  front: Type.Array(Type.Integer({ minimum: 0 }), {
    description: 'indices into points of the non-dominated points with totals, ascending',
  }),
  solveTimeMs: Type.Number({ description: 'wall-clock time of the whole request, milliseconds (points solve in parallel)' }),
};

export const ParetoResponseSchema = Type.Object(paretoProperties, {
  $id: 'ParetoResponse',
  additionalProperties: false,
  description: 'Every point with its totals and allocations, and the indices of the Pareto front',
});

// Infeasibility is embedded by value in ParetoPoint; an $id may occur once per compiled schema, so
// the top-level list here is an anonymous copy.
const InfeasibilityCopy = Type.Object(InfeasibilitySchema.properties, {
  additionalProperties: false,
  description: 'Why the instance cannot be satisfied (as Infeasibility)',
});

export const ParetoInfeasibleResponseSchema = Type.Object(
  {
    ...InfeasibleProblemProperties,
    infeasibilities: Type.Array(InfeasibilityCopy, { description: 'devices and constraints at fault (from the first point)' }),
    ...paretoProperties,
  },
  {
    $id: 'ParetoInfeasibleResponse',
    additionalProperties: false,
    description:
      'Every point is INFEASIBLE (feasibility does not depend on the weights): a problem (RFC 9457) whose infeasibilities name the ' +
      'devices and constraints at fault',
  },
);

// ---------------------------------------------------------------------------------------------
// Compile-time drift checks: each alias fails to compile when the two types differ.

export type ParetoRequestSchemaMatchesType = Expect<Same<Static<typeof ParetoRequestSchema>, ParetoRequest>>;
export type ParetoResponseSchemaMatchesType = Expect<Same<Static<typeof ParetoResponseSchema>, ParetoResult>>;
export type ParetoInfeasibleSchemaMatchesType = Expect<
  Same<
    Static<typeof ParetoInfeasibleResponseSchema>,
    ParetoResult & Static<Type.TObject<typeof InfeasibleProblemProperties>> & { infeasibilities: InfeasibilityOut[] }
  >
>;
