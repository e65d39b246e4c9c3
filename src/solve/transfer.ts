// What an allocate task looks like while it crosses to a worker thread. Structured cloning copies
// a JavaScript array of numbers element by element: a device's gain to every server, 10,000 × 500
// of them, took seconds. Packed into one Float64Array they cross as one block of memory; so do the
// devices' other numeric fields (column by column: cloning 1,000 device objects one by one was most
// of what was left, bench/request-overhead.ts).
import type { Device, Instance, TrainingMode } from '../model/types.js';

/** Device fields that are always numbers, in the order they are packed. */
const NUMBER_FIELDS = [
  'cores',
  'flopsPerCycle',
  'minFrequencyHz',
  'maxFrequencyHz',
  'minPowerW',
  'maxPowerW',
  'kappa',
  'tokens',
  'samples',
  'uplinkBits',
  'minSplitLayer',
  'maxSplitLayer',
  'layerFlops',
  'activationBytesPerLayer',
  'callOverheadS',
] as const satisfies readonly (keyof Device)[];

/** Device fields that are a number or null; null is packed as NaN (never a value: normalize refuses non-finite numbers). */
const NULLABLE_FIELDS = ['deadlineS', 'memoryBytes'] as const satisfies readonly (keyof Device)[];

/** The fields packed otherwise (strings, the gains matrix, mode lists): with the two lists above, every field of Device. */
type OtherFields = 'id' | 'gains' | 'modes' | 'referenceMode';
// A Device field in none of the lists fails to compile here instead of being dropped on the way.
type Unpacked = Exclude<keyof Device, (typeof NUMBER_FIELDS)[number] | (typeof NULLABLE_FIELDS)[number] | OtherFields>;
const everyFieldPacked: [Unpacked] extends [never] ? true : Unpacked = true;
void everyFieldPacked;

const FIELDS = [...NUMBER_FIELDS, ...NULLABLE_FIELDS];
/** Each packed field's place within a device's run of FIELDS.length numbers. */
const AT = Object.fromEntries(FIELDS.map((field, i) => [field, i])) as Record<(typeof FIELDS)[number], number>;

export interface PackedDevices {
  count: number;
  /** NUMBER_FIELDS then NULLABLE_FIELDS of each device, device by device (count × FIELDS.length) */
  fields: Float64Array;
  /** devices × servers gains, row by row */
  gains: Float64Array;
  id: string[];
  /** each device's allowed modes (devices that share one array still share it when cloned) */
  modes: TrainingMode[][];
  referenceMode: TrainingMode[];
}

export interface PackedInstance {
  /** the instance with no devices (an empty array, so that unpacking puts them back in their place among its keys) */
  instance: Instance;
  devices: PackedDevices;
}

export function packInstance(instance: Instance): PackedInstance {
  const { devices } = instance;
  const N = devices.length;
  const M = instance.servers.length;
  const F = FIELDS.length;
  const fields = new Float64Array(N * F);
  const gains = new Float64Array(N * M);
  const id = new Array<string>(N);
  const modes = new Array<TrainingMode[]>(N);
  const referenceMode = new Array<TrainingMode>(N);
  for (let n = 0; n < N; n++) {
    const d = devices[n];
    let at = n * F;
    for (const field of NUMBER_FIELDS) fields[at++] = d[field];
    for (const field of NULLABLE_FIELDS) fields[at++] = d[field] ?? Number.NaN;
    gains.set(d.gains, n * M);
    id[n] = d.id;
    modes[n] = d.modes;
    referenceMode[n] = d.referenceMode;
  }
  return { instance: { ...instance, devices: [] }, devices: { count: N, fields, gains, id, modes, referenceMode } };
}

/** The devices of a packed instance (its size, without unpacking). */
export function packedDeviceCount(packed: PackedInstance): number {
  return packed.devices.count;
}

export function unpackInstance({ instance, devices: packed }: PackedInstance): Instance {
  const { count, fields: f, gains, id, modes, referenceMode } = packed;
  const M = instance.servers.length;
  const F = FIELDS.length;
  const nullable = (x: number) => (Number.isNaN(x) ? null : x);
  const devices = new Array<Device>(count);
  for (let n = 0; n < count; n++) {
    const at = n * F;
    const g = new Array<number>(M);
    for (let m = 0, k = n * M; m < M; m++, k++) g[m] = gains[k];
    // Fields in model/normalize.ts's order: every device one shape, as normalize made them.
    devices[n] = {
      id: id[n],
      cores: f[at + AT.cores],
      flopsPerCycle: f[at + AT.flopsPerCycle],
      minFrequencyHz: f[at + AT.minFrequencyHz],
      maxFrequencyHz: f[at + AT.maxFrequencyHz],
      minPowerW: f[at + AT.minPowerW],
      maxPowerW: f[at + AT.maxPowerW],
      kappa: f[at + AT.kappa],
      tokens: f[at + AT.tokens],
      samples: f[at + AT.samples],
      gains: g,
      uplinkBits: f[at + AT.uplinkBits],
      minSplitLayer: f[at + AT.minSplitLayer],
      maxSplitLayer: f[at + AT.maxSplitLayer],
      deadlineS: nullable(f[at + AT.deadlineS]),
      memoryBytes: nullable(f[at + AT.memoryBytes]),
      layerFlops: f[at + AT.layerFlops],
      activationBytesPerLayer: f[at + AT.activationBytesPerLayer],
      modes: modes[n],
      referenceMode: referenceMode[n],
      callOverheadS: f[at + AT.callOverheadS],
    };
  }
  return { ...instance, devices };
}
