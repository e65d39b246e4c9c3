// `insights` of a POST /allocate answer (options.insights: true): mirrors Insights in
// src/model/types.ts; the meaning of every value is in docs/insights.md.
import Type from 'typebox';

const Marginal = (description: string) => Type.Number({ maximum: 0, description });

const PhysicalPair = (per: string) =>
  Type.Object(
    {
      delayS: Type.Number({ description: `change of the total delay, seconds, ${per}` }),
      energyJ: Type.Number({ description: `change of the total energy, joules, ${per}` }),
    },
    { additionalProperties: false },
  );

const ServerInsightSchema = Type.Object(
  {
    serverId: Type.String({ description: 'server id' }),
    devices: Type.Integer({ minimum: 0, description: 'devices on this server' }),
    marginal: Type.Object(
      {
        bandwidthPerMHz: Marginal('objective change per +1 MHz of uplink bandwidth (≤ 0: more helps), association and scales held'),
        frequencyPerGHz: Marginal('objective change per +1 GHz of server GPU frequency (0 where the frequency budget does not bind)'),
        slot: Type.Union([Marginal('objective change of one more device slot (best single move of a device here)'), Type.Null()], {
          description: 'objective change of one more device slot; null where maxDevices does not bind',
        }),
      },
      { additionalProperties: false, description: "objective units (normalised when objective.normalize is on, on this answer's scales)" },
    ),
    marginalPhysical: Type.Object(
      {
        bandwidthPerMHz: PhysicalPair('per +1 MHz of bandwidth'),
        frequencyPerGHz: PhysicalPair('per +1 GHz of server frequency'),
      },
      {
        additionalProperties: false,
        description: 'the same changes in the physical sums of totals (the budgets re-split as the objective wants)',
      },
    ),
    curvature: Type.Object(
      {
        bandwidthPerMHz2: Type.Number({ minimum: 0, description: 'second derivative of the objective in the bandwidth, per MHz²' }),
        frequencyPerGHz2: Type.Number({
          minimum: 0,
          description: 'second derivative of the objective in the GPU frequency, per GHz² (0 where that budget does not bind)',
        }),
      },
      {
        additionalProperties: false,
        description: 'how fast the marginal values fade as capacity is added (≥ 0); used by the predicted change (docs/insights.md)',
      },
    ),
    utilisation: Type.Object(
      {
        bandwidth: Type.Number({ minimum: 0, description: 'share of the bandwidth given out' }),
        frequency: Type.Number({ minimum: 0, description: 'share of the GPU frequency given out' }),
        devices: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'devices / maxDevices; null when unlimited' }),
      },
      { additionalProperties: false },
    ),
    frequencySaturationHz: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description:
        'server GPU frequency, hertz, past which more of it gains nothing with this association and these splits (each device at its ' +
        'own optimum); null when more always helps',
    }),
    heldDevices: Type.Integer({
      minimum: 0,
      description:
        'devices here whose deadline binds: their shares are held, and the marginal values count only the others (a conservative estimate)',
    }),
  },
  { additionalProperties: false, description: 'Marginal values and utilisation of one server' },
);

const DeviceInsightSchema = Type.Object(
  {
    deviceId: Type.String({ description: 'device id' }),
    serverId: Type.String({ description: 'its server' }),
    binding: Type.Array(
      Type.Enum(['deadline', 'memory', 'maxFrequency', 'minFrequency', 'maxPower', 'minPower', 'minSplitLayer', 'maxSplitLayer', 'pinned']),
      { description: 'its own limits the allocation sits on (memory: one more local layer would not fit)' },
    ),
    objectiveShare: Type.Number({
      minimum: 0,
      description: 'its weighted delay, energy and stability as a share of the objective (they sum to 1)',
    }),
  },
  { additionalProperties: false, description: 'Binding limits and objective share of one device' },
);

const CapacitySuggestionSchema = Type.Object(
  {
    serverId: Type.String({ description: 'server id' }),
    resource: Type.Enum(['bandwidth', 'frequency', 'slot'], { description: 'what to add' }),
    unit: Type.Enum(['MHz', 'GHz', 'device'], { description: 'the unit of gainPerUnit' }),
    gainPerUnit: Type.Number({ minimum: 0, description: 'expected objective decrease per unit added' }),
    gainPerPercent: Type.Number({
      minimum: 0,
      description: "expected objective decrease for +1% of the server's capacity of that resource (for a slot: one device)",
    }),
  },
  { additionalProperties: false, description: 'One place where added capacity helps' },
);

export const InsightsSchema = Type.Object(
  {
    scales: Type.Object(
      {
        delayS: Type.Number({ description: 'divisor of the delay sum, seconds (1 without normalisation)' }),
        energyJ: Type.Number({ description: 'divisor of the energy sum, joules' }),
        stability: Type.Number({ description: 'divisor of the stability sum' }),
      },
      { additionalProperties: false, description: "the objective's scales, held fixed by every marginal value (docs/insights.md)" },
    ),
    objective: Type.Number({ description: "the objective the values refer to (the answer's)" }),
    servers: Type.Array(ServerInsightSchema, { description: 'one per server, in request order' }),
    devices: Type.Array(DeviceInsightSchema, { description: 'one per device, largest objective share first' }),
    addCapacity: Type.Array(CapacitySuggestionSchema, {
      maxItems: 10,
      description: 'where added capacity gains most, largest gainPerPercent first (only resources whose addition helps)',
    }),
    computeTimeMs: Type.Number({ minimum: 0, description: 'time spent computing the insights, milliseconds' }),
  },
  {
    $id: 'Insights',
    additionalProperties: false,
    description:
      'Marginal values of capacity, binding limits and where to add capacity (options.insights: true). Exact derivatives for the ' +
      'returned association, splits and modes; see docs/insights.md',
  },
);
