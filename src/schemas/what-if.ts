// POST /allocate/what-if: request body (the /allocate snapshot plus `scenarios`; mirrors
// WhatIfRequest in src/solve/what-if.ts) and response (mirrors WhatIfResult). Compile-time checks
// at the bottom keep the schemas and the types from drifting apart.
import Type, { type Static } from 'typebox';
import { MAX_SCENARIOS, type WhatIfRequest, type WhatIfResult } from '../solve/what-if.js';
import {
  ALLOCATE_REQUEST_EXAMPLE,
  AllocateRequestSchema,
  AllocateResponseSchema,
  AllocateSolverInfoSchema,
  InfeasibilitySchema,
  ServerSpecSchema,
} from './allocate.js';
import { TotalsSchema, refTo, type Expect, type Same } from './common.js';

// ServerSpec is embedded by value in the snapshot's servers; an $id may occur once per compiled
// schema, so the added server is an anonymous copy.
const AddedServer = Type.Object(ServerSpecSchema.properties, {
  additionalProperties: false,
  description: 'the server to add (as ServerSpec)',
});

const ServerRef = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'id of a server of the snapshot (or one an earlier change of the scenario added)',
});
const Factor = Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'multiplies the budget (1.05 = +5%, 0.5 = half)' });

const CHANGE_UNION = Type.Union([
  Type.Object(
    { op: Type.Literal('scaleBandwidth'), serverId: ServerRef, factor: Factor },
    { additionalProperties: false, description: "scale a server's uplink bandwidth" },
  ),
  Type.Object(
    { op: Type.Literal('scaleFrequency'), serverId: ServerRef, factor: Factor },
    { additionalProperties: false, description: "scale a server's GPU frequency" },
  ),
  Type.Object(
    { op: Type.Literal('removeServer'), serverId: ServerRef },
    { additionalProperties: false, description: 'take a server out (its devices move; 400 when one would have no reachable server)' },
  ),
  Type.Object(
    { op: Type.Literal('addServer'), server: AddedServer },
    {
      additionalProperties: false,
      description: 'add a server (with a position when devices give positions; devices with channelGains do not reach it)',
    },
  ),
  Type.Object(
    {
      op: Type.Literal('removeDevices'),
      deviceIds: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        minItems: 1,
        maxItems: 10_000,
        description: 'ids of devices of the snapshot',
      }),
    },
    { additionalProperties: false, description: 'take devices out' },
  ),
]);

/**
 * One change, told apart by `op`. A oneOf with Ajv's `discriminator` (app.ts turns it on): Ajv picks
 * the branch by `op` and names a field inside it in a 400 (`…changes[0].server.frequencyHz`), where a
 * plain anyOf reports the first branch's missing field. The document drops the keyword (swagger.ts):
 * OpenAPI's discriminator wants $ref branches, and the oneOf alone states the same set.
 */
const ScenarioChangeSchema = Type.Unsafe<Static<typeof CHANGE_UNION>>({
  type: 'object',
  oneOf: CHANGE_UNION.anyOf,
  discriminator: { propertyName: 'op' },
  description: 'One change, applied in order; a bad one is a 400 naming scenarios[i].changes[j]',
});

const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'scenario name, unique in the request' }),
    changes: Type.Array(ScenarioChangeSchema, { maxItems: 64, description: 'changes to the snapshot, applied in order' }),
  },
  { additionalProperties: false, description: 'A variant of the snapshot' },
);

/** The Swagger UI "Try it out" body and a test fixture: the /allocate example with three scenarios. */
export const WHAT_IF_REQUEST_EXAMPLE = {
  ...ALLOCATE_REQUEST_EXAMPLE,
  options: { timeLimitMs: 3000 },
  scenarios: [
    { name: 'es-1 +50% bandwidth', changes: [{ op: 'scaleBandwidth', serverId: 'es-1', factor: 1.5 }] },
    { name: 'es-2 down', changes: [{ op: 'removeServer', serverId: 'es-2' }] },
    { name: 'ue-3 leaves', changes: [{ op: 'removeDevices', deviceIds: ['ue-3'] }] },
  ],
} satisfies WhatIfRequest;

export const WhatIfRequestSchema = Type.Object(
  {
    ...AllocateRequestSchema.properties,
    scenarios: Type.Array(ScenarioSchema, { minItems: 1, maxItems: MAX_SCENARIOS, description: `up to ${MAX_SCENARIOS} scenarios` }),
  },
  {
    $id: 'WhatIfRequest',
    additionalProperties: false,
    description: 'The POST /allocate snapshot (the base) and scenarios of changes to it',
    examples: [WHAT_IF_REQUEST_EXAMPLE],
  },
);

// Infeasibility is embedded by value in the base answer; an $id may occur once per compiled
// schema, so the scenarios' list is an anonymous copy.
const InfeasibilityCopy = Type.Object(InfeasibilitySchema.properties, {
  additionalProperties: false,
  description: 'Why the scenario cannot be satisfied (as Infeasibility)',
});

// AllocateSolverInfo and SolveStatistics are embedded by value in the base answer: anonymous copies.
const SolverInfoCopy = Type.Object(
  {
    ...AllocateSolverInfoSchema.properties,
    statistics: Type.Object(AllocateSolverInfoSchema.properties.statistics.properties, {
      additionalProperties: false,
      description: "How the scenario's solve went (as SolveStatistics): phase times, work done, objective and bound over time",
    }),
  },
  { additionalProperties: false, description: "The scenario's solver provenance and statistics (as AllocateSolverInfo)" },
);

const ScenarioOutcomeSchema = Type.Object(
  {
    name: Type.String({ description: 'scenario name' }),
    status: Type.Enum(['OPTIMAL', 'FEASIBLE', 'INFEASIBLE', 'NO_SOLUTION_FOUND', 'ERROR'], {
      description:
        'as POST /allocate, but a scenario is solved search-only (no bound, no gap): FEASIBLE when it found ' +
        'an allocation, OPTIMAL only where every association was enumerated',
    }),
    limit: Type.Optional(
      Type.Enum(['TIME'], {
        description: "TIME: this scenario's search was cut short by its slot of the time limit (as /allocate's `limit`)",
      }),
    ),
    objective: Type.Optional(Type.Number({ description: "objective on the scenario's own scales (as POST /allocate scores it)" })),
    totals: Type.Optional(refTo(TotalsSchema)),
    delta: Type.Optional(
      Type.Object(
        {
          objective: Type.Number({ description: "scenario minus base objective, both on the base snapshot's scales (< 0: better)" }),
          delayS: Type.Number({ description: 'change of total delay, seconds' }),
          energyJ: Type.Number({ description: 'change of total energy, joules' }),
          stability: Type.Number({ description: 'change of the total stability bound' }),
        },
        { additionalProperties: false, description: 'against the base (absent when either has no allocation)' },
      ),
    ),
    migrations: Type.Array(
      Type.Object(
        {
          deviceId: Type.String(),
          fromServerId: Type.String({ description: 'its server in the base answer' }),
          toServerId: Type.String({ description: 'its server in this scenario' }),
        },
        { additionalProperties: false },
      ),
      { description: 'devices (in both) whose server changed from the base answer' },
    ),
    infeasibilities: Type.Optional(Type.Array(InfeasibilityCopy, { description: 'why no allocation was returned' })),
    cache: Type.Enum(['hit', 'miss'], { description: 'whether this scenario came from the cache' }),
    requestHash: Type.String({
      description: "hash of this scenario's search-only solve (not the hash POST /allocate gives the same snapshot: that one is certified)",
    }),
    solveTimeMs: Type.Number({ description: "this scenario's solve time (for a cache hit, of the solve that produced it), milliseconds" }),
    solver: SolverInfoCopy,
  },
  { additionalProperties: false, description: 'One scenario solved warm from the base answer, search-only (docs/what-if.md)' },
);

export const WhatIfResponseSchema = Type.Object(
  {
    base: AllocateResponseSchema,
    scenarios: Type.Array(ScenarioOutcomeSchema, { description: 'one per scenario, in request order' }),
    solveTimeMs: Type.Number({ description: 'wall-clock time of the whole request, milliseconds' }),
  },
  { $id: 'WhatIfResponse', additionalProperties: false, description: 'The base answer and every scenario against it' },
);

export type WhatIfRequestSchemaMatchesType = Expect<Same<Static<typeof WhatIfRequestSchema>, WhatIfRequest>>;
export type WhatIfResponseSchemaMatchesType = Expect<Same<Static<typeof WhatIfResponseSchema>, WhatIfResult>>;
