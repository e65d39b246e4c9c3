// POST /allocate/blocks: request body (mirrors src/blocks/request.ts field for field) and responses
// (mirror BlocksResult in src/blocks/types.ts). Compile-time checks at the bottom keep the schemas
// and the block-model types from drifting apart, as in allocate.ts.
import Type, { type Static } from 'typebox';
import { MAX_BLOCKS, MAX_DEVICES } from '../blocks/normalize.js';
import type { BlocksRequest } from '../blocks/request.js';
import type { BlocksResult } from '../blocks/types.js';
import { MAX_TIME_LIMIT_MS } from '../model/defaults.js';
import type { CacheOutcome } from '../solve/types.js';
import { ChannelSpecSchema, SolverInfoSchema, runStatisticsProperties } from './allocate.js';
import { InfeasibleProblemProperties, withoutStatus, type Expect, type Same } from './common.js';

// Physically meaningful ranges, generous around reality (see allocate.ts).
const Between = (minimum: number, maximum: number, description: string) => Type.Number({ minimum, maximum, description });

// ---------------------------------------------------------------------------------------------
// Request

const BlockSpecSchema = Type.Object(
  {
    forwardFlops: Between(0, 1e27, 'forward FLOPs of the layer φ_i, FLOPs per round: 0 or at least 1'),
    backwardFlops: Between(0, 1e27, 'backward FLOPs of the layer β_i, FLOPs per round: 0 or at least 1'),
    activationBytes: Between(0, 1e15, 'activation memory the layer stores for back-propagation a_i, bytes: 0 or at least 1'),
    bits: Between(0, 1e18, 'size of the updated block uploaded to the server σ_i, bits: 0 or at least 1'),
  },
  { $id: 'BlockSpec', additionalProperties: false, description: 'One trainable block (one layer), explicit form' },
);

const ExplicitBlocksModelSchema = Type.Object(
  {
    blocks: Type.Array(BlockSpecSchema, {
      minItems: 1,
      maxItems: MAX_BLOCKS,
      description: 'blocks by depth: index 0 is depth 1, nearest the input',
    }),
    weightBytes: Between(0, 1e15, 'memory of the model weights M_weights, bytes: 0 or at least 1'),
  },
  { $id: 'ExplicitBlocksModel', additionalProperties: false, description: 'Per-layer quantities given explicitly' },
);

const TransformerBlocksModelSchema = Type.Object(
  {
    layers: Type.Integer({ minimum: 1, maximum: MAX_BLOCKS, description: 'transformer layers Υ: one block per layer, depths 1..Υ' }),
    hiddenSize: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'hidden size h' }),
    tokens: Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'sequence length d, tokens' }),
    batchSize: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'batch size B, samples per round' }),
    bytesPerActivation: Type.Optional(Between(0.125, 16, 'bytes per parameter / activation value s (0.125 = 1 bit); default 2 (16-bit)')),
    adapterRank: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'LoRA rank r on the query and value projections; default 16' }),
    ),
  },
  {
    $id: 'TransformerBlocksModel',
    additionalProperties: false,
    description:
      'Transformer description; per layer φ = 24·B·d·h² + 4·B·d²·h FLOPs, β = 2·φ, a = B·d·(34·h + 5·H·d) bytes ' +
      'with H = max(1, h/64), σ = 4·r·h·8·s bits, and M_weights = Υ·12·h²·s bytes (docs/model.md §2)',
  },
);

// Explicit or transformer form, told apart by the presence of `blocks`. if/then/else rather than
// anyOf: Ajv then reports the first error of the intended form ("model.hiddenSise: unknown
// property"), where anyOf would report the other form's "model.blocks is required" first.
const BlocksModelSpecSchema = Type.Unsafe<Static<typeof ExplicitBlocksModelSchema> | Static<typeof TransformerBlocksModelSchema>>({
  description: 'The model being fine-tuned: explicit blocks (when `blocks` is present) or a transformer description',
  type: 'object',
  if: { type: 'object', required: ['blocks'] },
  then: ExplicitBlocksModelSchema,
  else: TransformerBlocksModelSchema,
});

const BlocksDeviceSpecSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, description: 'device identifier, unique in the request' }),
    flopsPerSecond: Between(1e3, 1e18, 'compute speed v_k, FLOP/s'),
    memoryBytes: Between(0, 1e15, 'memory available for training M_k, bytes (weights + stored activations): 0 or at least 1'),
    powerW: Between(1e-6, 1e3, 'transmit power p_k, watts'),
    channelGain: Between(1e-30, 1, 'linear channel gain g_k to the edge server (dimensionless)'),
  },
  { $id: 'BlocksDeviceSpec', additionalProperties: false, description: 'A device that trains some of the blocks' },
);

// options.relativeGap and its former name: the same knob as /allocate's (stop and cache), stated
// in this kind's objective.
const RelativeGapOption = Type.Optional(
  Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      'the solve stops as soon as its answer is proven within this relative gap, (roundLatencyS − bound) / roundLatencyS ≤ relativeGap, ' +
      'and reports status OPTIMAL, termination GAP; 0 = prove to the end (the gap closes to 1e-7); default 0.0001. ' +
      'A cached answer is served when it is final or its gap is at most this. Not part of the problem (requestHash ignores it)',
  }),
);
const GapToleranceAlias = Type.Optional(
  Type.Number({ minimum: 0, maximum: 1, description: 'former name of relativeGap, still accepted; relativeGap wins when both are given' }),
);

const BlocksOptionsSpecSchema = Type.Object(
  {
    timeLimitMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TIME_LIMIT_MS,
        description: 'time limit, milliseconds, counted from the arrival of the request; default 2000',
      }),
    ),
    baselines: Type.Optional(Type.Boolean({ description: 'also evaluate the baselines; default true' })),
    maxBlocksPerDevice: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_BLOCKS,
        description: "most blocks one device may hold; absent = no limit; 1 = the publication's one-to-one matching",
      }),
    ),
    relativeGap: RelativeGapOption,
    gapTolerance: GapToleranceAlias,
  },
  { $id: 'BlocksOptionsSpec', additionalProperties: false, description: 'Solver options' },
);

/**
 * A small instance that solves quickly: the Swagger UI "Try it out" body and a test fixture.
 * RoBERTa-base-like (12 layers, h = 768), 128 tokens, batch 16: about 170 MB of weights and 69 MB
 * of activations per layer, so back-propagating to depth 1 needs about 1.0 GB; the two phones can
 * only take the deeper blocks (depth ≥ 7 and ≥ 10). Every device gets at least one block.
 */
export const BLOCKS_REQUEST_EXAMPLE = {
  model: { layers: 12, hiddenSize: 768, tokens: 128, batchSize: 16, bytesPerActivation: 2, adapterRank: 16 },
  devices: [
    { id: 'jetson-orin', flopsPerSecond: 2.5e12, memoryBytes: 8e9, powerW: 1, channelGain: 2e-11 },
    { id: 'laptop', flopsPerSecond: 2e12, memoryBytes: 4e9, powerW: 0.5, channelGain: 1e-10 },
    { id: 'phone-1', flopsPerSecond: 1.5e12, memoryBytes: 6e8, powerW: 0.2, channelGain: 5e-11 },
    { id: 'phone-2', flopsPerSecond: 1.5e12, memoryBytes: 4e8, powerW: 0.2, channelGain: 3e-12 },
  ],
  bandwidthHz: 2e7,
  channel: { noiseDbmPerHz: -174 },
  options: { timeLimitMs: 2000, baselines: true },
} satisfies BlocksRequest;

export const BlocksRequestSchema = Type.Object(
  {
    model: BlocksModelSpecSchema,
    devices: Type.Array(BlocksDeviceSpecSchema, { minItems: 1, maxItems: MAX_DEVICES, description: 'cooperating devices' }),
    bandwidthHz: Between(1e3, 1e11, 'total uplink bandwidth W shared by the devices, hertz'),
    channel: Type.Optional(ChannelSpecSchema),
    options: Type.Optional(BlocksOptionsSpecSchema),
  },
  {
    $id: 'BlocksRequest',
    additionalProperties: false,
    description: 'Cooperative block allocation instance (docs/model.md §2). Defaults as documented per field.',
    examples: [BLOCKS_REQUEST_EXAMPLE],
  },
);

// ---------------------------------------------------------------------------------------------
// Responses

const Depths = (description: string) => Type.Array(Type.Integer({ minimum: 1 }), { description });

const BlockAssignmentSchema = Type.Object(
  {
    deviceId: Type.String({ description: 'device id from the request' }),
    blocks: Depths('depths (1-based, ascending) of the blocks this device trains; empty when none'),
    bandwidthHz: Type.Number({ description: 'uplink bandwidth b_k, hertz (0 when the device has no block)' }),
    computeS: Type.Number({ description: 'forward + back-propagation time c(S_k)/v_k, seconds' }),
    uploadS: Type.Number({ description: 'upload time σ(S_k)/r_k(b_k), seconds' }),
    latencyS: Type.Number({ description: 'computeS + uploadS, seconds' }),
    memoryBytes: Type.Number({ description: 'memory m(S_k) the device needs, bytes (0 when it has no block)' }),
  },
  { $id: 'BlockAssignment', additionalProperties: false, description: "One device's blocks, bandwidth and latency" },
);

const BlocksBaselineSchema = Type.Object(
  {
    name: Type.Enum(['publication', 'equal-bandwidth', 'round-robin', 'single-device'], { description: 'baseline name' }),
    roundLatencyS: Type.Union([Type.Number(), Type.Null()], {
      description: 'round latency of the baseline, seconds; null when it finds no assignment that fits',
    }),
  },
  { $id: 'BlocksBaseline', additionalProperties: false, description: 'A comparison method evaluated on the same instance' },
);

const BlocksInfeasibilitySchema = Type.Object(
  {
    constraint: Type.Enum(['memory', 'maxBlocksPerDevice'], { description: 'constraint that cannot be met' }),
    blocks: Depths('depths (1-based) of the blocks that cannot be placed'),
    detail: Type.String({ description: 'human-readable explanation' }),
  },
  { $id: 'BlocksInfeasibility', additionalProperties: false, description: 'Blocks that no device can take, and why' },
);

const BlocksCertificateSchema = Type.Object(
  {
    level: Type.Enum(['optimal', 'bound'], {
      description: 'optimal: the bound meets the answer within the tolerance; bound: a valid lower bound only',
    }),
    method: Type.Enum(['enumeration', 'fixed-latency', 'relaxation'], {
      description:
        'what proved the bound. enumeration: every assignment scored; fixed-latency: bisection on the round latency with every latency ' +
        'settled exactly; relaxation: run and LP relaxations (bound only)',
    }),
    stoppedBy: Type.Optional(
      Type.Enum(['time', 'size', 'unequal-bits'], {
        description:
          'why the proof stopped short of optimality: the time limit, an instance too large for the exact checks, or blocks with ' +
          'unequal bits',
      }),
    ),
    checks: Type.Optional(Type.Integer({ minimum: 0, description: 'fixed-latency checks run' })),
    integerPrograms: Type.Optional(Type.Integer({ minimum: 0, description: 'how many of those checks needed the integer program' })),
  },
  { $id: 'BlocksCertificate', additionalProperties: false, description: 'How far the proof of the reported bound got' },
);

export const BlocksStatisticsSchema = Type.Object(
  {
    ...runStatisticsProperties(
      'placement, baselines (and the search seeds), enumeration, coarseSeed, certificate, search, ' +
        'bandBound, lpBound, answer (the phases of the method used)',
    ),
    searchSteps: Type.Integer({
      minimum: 0,
      description: 'steps over the round latency: bisection steps of the searches and fixed-latency checks of the certificate',
    }),
  },
  {
    $id: 'BlocksStatistics',
    additionalProperties: false,
    description: 'How the solve went: phase times, steps, round latency and its bound over time (trace in seconds)',
  },
);

export const BlocksSolverInfoSchema = Type.Object(
  { ...SolverInfoSchema.properties, statistics: BlocksStatisticsSchema },
  { $id: 'BlocksSolverInfo', additionalProperties: false, description: 'Solver provenance and statistics' },
);

/** Fields shared by the 200 and 422 bodies: every field of BlocksResult plus cache and hash. */
const resultProperties = {
  status: Type.Enum(['OPTIMAL', 'FEASIBLE', 'INFEASIBLE', 'NO_SOLUTION_FOUND', 'ERROR'], {
    description: 'OPTIMAL: proven optimal within tolerance; FEASIBLE: best found; INFEASIBLE: see infeasibilities',
  }),
  termination: Type.Enum(['GAP', 'CONVERGED', 'TIME', 'INTERRUPTED'], {
    description:
      'why the solve ended. GAP: proven within relativeGap; CONVERGED: the search ended on its own (an INFEASIBLE answer too); ' +
      'TIME: the time limit; INTERRUPTED: a cancel, a disconnect or a shutdown asked for the best answer at hand',
  }),
  relativeGap: Type.Number({ minimum: 0, maximum: 1, description: 'the tolerance the solve stopped at (options.relativeGap)' }),
  limit: Type.Optional(
    Type.Enum(['TIME'], {
      description: 'TIME when the time limit (termination TIME) or a stop (INTERRUPTED) ended the solve before its proof',
    }),
  ),
  roundLatencyS: Type.Optional(Type.Number({ description: 'round latency max_k T_k of the returned assignment, seconds' })),
  bound: Type.Optional(Type.Number({ description: 'valid lower bound on the optimal round latency, seconds' })),
  gap: Type.Optional(Type.Number({ description: '(roundLatencyS − bound) / roundLatencyS' })),
  assignments: Type.Array(BlockAssignmentSchema, { description: 'one entry per device, in request order' }),
  baselines: Type.Array(BlocksBaselineSchema, { description: 'baselines evaluated on the same instance (empty when disabled)' }),
  infeasibilities: Type.Optional(Type.Array(BlocksInfeasibilitySchema, { description: 'why the instance is infeasible' })),
  certificate: Type.Optional(BlocksCertificateSchema),
  solver: BlocksSolverInfoSchema,
  cache: Type.Enum(['hit', 'miss'], { description: 'whether the answer came from the cache' }),
  requestHash: Type.String({ description: 'sha256 of the canonical normalised request and solver version' }),
};

export const BlocksResponseSchema = Type.Object(resultProperties, {
  $id: 'BlocksResponse',
  additionalProperties: false,
  description: 'Blocks, bandwidth and latency for every device, the round latency, its bound, baselines and solver provenance',
});

export const BlocksInfeasibleResponseSchema = Type.Object(
  {
    ...InfeasibleProblemProperties,
    ...withoutStatus(resultProperties),
    infeasibilities: Type.Array(BlocksInfeasibilitySchema, { description: 'the blocks that cannot be placed and why' }),
  },
  {
    $id: 'BlocksInfeasibleResponse',
    additionalProperties: false,
    description:
      'No assignment fits the memory caps (or maxBlocksPerDevice): a problem (RFC 9457, application/problem+json) whose infeasibilities ' +
      'name the blocks that cannot be placed',
  },
);

type BlocksResponse = Static<typeof BlocksResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Compile-time drift checks: each alias fails to compile when the two types differ.

export type BlocksRequestSchemaMatchesModel = Expect<Same<Static<typeof BlocksRequestSchema>, BlocksRequest>>;
export type BlocksResponseSchemaMatchesResult = Expect<Same<BlocksResponse, BlocksResult & { cache: CacheOutcome; requestHash: string }>>;
