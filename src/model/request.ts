// Plain-data shape of a POST /allocate body (docs/model.md §1.1, §1.5). The TypeBox schema in src/schemas
// validates against this shape; the model layer depends only on these types, never on HTTP.

export interface PositionM {
  xM: number;
  yM: number;
}

export type TrainingModeChoice = 'backprop' | 'zeroth-order' | 'auto';

export interface ModelSpec {
  layers: number;
  hiddenSize: number;
  batchSize: number;
  bytesPerActivation?: number; // default 2
  /** §3 memory model overrides */
  weightBytesPerLayer?: number; // default 12·h²·s
  adapterRank?: number; // default 16
  adapterParamsPerLayer?: number; // default 2·r·h
  /** zeroth-order step multiplier ζ, default 20 */
  zerothOrderStepMultiplier?: number;
}

export interface DeviceSpec {
  id: string;
  gpuCores: number;
  flopsPerCycle: number;
  maxFrequencyHz: number;
  minFrequencyHz?: number; // default 0
  maxPowerW: number;
  minPowerW?: number; // default 0
  kappa: number;
  tokens: number;
  samples: number;
  channelGains?: Record<string, number>;
  position?: PositionM;
  uplinkBits?: number;
  minSplitLayer?: number;
  maxSplitLayer?: number;
  deadlineS?: number;
  /** §3 */
  memoryBytes?: number;
  inferenceOnly?: boolean;
  trainingMode?: TrainingModeChoice;
  queries?: number;
  parallelism?: number;
  callOverheadS?: number;
  activationBytesPerLayer?: number;
}

export interface ServerSpec {
  id: string;
  gpuCores: number;
  flopsPerCycle: number;
  frequencyHz: number;
  bandwidthHz: number;
  kappa: number;
  maxDevices?: number;
  position?: PositionM;
}

export interface ObjectiveSpec {
  weights?: { delay?: number; energy?: number; stability?: number };
  normalize?: boolean;
  lipschitz?: number;
  includeUplinkDelay?: boolean;
}

export type AlgorithmChoice = 'auto' | 'paper';

export interface MigrationSpec {
  delayS?: number; // default 0
  energyJ?: number; // default 0
}

export interface OptionsSpec {
  timeLimitMs?: number;
  baselines?: boolean;
  algorithm?: AlgorithmChoice;
  seed?: number;
  /** cost of one device changing server since `previous` */
  migration?: MigrationSpec;
  /** device ids that keep their server in `previous` */
  pinned?: string[];
  /** stop once the gap is at most this; a cached answer serves when its gap is at most this (not hashed) */
  relativeGap?: number;
  /** the former name of relativeGap, still accepted (relativeGap wins when both are given) */
  gapTolerance?: number;
  /** add marginal values, binding limits and where to add capacity to the answer (docs/insights.md) */
  insights?: boolean;
}

/** One item of an earlier answer's allocations; its other fields are accepted and ignored. */
interface PreviousAllocationSpec {
  deviceId: string;
  serverId: string;
  splitLayer?: number;
  trainingMode?: 'backprop' | 'zeroth-order';
}

/** One server's dual prices as an earlier answer's `prices.servers` item has them (objective units, ≥ 0). */
interface PreviousServerPricesSpec {
  serverId: string;
  bandwidthPerMHz: number;
  frequencyPerGHz: number;
  slot?: number;
}

export interface PreviousSpec {
  allocations: PreviousAllocationSpec[];
  /** the earlier answer's `prices`: where the bound of this solve starts (servers gone since are ignored) */
  prices?: { servers: PreviousServerPricesSpec[] };
}

export interface AllocateRequest {
  model: ModelSpec;
  devices: DeviceSpec[];
  servers: ServerSpec[];
  channel?: { noiseDbmPerHz?: number };
  objective?: ObjectiveSpec;
  options?: OptionsSpec;
  /** the allocation this one follows: warm start, migration costs, pins */
  previous?: PreviousSpec;
}
