// POST /allocate: request body (mirrors src/model/request.ts field for field) and responses
// (mirror AllocateResult in src/model/types.ts). Compile-time checks at the bottom keep the schemas
// and the model types from drifting apart: a field added to one and not the other fails `tsc`.
import Type, { type Static } from 'typebox';
import type { AllocateRequest } from '../model/request.js';
import type { AllocateResult } from '../model/types.js';
import type { CacheOutcome } from '../solve/types.js';
import { InsightsSchema } from './insights.js';
import {
  InfeasibleProblemProperties,
  withoutStatus,
  DelayBreakdownSchema,
  EnergyBreakdownSchema,
  RelativeGapOption,
  PositionSchema,
  TotalsSchema,
  refTo,
  type Expect,
  type Same,
} from './common.js';

const MAX_DEVICES = 10_000;
const MAX_SERVERS = 500;

const Id = (what: string) => Type.String({ minLength: 1, maxLength: 128, description: `${what} identifier, unique in the request` });
// Physically meaningful ranges, generous around reality: absurd values are a 400 naming the field,
// and every product the cost model forms from accepted values stays finite (test/http.fuzz.test.ts).
const Between = (minimum: number, maximum: number, description: string) => Type.Number({ minimum, maximum, description });
const IntegerBetween = (minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, description });

// ---------------------------------------------------------------------------------------------
// Request

const ModelSpecSchema = Type.Object(
  {
    layers: Type.Integer({ minimum: 2, maximum: 100_000, description: 'transformer layers Υ' }),
    hiddenSize: IntegerBetween(1, 1e6, 'hidden size h'),
    batchSize: IntegerBetween(1, 1e6, 'batch size B, samples per iteration'),
    bytesPerActivation: Type.Optional(Between(0.125, 16, 'bytes per parameter / activation value s (0.125 = 1 bit); default 2 (16-bit)')),
    weightBytesPerLayer: Type.Optional(Between(1, 1e15, 'frozen weight bytes per layer w, bytes; default 12·h²·s')),
    adapterRank: Type.Optional(IntegerBetween(1, 1e6, 'LoRA rank r; default 16')),
    adapterParamsPerLayer: Type.Optional(Between(1, 1e12, 'trainable adapter parameters per layer A, parameters; default 2·r·h')),
    zerothOrderStepMultiplier: Type.Optional(
      Between(0.01, 1e6, 'ζ: how many more steps zeroth-order training needs (dimensionless); default 20'),
    ),
  },
  { $id: 'ModelSpec', additionalProperties: false, description: 'The transformer being fine-tuned (docs/model.md §1.1, §1.5)' },
);

const DeviceSpecSchema = Type.Object(
  {
    id: Id('device'),
    gpuCores: Between(1, 1e6, 'GPU cores C_n, cores'),
    flopsPerCycle: Between(1e-3, 1e5, 'FLOPs per cycle per core D_n, FLOPs/cycle'),
    maxFrequencyHz: Between(1e6, 1e11, 'maximum GPU frequency f_max, hertz'),
    minFrequencyHz: Type.Optional(Between(0, 1e11, 'minimum GPU frequency f_min, hertz; default 0')),
    maxPowerW: Between(1e-6, 1e3, 'maximum transmit power p_max, watts'),
    minPowerW: Type.Optional(Between(0, 1e3, 'minimum transmit power p_min, watts; default 0')),
    kappa: Between(1e-40, 1e-20, 'power coefficient κ_n, watts per (cycle/s)³'),
    tokens: IntegerBetween(1, 1e7, 'token (sequence) length d_n, tokens'),
    samples: IntegerBetween(1, 1e12, 'local training samples k_n'),
    channelGains: Type.Optional(
      Type.Record(Type.String(), Between(0, 1, 'linear channel gain (dimensionless): 0 = no link, otherwise at least 1e-30'), {
        maxProperties: MAX_SERVERS,
        description: 'linear channel gain to each server, keyed by server id; alternative to position',
      }),
    ),
    position: Type.Optional(refTo(PositionSchema)), // gains from the path loss of docs/model.md §1.1
    uplinkBits: Type.Optional(Between(1, 1e18, 'cut-layer payload per iteration, bits; default B·d·h·8·bytesPerActivation')),
    minSplitLayer: Type.Optional(IntegerBetween(1, 100_000, 'smallest allowed split layer α_min (layers trained locally); default 1')),
    maxSplitLayer: Type.Optional(IntegerBetween(1, 100_000, 'largest allowed split layer α_max; default layers − 1')),
    deadlineS: Type.Optional(Between(1e-6, 1e9, 'deadline on the per-iteration delay, seconds')),
    memoryBytes: Type.Optional(Between(1, 1e15, 'device memory available for training, bytes (docs/model.md §1.5)')),
    inferenceOnly: Type.Optional(Type.Boolean({ description: 'device cannot back-propagate: forces zeroth-order; default false' })),
    trainingMode: Type.Optional(
      Type.Enum(['backprop', 'zeroth-order', 'auto'], { description: 'on-device training mode; default auto (solver chooses)' }),
    ),
    queries: Type.Optional(IntegerBetween(1, 1e6, 'zeroth-order queries q (must divide batchSize); default: solver chooses')),
    parallelism: Type.Optional(
      IntegerBetween(1, 2e6, 'zeroth-order evaluations per forward call P (must divide 2q); default: solver chooses'),
    ),
    callOverheadS: Type.Optional(Between(0, 1e3, 'zeroth-order per-forward-call overhead τ, seconds; default 0.01')),
    activationBytesPerLayer: Type.Optional(
      Between(1, 1e15, 'stored activation bytes per layer a_n (backprop), bytes; default B·d·(34·h + 5·H·d)'),
    ),
  },
  { $id: 'DeviceSpec', additionalProperties: false, description: 'A mobile device taking part in fine-tuning' },
);

export const ServerSpecSchema = Type.Object(
  {
    id: Id('server'),
    gpuCores: Between(1, 1e7, 'GPU cores C_m, cores'),
    flopsPerCycle: Between(1e-3, 1e5, 'FLOPs per cycle per core D_m, FLOPs/cycle'),
    frequencyHz: Between(1e6, 1e11, 'total GPU frequency F_m shared among its devices, hertz'),
    bandwidthHz: Between(1e3, 1e11, 'total uplink bandwidth W_m shared among its devices, hertz'),
    kappa: Between(0, 1e-20, 'power coefficient κ_m, watts per (cycle/s)³'),
    maxDevices: Type.Optional(IntegerBetween(1, 1e9, 'most devices this server may serve; default unlimited')),
    position: Type.Optional(refTo(PositionSchema)),
  },
  { $id: 'ServerSpec', additionalProperties: false, description: 'An edge server' },
);

export const ChannelSpecSchema = Type.Object(
  {
    noiseDbmPerHz: Type.Optional(
      Type.Number({ minimum: -250, maximum: -50, description: 'noise power spectral density N_0, dBm/Hz; default −174' }),
    ),
  },
  { $id: 'ChannelSpec', additionalProperties: false, description: 'Radio channel' },
);

export const ObjectiveSpecSchema = Type.Object(
  {
    weights: Type.Optional(
      Type.Object(
        {
          delay: Type.Optional(Between(0, 1e9, 'ω_t, weight of total delay; default 1')),
          energy: Type.Optional(Between(0, 1e9, 'ω_e, weight of total energy; default 1')),
          stability: Type.Optional(Between(0, 1e9, 'ω_s, weight of total stability bound; default 1')),
        },
        {
          additionalProperties: false,
          description: 'objective weights (dimensionless when normalize is true): each 0 or from 1e-12 to 1e9',
        },
      ),
    ),
    normalize: Type.Optional(Type.Boolean({ description: 'divide each sum by its value at the reference point; default true' })),
    lipschitz: Type.Optional(Between(1e-6, 1e6, 'Lipschitz constant L of the stability bound (dimensionless); default 1')),
    includeUplinkDelay: Type.Optional(
      Type.Boolean({ description: 'count uplink delay in device delay; default true (false reproduces the publication)' }),
    ),
  },
  { $id: 'ObjectiveSpec', additionalProperties: false, description: 'What to minimise (docs/model.md §1.3)' },
);

const OptionsSpecSchema = Type.Object(
  {
    timeLimitMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 60_000,
        description:
          'time limit, milliseconds, counted from the arrival of the request (for /allocate/pareto, of the whole sweep); default 2000. ' +
          'At least a floor that grows with devices × servers, devices × layers and devices (400 below it; docs/time-limits.md)',
      }),
    ),
    baselines: Type.Optional(Type.Boolean({ description: 'also evaluate the baselines; default true' })),
    algorithm: Type.Optional(
      Type.Enum(['auto', 'paper'], { description: "solver: 'auto' (optimum) or 'paper' (publication's method); default auto" }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'seed for randomised parts; default 1' })),
    migration: Type.Optional(
      Type.Object(
        {
          delayS: Type.Optional(
            Between(0, 3600, 'delay of one handover, seconds, added to the delay of a device whose server changed; default 0'),
          ),
          energyJ: Type.Optional(
            Between(0, 1e6, 'energy of one handover, joules, added to the energy of a device whose server changed; default 0'),
          ),
        },
        {
          additionalProperties: false,
          description: 'cost of a device changing server since `previous`; enters the objective through the same weights and normalisation',
        },
      ),
    ),
    pinned: Type.Optional(
      Type.Array(Id('device'), {
        maxItems: MAX_DEVICES,
        description: 'devices that keep their server in `previous` (each needs one there)',
      }),
    ),
    relativeGap: RelativeGapOption,
    gapTolerance: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'former name of relativeGap, still accepted (relativeGap wins when both are given)',
      }),
    ),
    insights: Type.Optional(
      Type.Boolean({
        description:
          'add `insights`: marginal value of bandwidth, frequency and device slots per server, binding limits per device, where to add ' +
          'capacity (docs/insights.md); default false',
      }),
    ),
  },
  { $id: 'OptionsSpec', additionalProperties: false, description: 'Solver options' },
);

const PreviousAllocationSchema = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 128, description: 'device id; devices no longer in `devices` are ignored' }),
    serverId: Type.String({ minLength: 1, maxLength: 128, description: 'server it was on; must be in `servers`' }),
    splitLayer: Type.Optional(IntegerBetween(0, 100_000, 'split layer it used (a starting point for the search)')),
    trainingMode: Type.Optional(
      Type.Enum(['backprop', 'zeroth-order'], { description: 'training mode it used (a starting point for the search)' }),
    ),
  },
  {
    $id: 'PreviousAllocation',
    // An earlier answer's allocation items are sent back as they came: their other fields are ignored.
    additionalProperties: true,
    description: "One device's earlier allocation: an item of an earlier answer's `allocations` (other fields ignored)",
  },
);

const PRICE_UNITS = 'objective units (normalised when objective.normalize is on)';

const ServerPricesSchema = Type.Object(
  {
    serverId: Type.String({ minLength: 1, maxLength: 128, description: 'server id' }),
    bandwidthPerMHz: Type.Number({ minimum: 0, description: `price of 1 MHz of uplink bandwidth, ${PRICE_UNITS}` }),
    frequencyPerGHz: Type.Number({ minimum: 0, description: `price of 1 GHz of server GPU frequency, ${PRICE_UNITS}` }),
    slot: Type.Number({
      minimum: 0,
      description:
        'price of a device slot (0 where maxDevices does not bind, or where the bound rests on the capacitated ' +
        `assignment), ${PRICE_UNITS}`,
    }),
  },
  {
    $id: 'ServerPrices',
    additionalProperties: false,
    description:
      "One server's prices in the Lagrangian dual: what a unit of each budget costs a device there " +
      "(insights' marginal values, negated, are the same prices with the association held)",
  },
);

const DualPricesSchema = Type.Object(
  {
    servers: Type.Array(ServerPricesSchema, { maxItems: MAX_SERVERS, description: 'one item per server, at most one per server id' }),
  },
  {
    $id: 'DualPrices',
    additionalProperties: false,
    description:
      "The dual prices the answer's bound was proven at (absent when no Lagrangian bound proved it, e.g. small instances " +
      "solved by enumeration). Send them back in `previous.prices` with the answer's allocations: the next solve's bound starts from them",
  },
);

/** `previous.prices`: an answer's `prices` as it came; `slot` may be left out (0). */
const PreviousPricesSchema = Type.Object(
  {
    servers: Type.Array(
      Type.Object(
        {
          ...ServerPricesSchema.properties,
          slot: Type.Optional(ServerPricesSchema.properties.slot),
        },
        { additionalProperties: false },
      ),
      {
        maxItems: MAX_SERVERS,
        description: 'one item per server, at most one per server id; servers no longer in `servers` are ignored',
      },
    ),
  },
  {
    $id: 'PreviousPrices',
    additionalProperties: false,
    description:
      "An earlier answer's `prices`: the bound starts from them " +
      '(evaluated exactly, so any prices give a valid bound; stale ones only start it further from the top)',
  },
);

const PreviousSpecSchema = Type.Object(
  {
    allocations: Type.Array(PreviousAllocationSchema, {
      maxItems: MAX_DEVICES,
      description: 'one item per device, at most one per device id',
    }),
    prices: Type.Optional(PreviousPricesSchema),
  },
  {
    $id: 'PreviousSpec',
    additionalProperties: false,
    description: 'The allocation this one follows: the search starts from it, and changes of server are priced by options.migration',
  },
);

/** A small instance that solves quickly: the Swagger UI "Try it out" body and a test fixture. */
export const ALLOCATE_REQUEST_EXAMPLE = {
  model: { layers: 32, hiddenSize: 1024, batchSize: 512, bytesPerActivation: 2 },
  devices: [
    {
      id: 'ue-1',
      gpuCores: 5,
      flopsPerCycle: 1,
      maxFrequencyHz: 1e9,
      maxPowerW: 2,
      kappa: 3e-27,
      tokens: 768,
      samples: 2000,
      channelGains: { 'es-1': 1.2e-9, 'es-2': 3e-11 },
    },
    {
      id: 'ue-2',
      gpuCores: 4,
      flopsPerCycle: 1,
      maxFrequencyHz: 8e8,
      maxPowerW: 1.5,
      kappa: 3e-27,
      tokens: 512,
      samples: 1500,
      channelGains: { 'es-1': 4e-11, 'es-2': 9e-10 },
    },
    {
      id: 'ue-3',
      gpuCores: 6,
      flopsPerCycle: 1,
      maxFrequencyHz: 1e9,
      maxPowerW: 1,
      kappa: 3e-27,
      tokens: 1024,
      samples: 2500,
      channelGains: { 'es-1': 2e-10, 'es-2': 2.5e-10 },
    },
  ],
  servers: [
    { id: 'es-1', gpuCores: 2560, flopsPerCycle: 2, frequencyHz: 2e9, bandwidthHz: 2e7, kappa: 1e-26 },
    { id: 'es-2', gpuCores: 5120, flopsPerCycle: 1, frequencyHz: 3e9, bandwidthHz: 2e7, kappa: 1e-26 },
  ],
  channel: { noiseDbmPerHz: -174 },
  objective: { weights: { delay: 1, energy: 1, stability: 1 }, normalize: true },
  options: { timeLimitMs: 2000, baselines: true },
} satisfies AllocateRequest;

/**
 * The bodies Swagger UI offers for POST /allocate, by name (its examples drop-down): the snapshot
 * above, and the same with options.insights (where to add capacity, docs/insights.md).
 */
export const ALLOCATE_NAMED_EXAMPLES = {
  snapshot: { summary: 'Three devices, two servers', value: ALLOCATE_REQUEST_EXAMPLE },
  insights: {
    summary: 'The same with insights: marginal values per server, binding limits per device, where to add capacity',
    value: { ...ALLOCATE_REQUEST_EXAMPLE, options: { ...ALLOCATE_REQUEST_EXAMPLE.options, insights: true } },
  },
} satisfies Record<string, { summary: string; value: AllocateRequest }>;

export const AllocateRequestSchema = Type.Object(
  {
    model: ModelSpecSchema,
    devices: Type.Array(DeviceSpecSchema, { minItems: 1, maxItems: MAX_DEVICES, description: 'devices to allocate' }),
    servers: Type.Array(ServerSpecSchema, { minItems: 1, maxItems: MAX_SERVERS, description: 'edge servers' }),
    channel: Type.Optional(ChannelSpecSchema),
    objective: Type.Optional(ObjectiveSpecSchema),
    options: Type.Optional(OptionsSpecSchema),
    previous: Type.Optional(PreviousSpecSchema),
  },
  {
    $id: 'AllocateRequest',
    additionalProperties: false,
    description: 'Network snapshot for split fine-tuning allocation (docs/model.md §1). Defaults as documented per field.',
    examples: [ALLOCATE_REQUEST_EXAMPLE],
  },
);

// ---------------------------------------------------------------------------------------------
// Responses

export const AllocationSchema = Type.Object(
  {
    deviceId: Type.String({ description: 'device id from the request' }),
    serverId: Type.String({ description: 'server the device is associated with' }),
    splitLayer: Type.Integer({ description: 'α: layers trained on the device' }),
    trainingMode: Type.Enum(['backprop', 'zeroth-order'], { description: 'on-device training mode chosen' }),
    queries: Type.Optional(Type.Integer({ description: 'zeroth-order queries q (zeroth-order only)' })),
    parallelism: Type.Optional(Type.Integer({ description: 'zeroth-order evaluations per forward call P (zeroth-order only)' })),
    peakMemoryBytes: Type.Number({ description: 'memory the local layers need, bytes (docs/model.md §1.5)' }),
    cpuFrequencyHz: Type.Number({ description: 'device GPU frequency f_n, hertz' }),
    transmitPowerW: Type.Number({ description: 'transmit power p_n, watts' }),
    bandwidthHz: Type.Number({ description: 'uplink bandwidth b_n, hertz' }),
    bandwidthShare: Type.Number({ description: "b_n as a fraction of the server's bandwidth" }),
    serverFrequencyHz: Type.Number({ description: 'server GPU frequency f_{n,m} given to this device, hertz' }),
    delayS: DelayBreakdownSchema,
    energyJ: EnergyBreakdownSchema,
    stabilityBound: Type.Number({ description: 'average-replace-one stability bound AS_n (dimensionless)' }),
    migrated: Type.Boolean({ description: 'its server differs from the one in `previous` (false for devices new since then)' }),
  },
  { $id: 'Allocation', additionalProperties: false, description: "One device's decisions and costs" },
);

const BaselineSchema = Type.Object(
  {
    name: Type.String({ description: 'baseline name, e.g. local-heavy' }),
    objective: Type.Number({ description: 'objective of the baseline on the same instance' }),
    totals: refTo(TotalsSchema),
    feasible: Type.Boolean({
      description:
        'false when the baseline misses a constraint (baselines ignore deadlines): its objective is then not comparable with the answer',
    }),
  },
  { $id: 'Baseline', additionalProperties: false, description: 'A comparison method evaluated on the same instance' },
);

export const InfeasibilitySchema = Type.Object(
  {
    constraint: Type.String({ description: 'constraint that cannot be met, e.g. deadline or memory' }),
    deviceIds: Type.Array(Type.String(), { description: 'devices at fault' }),
    detail: Type.String({ description: 'human-readable explanation' }),
  },
  { $id: 'Infeasibility', additionalProperties: false, description: 'Why the instance cannot be satisfied' },
);

export const SolverInfoSchema = Type.Object(
  {
    algorithm: Type.String({ description: 'algorithm that produced the answer' }),
    version: Type.String({ description: 'solver and model version (part of the cache key)' }),
    solveTimeMs: Type.Number({ description: 'wall-clock solve time, milliseconds' }),
  },
  { $id: 'SolverInfo', additionalProperties: false, description: 'Solver provenance' },
);

const TerminationSchema = (description: string) => Type.Enum(['GAP', 'CONVERGED', 'TIME', 'INTERRUPTED'], { description });

const TERMINATION_DESCRIPTION =
  'why the solve ended. GAP: the answer is proven within options.relativeGap; CONVERGED: the search (and the bound) ended on their own; ' +
  'TIME: the time limit; INTERRUPTED: a cancel, a disconnect or a shutdown asked for the best answer at hand';

const TraceSchema = Type.Array(
  Type.Object(
    {
      atMs: Type.Number({ description: 'milliseconds since the run started' }),
      objective: Type.Optional(
        Type.Number({
          description: 'best objective found by then (allocate, evaluate: the dimensionless objective; blocks: round latency, seconds)',
        }),
      ),
      bound: Type.Optional(Type.Number({ description: 'best lower bound proven by then, in the same units as objective' })),
    },
    { additionalProperties: false },
  ),
  { description: 'a few points of the best objective and bound over time (at most 12)' },
);

/**
 * The fields every answer's solver.statistics has (RunStatistics in src/solver/statistics.ts):
 * why the run stopped, wall time per phase, the objective and bound over time. Each kind adds the
 * work it counts; `phases` names the phases it may report, in order.
 */
export const runStatisticsProperties = (phases: string) => ({
  termination: TerminationSchema("the reason the run stopped (as the answer's termination, where it has one)"),
  phasesMs: Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
    description: `wall milliseconds per phase that ran, in order: ${phases}`,
  }),
  trace: TraceSchema,
});

const { trace: solveTrace, ...solveRun } = runStatisticsProperties(
  'prepare, start (the first feasible plan), firstBound, baselines, dualStart (large cold instances: ' +
    'the start association from the dual), search, deadlines, bound',
);

const SolveStatisticsSchema = Type.Object(
  {
    ...solveRun,
    searchSteps: Type.Integer({ minimum: 0, description: 'search steps taken (balance batches, reassignment rounds, moves that stood)' }),
    boundEvaluations: Type.Integer({ minimum: 0, description: 'Lagrangian bounds evaluated while searching' }),
    // (last, as before: the serialiser writes fields in this order)
    trace: solveTrace,
  },
  {
    $id: 'SolveStatistics',
    additionalProperties: false,
    description: 'How the solve went: phase times, work done, objective and bound over time',
  },
);

export const AllocateSolverInfoSchema = Type.Object(
  {
    ...SolverInfoSchema.properties,
    statistics: SolveStatisticsSchema,
  },
  { $id: 'AllocateSolverInfo', additionalProperties: false, description: 'Solver provenance and statistics' },
);

const SolveStatus = (description: string) =>
  Type.Enum(['OPTIMAL', 'FEASIBLE', 'INFEASIBLE', 'NO_SOLUTION_FOUND', 'ERROR'], { description });

/** Fields shared by the 200 and 422 bodies: every field of AllocateResult plus cache and hash. */
const resultProperties = {
  status: SolveStatus(
    'OPTIMAL: proven optimal within relativeGap (gap ≤ relativeGap); FEASIBLE: best found; INFEASIBLE: see infeasibilities',
  ),
  termination: TerminationSchema(TERMINATION_DESCRIPTION),
  relativeGap: Type.Number({ minimum: 0, maximum: 1, description: 'the tolerance the solve stopped at (options.relativeGap)' }),
  limit: Type.Optional(
    Type.Enum(['TIME'], {
      description:
        'TIME: the search was cut short by its share of the time limit (it did not end on its own); the answer may still be ' +
        'proven within relativeGap afterwards (termination GAP), or not (TIME, INTERRUPTED). `termination` says why the solve ended',
    }),
  ),
  objective: Type.Optional(
    Type.Number({ description: 'objective (docs/model.md §1.3) of the returned allocation (normalised when requested)' }),
  ),
  bound: Type.Optional(Type.Number({ description: 'valid lower bound on the optimum, when known' })),
  gap: Type.Optional(Type.Number({ description: '(objective − bound) / |objective|, when known' })),
  allocations: Type.Array(AllocationSchema, { description: 'one entry per device, in request order' }),
  totals: Type.Optional(refTo(TotalsSchema)),
  reference: refTo(TotalsSchema), // sums at the normalisation reference point (docs/model.md §1.3)
  baselines: Type.Array(BaselineSchema, { description: 'baselines evaluated on the same instance (empty when disabled)' }),
  infeasibilities: Type.Optional(Type.Array(InfeasibilitySchema, { description: 'why the instance is infeasible' })),
  insights: Type.Optional(InsightsSchema),
  prices: Type.Optional(DualPricesSchema),
  solver: AllocateSolverInfoSchema,
  cache: Type.Enum(['hit', 'miss'], { description: 'whether the answer came from the cache' }),
  requestHash: Type.String({ description: 'sha256 of the canonical normalised request and solver version' }),
};

export const AllocateResponseSchema = Type.Object(resultProperties, {
  $id: 'AllocateResponse',
  additionalProperties: false,
  description: 'Allocation for every device, totals, baselines and solver provenance',
});

export const AllocateInfeasibleResponseSchema = Type.Object(
  {
    ...InfeasibleProblemProperties,
    ...withoutStatus(resultProperties),
    infeasibilities: Type.Array(InfeasibilitySchema, { description: 'devices and constraints at fault' }),
  },
  {
    $id: 'AllocateInfeasibleResponse',
    additionalProperties: false,
    description:
      'The instance cannot be satisfied: a problem (RFC 9457, application/problem+json) whose `infeasibilities` name the devices and ' +
      'constraints at fault; the other fields are those of the answer',
  },
);

type AllocateResponse = Static<typeof AllocateResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Compile-time drift checks: each alias fails to compile when the two types differ.

export type RequestSchemaMatchesModel = Expect<Same<Static<typeof AllocateRequestSchema>, AllocateRequest>>;
export type ResponseSchemaMatchesResult = Expect<Same<AllocateResponse, AllocateResult & { cache: CacheOutcome; requestHash: string }>>;
