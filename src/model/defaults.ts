// The model's defaults (docs/model.md §1.1) in one place, so normalise, docs and tests agree.

export const DEFAULTS = {
  bytesPerActivation: 2,
  adapterRank: 16,
  zerothOrderStepMultiplier: 20,
  callOverheadS: 0.01,
  noiseDbmPerHz: -174,
  weights: { delay: 1, energy: 1, stability: 1 },
  normalize: true,
  lipschitz: 1,
  includeUplinkDelay: true,
  timeLimitMs: 2000,
  baselines: true,
  algorithm: 'auto' as const,
  seed: 1,
  /** the solve stops once (objective − bound) / objective is at most this (options.relativeGap) */
  relativeGap: 1e-4,
  /** zeroth-order query counts the solver may choose from (docs/model.md §1.5) */
  zerothOrderQueries: [1, 2, 4, 8, 16],
};

/** Largest time limit a caller may ask for: solves hold a worker thread. */
export const MAX_TIME_LIMIT_MS = 60_000;

const GAIN_AT_1_KM = 10 ** (-128.1 / 10);

/** Path loss of docs/model.md §1.1: PL(dB) = 128.1 + 37.6·log10(d km); gain = 10^(−PL/10). */
export function gainFromDistanceM(distanceM: number): number {
  const km = Math.max(distanceM, 1) / 1000; // 1 m floor: the model is not meant for the near field
  // 10^(−(128.1 + 37.6·log10 km)/10), as one power: it runs once per (device, server) pair.
  return GAIN_AT_1_KM * km ** -3.76;
}

export function dbmPerHzToWPerHz(dbm: number): number {
  return 10 ** ((dbm - 30) / 10);
}
