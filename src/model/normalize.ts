// Request → Instance: apply the defaults of docs/model.md §1.1, derive gains from positions, and check the
// cross-field rules a JSON schema cannot express. Throws InputError naming the field.

import { DEFAULTS, MAX_TIME_LIMIT_MS, dbmPerHzToWPerHz, gainFromDistanceM } from './defaults.js';
import { minTimeLimitMs } from './time-floor.js';
import type { AllocateRequest, DeviceSpec, ModelSpec, ServerSpec } from './request.js';
import type { Device, Instance, PreviousState, Server, SolveOptions, TrainingMode } from './types.js';
import { layerTrainingFlops, activationBytesPerLayer } from './cost.js';

export class InputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InputError';
  }
}

/** Smallest positive linear channel gain accepted (the schema allows 0 and [this, 1]). */
const MIN_POSITIVE_GAIN = 1e-30;
/**
 * Smallest positive objective weight (the schema allows 0 and up to 1e9): weighted costs of a
 * subnormal weight (5e-324, found by the fuzz test) underflow to 0 and leave the solver no choice.
 */
const MIN_POSITIVE_WEIGHT = 1e-12;

/** An objective weight: 0 (term ignored) or at least MIN_POSITIVE_WEIGHT. */
export function weightAt(value: number, field: string): number {
  nonNegative(value, field);
  check(value === 0 || value >= MIN_POSITIVE_WEIGHT, field, `must be 0 or at least ${MIN_POSITIVE_WEIGHT.toExponential()}`);
  return value;
}

function check(cond: boolean, field: string, reason: string): asserts cond {
  if (!cond) throw new InputError(field, reason);
}

function finite(value: number, field: string): number {
  check(typeof value === 'number' && Number.isFinite(value), field, 'must be a finite number');
  return value;
}

function positive(value: number, field: string): number {
  finite(value, field);
  check(value > 0, field, 'must be > 0');
  return value;
}

function nonNegative(value: number, field: string): number {
  finite(value, field);
  check(value >= 0, field, 'must be >= 0');
  return value;
}

function integerIn(value: number, lo: number, hi: number, field: string): number {
  finite(value, field);
  check(Number.isInteger(value), field, 'must be an integer');
  check(value >= lo && value <= hi, field, `must be between ${lo} and ${hi}`);
  return value;
}

interface ModelParams {
  layers: number;
  hiddenSize: number;
  batchSize: number;
  bytesPerActivation: number;
  weightBytesPerLayer: number;
  adapterParamsPerLayer: number;
  zerothOrderStepMultiplier: number;
}

function normalizeModel(m: ModelSpec): ModelParams {
  const layers = integerIn(m.layers, 2, 100_000, 'model.layers');
  const hiddenSize = integerIn(m.hiddenSize, 1, 1e9, 'model.hiddenSize');
  const batchSize = integerIn(m.batchSize, 1, 1e9, 'model.batchSize');
  const bytesPerActivation = positive(m.bytesPerActivation ?? DEFAULTS.bytesPerActivation, 'model.bytesPerActivation');
  const rank = positive(m.adapterRank ?? DEFAULTS.adapterRank, 'model.adapterRank');
  return {
    layers,
    hiddenSize,
    batchSize,
    bytesPerActivation,
    weightBytesPerLayer: positive(m.weightBytesPerLayer ?? 12 * hiddenSize * hiddenSize * bytesPerActivation, 'model.weightBytesPerLayer'),
    adapterParamsPerLayer: positive(m.adapterParamsPerLayer ?? 2 * rank * hiddenSize, 'model.adapterParamsPerLayer'),
    zerothOrderStepMultiplier: positive(
      m.zerothOrderStepMultiplier ?? DEFAULTS.zerothOrderStepMultiplier,
      'model.zerothOrderStepMultiplier',
    ),
  };
}

/** Every (q, P) the device may use in zeroth-order: q | B from {1,2,4,8,16}, P | 2q. */
function zerothOrderModes(d: DeviceSpec, batchSize: number, path: string): TrainingMode[] {
  if (d.queries !== undefined) {
    integerIn(d.queries, 1, batchSize, `${path}.queries`);
    check(batchSize % d.queries === 0, `${path}.queries`, `must divide model.batchSize (${batchSize})`);
  }
  if (d.parallelism !== undefined) integerIn(d.parallelism, 1, 2 * Math.max(batchSize, 16), `${path}.parallelism`);
  const queries = d.queries !== undefined ? [d.queries] : DEFAULTS.zerothOrderQueries.filter((q) => batchSize % q === 0);
  const modes: TrainingMode[] = [];
  for (const q of queries) {
    const divisors = Array.from({ length: 2 * q }, (_, i) => i + 1).filter((p) => (2 * q) % p === 0);
    // A fixed P keeps only the query counts it divides (2q); the rest are simply not options.
    const ps = d.parallelism !== undefined ? divisors.filter((p) => p === d.parallelism) : divisors;
    for (const p of ps) modes.push({ kind: 'zeroth-order', queries: q, parallelism: p });
  }
  check(
    modes.length > 0,
    `${path}.parallelism`,
    d.queries !== undefined ? `must divide 2·queries (${2 * d.queries})` : 'must divide 2·q for some allowed query count q',
  );
  return modes;
}

/**
 * The modes of the devices normalised so far, by what decides them (trainingMode, inferenceOnly,
 * queries, parallelism; the batch size is one per request). Devices that allow the same modes share
 * one array (read-only, like the whole instance): a device allows 21 modes by default, and building
 * 21,000 objects for 1,000 devices, then hashing and cloning them to a solver thread one by one, was
 * a good part of a large request's time outside the solver (bench/request-overhead.ts).
 */
type ModeSets = Map<string, { modes: TrainingMode[]; referenceMode: TrainingMode }>;

function normalizeDevice(
  d: DeviceSpec,
  i: number,
  model: ModelParams,
  serverSpecs: ServerSpec[],
  serverIndex: Map<string, number>,
  modeSets: ModeSets,
): Device {
  const path = `devices[${i}]`;
  const minFrequencyHz = nonNegative(d.minFrequencyHz ?? 0, `${path}.minFrequencyHz`);
  const maxFrequencyHz = positive(d.maxFrequencyHz, `${path}.maxFrequencyHz`);
  check(minFrequencyHz <= maxFrequencyHz, `${path}.minFrequencyHz`, 'must not exceed maxFrequencyHz');
  const minPowerW = nonNegative(d.minPowerW ?? 0, `${path}.minPowerW`);
  const maxPowerW = positive(d.maxPowerW, `${path}.maxPowerW`);
  check(minPowerW <= maxPowerW, `${path}.minPowerW`, 'must not exceed maxPowerW');
  const tokens = integerIn(d.tokens, 1, 1e9, `${path}.tokens`);
  const samples = positive(d.samples, `${path}.samples`);
  const minSplitLayer = integerIn(d.minSplitLayer ?? 1, 1, model.layers - 1, `${path}.minSplitLayer`);
  const maxSplitLayer = integerIn(d.maxSplitLayer ?? model.layers - 1, 1, model.layers - 1, `${path}.maxSplitLayer`);
  check(minSplitLayer <= maxSplitLayer, `${path}.minSplitLayer`, 'must not exceed maxSplitLayer');

  const gains = new Array<number>(serverSpecs.length).fill(0);
  if (d.channelGains !== undefined) {
    for (const [serverId, gain] of Object.entries(d.channelGains)) {
      const m = serverIndex.get(serverId);
      check(m !== undefined, `${path}.channelGains.${serverId}`, 'unknown server id');
      gains[m] = nonNegative(gain, `${path}.channelGains.${serverId}`);
      // Below 1e-30 (300 dB of path loss) rates underflow against the noise floor: 0 says "no link".
      check(
        gains[m] === 0 || gains[m] >= MIN_POSITIVE_GAIN,
        `${path}.channelGains.${serverId}`,
        `must be 0 (no link) or at least ${MIN_POSITIVE_GAIN}`,
      );
    }
  } else {
    check(d.position !== undefined, path, 'needs channelGains or position');
    const xM = finite(d.position.xM, `${path}.position.xM`);
    const yM = finite(d.position.yM, `${path}.position.yM`);
    // One gain per (device, server) pair: up to millions, so no strings or closures per pair.
    for (let m = 0; m < serverSpecs.length; m++) {
      const at = serverSpecs[m].position;
      if (at === undefined) check(false, `servers[${m}].position`, `required because ${path} gives a position instead of channelGains`);
      const dx = xM - at.xM;
      const dy = yM - at.yM;
      gains[m] = gainFromDistanceM(Math.sqrt(dx * dx + dy * dy));
    }
  }
  check(
    gains.some((g) => g > 0),
    `${path}.channelGains`,
    'at least one server must have a positive gain',
  );

  const uplinkBits = positive(
    d.uplinkBits ?? model.batchSize * tokens * model.hiddenSize * 8 * model.bytesPerActivation,
    `${path}.uplinkBits`,
  );
  const memoryBytes = d.memoryBytes === undefined ? null : positive(d.memoryBytes, `${path}.memoryBytes`);
  const deadlineS = d.deadlineS === undefined ? null : positive(d.deadlineS, `${path}.deadlineS`);
  const choice = d.trainingMode ?? 'auto';
  const inferenceOnly = d.inferenceOnly ?? false;
  check(!(inferenceOnly && choice === 'backprop'), `${path}.trainingMode`, 'an inferenceOnly device cannot use backprop');
  // Only valid values are ever remembered (zerothOrderModes throws first), so the key names numbers.
  const modeKey = `${choice}|${inferenceOnly}|${d.queries}|${d.parallelism}`;
  let allowed = modeSets.get(modeKey);
  if (allowed === undefined) {
    const zo = choice === 'backprop' ? [] : zerothOrderModes(d, model.batchSize, path);
    const modes: TrainingMode[] = [];
    if (choice !== 'zeroth-order' && !inferenceOnly) modes.push({ kind: 'backprop' });
    modes.push(...zo);
    const usesZerothOrderAtReference = inferenceOnly || choice === 'zeroth-order';
    const referenceMode: TrainingMode = usesZerothOrderAtReference
      ? (zo.find((m) => m.kind === 'zeroth-order' && m.queries === 1 && m.parallelism === 2) ?? zo[0])
      : { kind: 'backprop' };
    allowed = { modes, referenceMode };
    modeSets.set(modeKey, allowed);
  }
  const { modes, referenceMode } = allowed;

  const layerFlops = layerTrainingFlops(model.batchSize, tokens, model.hiddenSize);
  return {
    id: d.id,
    cores: positive(d.gpuCores, `${path}.gpuCores`),
    flopsPerCycle: positive(d.flopsPerCycle, `${path}.flopsPerCycle`),
    minFrequencyHz,
    maxFrequencyHz,
    minPowerW,
    maxPowerW,
    kappa: positive(d.kappa, `${path}.kappa`),
    tokens,
    samples,
    gains,
    uplinkBits,
    minSplitLayer,
    maxSplitLayer,
    deadlineS,
    memoryBytes,
    layerFlops,
    activationBytesPerLayer: positive(
      d.activationBytesPerLayer ?? activationBytesPerLayer(model.batchSize, tokens, model.hiddenSize),
      `${path}.activationBytesPerLayer`,
    ),
    modes,
    referenceMode,
    callOverheadS: nonNegative(d.callOverheadS ?? DEFAULTS.callOverheadS, `${path}.callOverheadS`),
  };
}

function normalizeServer(s: ServerSpec, m: number): Server {
  const path = `servers[${m}]`;
  return {
    id: s.id,
    cores: positive(s.gpuCores, `${path}.gpuCores`),
    flopsPerCycle: positive(s.flopsPerCycle, `${path}.flopsPerCycle`),
    frequencyHz: positive(s.frequencyHz, `${path}.frequencyHz`),
    bandwidthHz: positive(s.bandwidthHz, `${path}.bandwidthHz`),
    kappa: nonNegative(s.kappa, `${path}.kappa`),
    maxDevices: s.maxDevices === undefined ? null : integerIn(s.maxDevices, 1, 1e9, `${path}.maxDevices`),
  };
}

function uniqueIds(items: { id: string }[], path: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    check(typeof item.id === 'string' && item.id.length > 0, `${path}[${i}].id`, 'must be a non-empty string');
    check(!seen.has(item.id), `${path}[${i}].id`, `duplicate id "${item.id}"`);
    seen.add(item.id);
  });
}

/**
 * `previous` and the options that refer to it. Devices gone since then are ignored, new ones have
 * no previous server; a split or mode no longer allowed is dropped (it only seeds the search).
 */
function normalizePrevious(req: AllocateRequest, devices: Device[], serverIndex: Map<string, number>): PreviousState | undefined {
  const o = req.options ?? {};
  const migration = {
    delayS: nonNegative(o.migration?.delayS ?? 0, 'options.migration.delayS'),
    energyJ: nonNegative(o.migration?.energyJ ?? 0, 'options.migration.energyJ'),
  };
  const pinnedIds = o.pinned ?? [];
  if (req.previous === undefined) {
    check(
      pinnedIds.length === 0,
      'options.pinned[0]',
      'a pinned device keeps its server in previous.allocations, and no previous was given',
    );
    return undefined; // without a previous allocation nothing can migrate
  }
  const deviceIndex = new Map(devices.map((d, n) => [d.id, n]));
  const server: (number | null)[] = devices.map(() => null);
  const splitLayer: (number | null)[] = devices.map(() => null);
  const trainingMode: ('backprop' | 'zeroth-order' | null)[] = devices.map(() => null);
  const seen = new Set<string>();
  req.previous.allocations.forEach((a, i) => {
    const path = `previous.allocations[${i}]`;
    check(typeof a.deviceId === 'string' && !seen.has(a.deviceId), `${path}.deviceId`, `duplicate device id "${a.deviceId}"`);
    seen.add(a.deviceId);
    const m = serverIndex.get(a.serverId);
    check(m !== undefined, `${path}.serverId`, `unknown server id "${a.serverId}"`);
    const n = deviceIndex.get(a.deviceId);
    if (n === undefined) return;
    server[n] = m;
    const d = devices[n];
    if (
      a.splitLayer !== undefined &&
      Number.isInteger(a.splitLayer) &&
      a.splitLayer >= d.minSplitLayer &&
      a.splitLayer <= d.maxSplitLayer
    ) {
      splitLayer[n] = a.splitLayer;
    }
    if (a.trainingMode !== undefined && d.modes.some((mode) => mode.kind === a.trainingMode)) trainingMode[n] = a.trainingMode;
  });
  const pinned = devices.map(() => false);
  pinnedIds.forEach((id, i) => {
    const n = deviceIndex.get(id);
    check(n !== undefined, `options.pinned[${i}]`, `unknown device id "${id}"`);
    check(server[n] !== null, `options.pinned[${i}]`, `device "${id}" has no server in previous.allocations to keep`);
    pinned[n] = true;
  });
  const prices = normalizePreviousPrices(req.previous.prices, serverIndex);
  return { server, splitLayer, trainingMode, pinned, migration, ...(prices ? { prices } : {}) };
}

/**
 * `previous.prices`: an earlier answer's dual prices, per server index and per Hz (the answer
 * gives them per MHz and per GHz). Servers gone since then are ignored, servers it did not name
 * get null (the bound starts there from the warm plan's prices). They only seed the bound, which
 * evaluates them exactly: any non-negative prices give a valid bound, so nothing else is checked.
 */
function normalizePreviousPrices(
  spec: { servers: { serverId: string; bandwidthPerMHz: number; frequencyPerGHz: number; slot?: number }[] } | undefined,
  serverIndex: Map<string, number>,
): PreviousState['prices'] {
  if (spec === undefined) return undefined;
  const M = serverIndex.size;
  const bandwidth: (number | null)[] = new Array(M).fill(null);
  const frequency: (number | null)[] = new Array(M).fill(null);
  const seat: (number | null)[] = new Array(M).fill(null);
  const seen = new Set<string>();
  spec.servers.forEach((p, i) => {
    const path = `previous.prices.servers[${i}]`;
    check(typeof p.serverId === 'string' && !seen.has(p.serverId), `${path}.serverId`, `duplicate server id "${p.serverId}"`);
    seen.add(p.serverId);
    const b = nonNegative(p.bandwidthPerMHz, `${path}.bandwidthPerMHz`);
    const f = nonNegative(p.frequencyPerGHz, `${path}.frequencyPerGHz`);
    const slot = nonNegative(p.slot ?? 0, `${path}.slot`);
    const m = serverIndex.get(p.serverId);
    if (m === undefined) return;
    bandwidth[m] = b / 1e6;
    frequency[m] = f / 1e9;
    seat[m] = slot;
  });
  return bandwidth.some((v) => v !== null) ? { bandwidth, frequency, seat } : undefined;
}

/**
 * options.relativeGap, or its former name gapTolerance (one knob: the stop and the cache both use it).
 * Shared by every kind's normalize (blocks too): one default, one range, one error.
 */
export function relativeGapOf(o: { relativeGap?: unknown; gapTolerance?: unknown }): number {
  const field = o.relativeGap !== undefined ? 'options.relativeGap' : 'options.gapTolerance';
  const value = finite((o.relativeGap ?? o.gapTolerance ?? DEFAULTS.relativeGap) as number, field);
  check(value >= 0 && value <= 1, field, 'must be between 0 and 1');
  return value;
}

export function normalize(req: AllocateRequest): { instance: Instance; options: SolveOptions } {
  check(Array.isArray(req.devices) && req.devices.length > 0, 'devices', 'must contain at least one device');
  check(Array.isArray(req.servers) && req.servers.length > 0, 'servers', 'must contain at least one server');
  uniqueIds(req.devices, 'devices');
  uniqueIds(req.servers, 'servers');
  const model = normalizeModel(req.model);
  // Before the per-device work: a limit that cannot be kept at this size is refused at once.
  const timeLimitMs = integerIn(req.options?.timeLimitMs ?? DEFAULTS.timeLimitMs, 1, MAX_TIME_LIMIT_MS, 'options.timeLimitMs');
  const floorMs = minTimeLimitMs({ devices: req.devices.length, servers: req.servers.length, layers: model.layers });
  check(
    timeLimitMs >= floorMs,
    'options.timeLimitMs',
    `must be at least ${floorMs} ms for ${req.devices.length} devices × ${req.servers.length} servers × ${model.layers} layers ` +
      '(docs/time-limits.md)',
  );
  const serverIndex = new Map(req.servers.map((s, m) => [s.id, m]));
  const servers = req.servers.map(normalizeServer);
  const modeSets: ModeSets = new Map();
  const devices = req.devices.map((d, i) => normalizeDevice(d, i, model, req.servers, serverIndex, modeSets));

  const w = req.objective?.weights ?? {};
  const weights = {
    delay: weightAt(w.delay ?? DEFAULTS.weights.delay, 'objective.weights.delay'),
    energy: weightAt(w.energy ?? DEFAULTS.weights.energy, 'objective.weights.energy'),
    stability: weightAt(w.stability ?? DEFAULTS.weights.stability, 'objective.weights.stability'),
  };
  check(weights.delay + weights.energy + weights.stability > 0, 'objective.weights', 'at least one weight must be > 0');
  const o = req.options ?? {};
  const instance: Instance = {
    ...model,
    noiseWPerHz: dbmPerHzToWPerHz(finite(req.channel?.noiseDbmPerHz ?? DEFAULTS.noiseDbmPerHz, 'channel.noiseDbmPerHz')),
    weights,
    normalize: req.objective?.normalize ?? DEFAULTS.normalize,
    lipschitz: positive(req.objective?.lipschitz ?? DEFAULTS.lipschitz, 'objective.lipschitz'),
    includeUplinkDelay: req.objective?.includeUplinkDelay ?? DEFAULTS.includeUplinkDelay,
    devices,
    servers,
  };
  const previous = normalizePrevious(req, devices, serverIndex);
  if (previous) instance.previous = previous;
  const options: SolveOptions = {
    timeLimitMs,
    baselines: o.baselines ?? DEFAULTS.baselines,
    algorithm: o.algorithm ?? DEFAULTS.algorithm,
    seed: integerIn(o.seed ?? DEFAULTS.seed, 0, 2 ** 31 - 1, 'options.seed'),
    relativeGap: relativeGapOf(o),
    // Only when asked: a request without it hashes (and caches) as before.
    ...(o.insights === true ? { insights: true } : {}),
  };
  return { instance, options };
}
