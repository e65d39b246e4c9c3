// Normalised problem (defaults applied, everything SI, servers referenced by index) and the
// shapes of decisions and answers. Pure data: shared by normalise, evaluate, solvers and tests.

import type { RunStatistics, Termination } from '../solver/statistics.js';

export type { RunStatistics, Termination, TracePoint } from '../solver/statistics.js';

export type TrainingMode = { kind: 'backprop' } | { kind: 'zeroth-order'; queries: number; parallelism: number };

export interface Device {
  id: string;
  cores: number;
  flopsPerCycle: number;
  minFrequencyHz: number;
  maxFrequencyHz: number;
  minPowerW: number;
  maxPowerW: number;
  kappa: number;
  tokens: number;
  samples: number;
  /** linear channel gain to each server, indexed like Instance.servers */
  gains: number[];
  uplinkBits: number;
  minSplitLayer: number;
  maxSplitLayer: number;
  deadlineS: number | null;
  memoryBytes: number | null;
  /** training FLOPs of one layer for one iteration, ψ_n = 72·B·d·h² + 12·B·d²·h */
  layerFlops: number;
  /** stored activation bytes of one layer (backprop), a_n */
  activationBytesPerLayer: number;
  /** allowed training modes, already filtered by inferenceOnly / trainingMode / fixed q, P */
  modes: TrainingMode[];
  /** mode used at the normalisation reference point (docs/model.md §1.5) */
  referenceMode: TrainingMode;
  callOverheadS: number;
}

export interface Server {
  id: string;
  cores: number;
  flopsPerCycle: number;
  frequencyHz: number;
  bandwidthHz: number;
  kappa: number;
  maxDevices: number | null;
}

export interface Weights {
  delay: number;
  energy: number;
  stability: number;
}

export interface Instance {
  layers: number;
  hiddenSize: number;
  batchSize: number;
  bytesPerActivation: number;
  weightBytesPerLayer: number;
  adapterParamsPerLayer: number;
  zerothOrderStepMultiplier: number;
  noiseWPerHz: number;
  weights: Weights;
  normalize: boolean;
  lipschitz: number;
  includeUplinkDelay: boolean;
  devices: Device[];
  servers: Server[];
  /** the allocation this one follows (request `previous`), when given */
  previous?: PreviousState;
}

/**
 * Where each device was in the allocation this one follows, indexed like Instance.devices.
 * Server, split and mode seed the search (warm start); the server also prices migrations.
 */
export interface PreviousState {
  /** server index, null for a device that is new since then */
  server: (number | null)[];
  /** split layer it used, when given and still allowed (a hint, never a constraint) */
  splitLayer: (number | null)[];
  trainingMode: ('backprop' | 'zeroth-order' | null)[];
  /** devices that must stay on their previous server */
  pinned: boolean[];
  /** cost of one device changing server, added to its delay and energy */
  migration: { delayS: number; energyJ: number };
  /**
   * the dual prices an earlier answer proved its bound at (request `previous.prices`), per server
   * index in objective units per Hz and per slot; null for a server they did not name. Only a start
   * for the bound: it is evaluated exactly before it counts.
   */
  prices?: { bandwidth: (number | null)[]; frequency: (number | null)[]; seat: (number | null)[] };
}

export interface SolveOptions {
  timeLimitMs: number;
  baselines: boolean;
  algorithm: 'auto' | 'paper';
  seed: number;
  /** the solve stops once (objective − bound) / objective ≤ this; 0: only when the search ends or time runs out */
  relativeGap: number;
  /** add `insights` (marginal values, binding limits, where to add capacity) to the answer; absent = false */
  insights?: boolean;
  /**
   * false: search only, no Lagrangian bound (the answer has no `bound`/`gap`, and is never OPTIMAL
   * unless enumerated); absent = true. Internal: set by the service for what-if scenarios, never read
   * from a request body; hashed only when false, so /allocate's hashes are unchanged.
   */
  certify?: false;
}

/** A device's allocation as a caller gives it for scoring: server and split always, the rest may be left out. */
export interface GivenAllocation {
  server: number;
  splitLayer: number;
  /** left out: backprop where the device allows it, else its first allowed mode */
  mode?: TrainingMode;
  cpuFrequencyHz?: number;
  transmitPowerW?: number;
  bandwidthHz?: number;
  serverFrequencyHz?: number;
}

/** POST /allocate/evaluate's answer: a given allocation scored, and its distance to the optimum's bound. */
export interface EvaluateResult {
  /** FEASIBLE: no constraint violated; VIOLATED: see `violations` */
  status: 'FEASIBLE' | 'VIOLATED';
  objective: number;
  /** Lagrangian lower bound on the optimum of the snapshot, when one was found in time */
  bound?: number;
  /** feasible allocations with a bound: (objective − bound) / objective, at least how far from optimal */
  gap?: number;
  totals: Totals;
  reference: Totals;
  allocations: AllocationOut[];
  violations: Violation[];
  /** devices whose resource amounts were left out, and the fields filled in */
  filled: { deviceId: string; fields: ('cpuFrequencyHz' | 'transmitPowerW' | 'bandwidthHz' | 'serverFrequencyHz')[] }[];
  solveTimeMs: number;
  solver: { algorithm: string; version: string; solveTimeMs: number; statistics: EvaluateStatistics };
}

/**
 * How an evaluation went: RunStatistics and the bound's passes. termination: GAP when the bound
 * came within 1e-6 of the allocation's objective (no ascent can do more), TIME the limit, CONVERGED
 * the ascent ended on its own (or the snapshot is proven infeasible: nothing to bound).
 */
export interface EvaluateStatistics extends RunStatistics {
  /** exact passes of the Lagrangian bound (each prices every device at one price vector) */
  boundEvaluations: number;
}

/** One device's decisions. */
export interface DeviceDecision {
  server: number;
  splitLayer: number;
  mode: TrainingMode;
  cpuFrequencyHz: number;
  transmitPowerW: number;
  bandwidthHz: number;
  serverFrequencyHz: number;
}

export interface Breakdown {
  local: number;
  uplink: number;
  edge: number;
  /** one change of server (0 when the device stays or is new) */
  migration: number;
  total: number;
}

export interface DeviceEvaluation {
  delayS: Breakdown;
  energyJ: Breakdown;
  stabilityBound: number;
  peakMemoryBytes: number;
  /** physical delay local + uplink + edge, the quantity deadlines bound (a one-off migration is not part of a step) */
  physicalDelayS: number;
  /** its server differs from its previous one */
  migrated: boolean;
}

export interface Totals {
  delayS: number;
  energyJ: number;
  stability: number;
  /** devices whose server changed since `previous` (sums of evaluations only, not scales) */
  migrations?: number;
  /** the migrations' share of delayS and energyJ */
  migrationDelayS?: number;
  migrationEnergyJ?: number;
}

export interface Violation {
  constraint: string;
  deviceId?: string;
  serverId?: string;
  detail: string;
}

export interface Evaluation {
  devices: DeviceEvaluation[];
  totals: Totals;
  objective: number;
  violations: Violation[];
}

export type SolveStatus = 'OPTIMAL' | 'FEASIBLE' | 'INFEASIBLE' | 'NO_SOLUTION_FOUND' | 'ERROR';

export interface AllocationOut {
  deviceId: string;
  serverId: string;
  splitLayer: number;
  trainingMode: 'backprop' | 'zeroth-order';
  queries?: number;
  parallelism?: number;
  peakMemoryBytes: number;
  cpuFrequencyHz: number;
  transmitPowerW: number;
  bandwidthHz: number;
  bandwidthShare: number;
  serverFrequencyHz: number;
  delayS: Breakdown;
  energyJ: Breakdown;
  stabilityBound: number;
  /** true when its server differs from the one in `previous` */
  migrated: boolean;
}

export interface BaselineOut {
  name: string;
  objective: number;
  totals: Totals;
  /** false when it misses a constraint (baselines ignore deadlines): its objective is then not comparable */
  feasible: boolean;
}

export interface InfeasibilityOut {
  constraint: string;
  deviceIds: string[];
  detail: string;
}

/** How an allocate solve went: RunStatistics (reason, phase times, trace) and the work done. */
export interface SolveStatistics extends RunStatistics {
  /** search steps (balance batches, reassignment rounds, local-search moves that stood) */
  searchSteps: number;
  /** bounds evaluated (each a pricing pass or a dual value at the search's prices) */
  boundEvaluations: number;
}

/** What a solve produces (pure); the HTTP layer adds cache and requestHash. */
export interface AllocateResult {
  status: SolveStatus;
  /** why the solve ended */
  termination: Termination;
  /** the tolerance the solve stopped at (options.relativeGap) */
  relativeGap: number;
  limit?: 'TIME';
  objective?: number;
  bound?: number;
  gap?: number;
  allocations: AllocationOut[];
  totals?: Totals;
  reference: Totals;
  baselines: BaselineOut[];
  infeasibilities?: InfeasibilityOut[];
  solver: { algorithm: string; version: string; solveTimeMs: number; statistics: SolveStatistics };
  /** with options.insights, for an answer with an allocation (docs/insights.md) */
  insights?: Insights;
  /** the dual prices the answer's bound was proven at, when a Lagrangian bound proved it (send back in `previous.prices`) */
  prices?: DualPricesOut;
}

/**
 * One server's prices in the Lagrangian dual (objective units, ≥ 0): what a unit of each budget
 * costs a device there. The negated counterparts of insights' marginal values (which hold the
 * association; these are the dual's, at which the bound was proven).
 */
interface ServerPricesOut {
  serverId: string;
  /** per MHz of uplink bandwidth */
  bandwidthPerMHz: number;
  /** per GHz of server GPU frequency */
  frequencyPerGHz: number;
  /** per device slot (0 where maxDevices does not bind) */
  slot: number;
}

export interface DualPricesOut {
  servers: ServerPricesOut[];
}

/** Objective change per unit of capacity added at one server (≤ 0 where more helps), association held. */
export interface MarginalValues {
  /** per +1 MHz of uplink bandwidth */
  bandwidthPerMHz: number;
  /** per +1 GHz of server GPU frequency */
  frequencyPerGHz: number;
  /** per one more device slot, only where maxDevices binds (null elsewhere) */
  slot: number | null;
}

/** The same changes in the objective's physical sums: total delay (s) and total energy (J). */
export interface PhysicalMarginals {
  bandwidthPerMHz: { delayS: number; energyJ: number };
  frequencyPerGHz: { delayS: number; energyJ: number };
}

export interface ServerInsight {
  serverId: string;
  devices: number;
  marginal: MarginalValues;
  marginalPhysical: PhysicalMarginals;
  /** second derivatives of the objective in each budget (≥ 0: each unit added gains less than the last) */
  curvature: { bandwidthPerMHz2: number; frequencyPerGHz2: number };
  /** used share of each budget (devices: of maxDevices, null when unlimited) */
  utilisation: { bandwidth: number; frequency: number; devices: number | null };
  /** server frequency past which more of it gains nothing (association and splits held); null when more always helps */
  frequencySaturationHz: number | null;
  /** devices on this server whose deadline binds: their shares are held, so the values are a conservative local estimate */
  heldDevices: number;
}

export type BindingLimit =
  | 'deadline'
  | 'memory'
  | 'maxFrequency'
  | 'minFrequency'
  | 'maxPower'
  | 'minPower'
  | 'minSplitLayer'
  | 'maxSplitLayer'
  | 'pinned';

export interface DeviceInsight {
  deviceId: string;
  serverId: string;
  binding: BindingLimit[];
  /** the device's weighted delay, energy and stability as a share of the objective (shares sum to 1) */
  objectiveShare: number;
}

export type CapacityResource = 'bandwidth' | 'frequency' | 'slot';

export interface CapacitySuggestion {
  serverId: string;
  resource: CapacityResource;
  /** 'MHz', 'GHz' or 'device' */
  unit: 'MHz' | 'GHz' | 'device';
  /** expected objective decrease per unit added (≥ 0) */
  gainPerUnit: number;
  /** expected objective decrease for +1% of the server's current capacity of that resource (one device for slots) */
  gainPerPercent: number;
}

export interface Insights {
  /** what the objective units are: the normalisation divisors, held fixed by every value here */
  scales: { delayS: number; energyJ: number; stability: number };
  objective: number;
  servers: ServerInsight[];
  /** costliest first */
  devices: DeviceInsight[];
  /** largest gain per +1% of capacity first; only resources whose addition helps */
  addCapacity: CapacitySuggestion[];
  computeTimeMs: number;
}
