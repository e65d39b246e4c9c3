// POST /allocate/evaluate: the /allocate snapshot plus the allocation to score (mirrors
// src/model/evaluate-request.ts), and the score (mirrors EvaluateResult in src/model/types.ts).
import Type, { type Static } from 'typebox';
import type { EvaluateRequest } from '../model/evaluate-request.js';
import type { EvaluateResult } from '../model/types.js';
import type { CacheOutcome } from '../solve/types.js';
import {
  ALLOCATE_REQUEST_EXAMPLE,
  AllocateRequestSchema,
  AllocationSchema,
  SolverInfoSchema,
  runStatisticsProperties,
} from './allocate.js';
import { TotalsSchema, refTo, type Expect, type Same } from './common.js';

const Between = (minimum: number, maximum: number, description: string) => Type.Number({ minimum, maximum, description });
const ignored = (what: string) =>
  Type.Optional(Type.Unknown({ description: `${what}: computed, ignored (an /allocate answer's allocation is accepted as it is)` }));

const EvaluateAllocationSchema = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 128, description: 'device id from the snapshot' }),
    serverId: Type.String({ minLength: 1, maxLength: 128, description: 'server the device is associated with' }),
    splitLayer: Type.Integer({ minimum: 1, maximum: 100_000, description: 'α: layers trained on the device' }),
    trainingMode: Type.Optional(
      Type.Enum(['backprop', 'zeroth-order'], {
        description: 'on-device training mode; default backprop where the device allows it, else its zeroth-order mode',
      }),
    ),
    queries: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e6, description: "zeroth-order queries q; default: the device's" })),
    parallelism: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2e6, description: "zeroth-order evaluations per forward call P; default: the device's" }),
    ),
    cpuFrequencyHz: Type.Optional(Between(1e3, 1e11, 'device GPU frequency f_n, hertz; left out: as the solver would set it')),
    transmitPowerW: Type.Optional(Between(1e-9, 1e3, 'transmit power p_n, watts; left out: optimal for the bandwidth')),
    bandwidthHz: Type.Optional(
      Between(1e-3, 1e12, "uplink bandwidth b_n, hertz; left out: the server's bandwidth left by the given shares, split optimally"),
    ),
    serverFrequencyHz: Type.Optional(
      Between(
        1e-3,
        1e12,
        "server GPU frequency f_{n,m}, hertz; left out: the server's frequency left by the given shares, split optimally",
      ),
    ),
    peakMemoryBytes: ignored('peakMemoryBytes'),
    bandwidthShare: ignored('bandwidthShare'),
    delayS: ignored('delayS'),
    energyJ: ignored('energyJ'),
    stabilityBound: ignored('stabilityBound'),
    migrated: ignored('migrated'),
  },
  {
    $id: 'EvaluateAllocation',
    additionalProperties: false,
    description: "One device's allocation to score: server and split, and any of its resource amounts",
  },
);

const ALLOCATE_EXAMPLE_ALLOCATIONS = [
  { deviceId: 'ue-1', serverId: 'es-2', splitLayer: 6, trainingMode: 'backprop' as const },
  { deviceId: 'ue-2', serverId: 'es-2', splitLayer: 4, trainingMode: 'backprop' as const, bandwidthHz: 8e6 },
  { deviceId: 'ue-3', serverId: 'es-1', splitLayer: 8, cpuFrequencyHz: 9e8, transmitPowerW: 0.5, bandwidthHz: 2e7, serverFrequencyHz: 2e9 },
];

export const EVALUATE_REQUEST_EXAMPLE = {
  ...ALLOCATE_REQUEST_EXAMPLE,
  options: { timeLimitMs: 1000 },
  allocations: ALLOCATE_EXAMPLE_ALLOCATIONS,
};

export const EvaluateRequestSchema = Type.Object(
  {
    ...AllocateRequestSchema.properties,
    allocations: Type.Array(EvaluateAllocationSchema, {
      minItems: 1,
      maxItems: 10_000,
      description: 'one per device of the snapshot, by id (the `allocations` of an /allocate answer are accepted as they are)',
    }),
  },
  {
    $id: 'EvaluateRequest',
    additionalProperties: false,
    description:
      'The POST /allocate snapshot plus the allocation to score. Of `options`, only timeLimitMs counts: it bounds the search for the ' +
      'bound.',
    examples: [EVALUATE_REQUEST_EXAMPLE],
  },
);

const ViolationSchema = Type.Object(
  {
    constraint: Type.String({
      description:
        'the constraint violated: association, splitLayer, cpuFrequencyHz, transmitPowerW, bandwidthHz, serverFrequencyHz, frequencyHz, ' +
        'trainingMode, memoryBytes, deadlineS, maxDevices, pinned',
    }),
    deviceId: Type.Optional(Type.String({ description: 'the device, for a per-device constraint' })),
    serverId: Type.Optional(Type.String({ description: 'the server, for a budget or capacity' })),
    detail: Type.String({ description: 'by how much, human-readable' }),
  },
  { $id: 'Violation', additionalProperties: false, description: 'A constraint the allocation breaks' },
);

export const EvaluateStatisticsSchema = Type.Object(
  {
    ...runStatisticsProperties(
      'prepare, score (fill and evaluate the allocation), feasibility (the snapshot proven infeasible: no ' +
        "bound), prices (the allocation's own, where the bound starts), bound",
    ),
    boundEvaluations: Type.Integer({
      minimum: 0,
      description: 'exact passes of the Lagrangian bound (each prices every device at one price vector)',
    }),
  },
  {
    $id: 'EvaluateStatistics',
    additionalProperties: false,
    description:
      'How the evaluation went: phase times, bound passes, the bound over time (objective in the trace only ' +
      'for a feasible allocation) and why the bound stopped. termination GAP: the bound came within 1e-6 of ' +
      "the allocation's objective; TIME: options.timeLimitMs; CONVERGED: the ascent ended on its own, or " +
      'the snapshot is proven infeasible (no bound); INTERRUPTED: a cancel or a shutdown',
  },
);

export const EvaluateSolverInfoSchema = Type.Object(
  { ...SolverInfoSchema.properties, statistics: EvaluateStatisticsSchema },
  { $id: 'EvaluateSolverInfo', additionalProperties: false, description: 'Provenance of the evaluation and its bound, and statistics' },
);

export const EvaluateResponseSchema = Type.Object(
  {
    status: Type.Enum(['FEASIBLE', 'VIOLATED'], { description: 'FEASIBLE: no constraint is violated; VIOLATED: see `violations`' }),
    objective: Type.Number({ description: 'objective (docs/model.md §1.3) of the allocation, as /allocate would report it' }),
    bound: Type.Optional(
      Type.Number({ description: 'Lagrangian lower bound on the optimum of the snapshot, when one was found within the time limit' }),
    ),
    gap: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'feasible allocations: (objective − bound) / objective, at least how far the allocation is from optimal',
      }),
    ),
    totals: refTo(TotalsSchema),
    reference: refTo(TotalsSchema),
    allocations: Type.Array(AllocationSchema, {
      description: 'per device, in snapshot order: the decisions scored (filled in where left out) and their costs',
    }),
    violations: Type.Array(ViolationSchema, { description: 'constraints broken, by name (empty when feasible)' }),
    filled: Type.Array(
      Type.Object(
        {
          deviceId: Type.String({ description: 'device id' }),
          fields: Type.Array(Type.Enum(['cpuFrequencyHz', 'transmitPowerW', 'bandwidthHz', 'serverFrequencyHz']), {
            description: 'fields filled in',
          }),
        },
        { additionalProperties: false },
      ),
      { description: 'devices whose resource amounts were left out, and which were filled in' },
    ),
    solveTimeMs: Type.Number({ description: 'wall-clock time of the evaluation and bound, milliseconds (as solver.solveTimeMs)' }),
    solver: EvaluateSolverInfoSchema,
    cache: Type.Enum(['hit', 'miss'], { description: 'whether the answer came from the cache' }),
    requestHash: Type.String({ description: 'sha256 of the canonical normalised request and solver version' }),
  },
  {
    $id: 'EvaluateResponse',
    additionalProperties: false,
    description: 'The allocation scored: objective, totals, per-device costs, violations and the gap to the bound',
  },
);

export type EvaluateResponseMatchesResult = Expect<
  Same<Static<typeof EvaluateResponseSchema>, EvaluateResult & { cache: CacheOutcome; requestHash: string }>
>;
export type EvaluateRequestMatchesModel = Expect<Same<Static<typeof EvaluateRequestSchema>, EvaluateRequest>>;
