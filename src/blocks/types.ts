// Normalised block-allocation problem (docs/model.md §2) and the shape of its answer. Pure data.

import type { SolveStatus } from '../model/types.js';
import type { RunStatistics, Termination } from '../solver/statistics.js';

export interface Block {
  forwardFlops: number;
  backwardFlops: number;
  activationBytes: number;
  bits: number;
}

export interface BlocksDevice {
  id: string;
  flopsPerSecond: number;
  memoryBytes: number;
  powerW: number;
  channelGain: number;
}

export interface BlocksInstance {
  /** blocks[j − 1] sits at depth j */
  blocks: Block[];
  weightBytes: number;
  devices: BlocksDevice[];
  bandwidthHz: number;
  noiseWPerHz: number;
}

export interface BlocksOptions {
  timeLimitMs: number;
  baselines: boolean;
  /** null = no limit */
  maxBlocksPerDevice: number | null;
  /** stop once (roundLatencyS − bound) / roundLatencyS is at most this; 0: prove to the end */
  relativeGap: number;
}

/** What solveBlocks consumes: the output of normalizeBlocksRequest. */
export interface BlocksInput {
  instance: BlocksInstance;
  options: BlocksOptions;
}

/** A candidate answer: blocks (1-based depths, ascending) per device, indexed like devices. */
export type BlockAssignment = number[][];

export interface BlockAssignmentOut {
  deviceId: string;
  /** depths, 1-based, ascending */
  blocks: number[];
  bandwidthHz: number;
  computeS: number;
  uploadS: number;
  latencyS: number;
  memoryBytes: number;
}

export interface BlocksBaselineOut {
  name: 'publication' | 'equal-bandwidth' | 'round-robin' | 'single-device';
  /** null when the baseline finds no assignment that fits memory / maxBlocksPerDevice */
  roundLatencyS: number | null;
}

export interface BlocksInfeasibility {
  constraint: 'memory' | 'maxBlocksPerDevice';
  /** depths (1-based) of the blocks that cannot be placed */
  blocks: number[];
  detail: string;
}

/** How far the proof of the reported bound got. */
export interface BlocksCertificate {
  /** optimal: the bound meets the answer within the tolerance; bound: a valid lower bound only */
  level: 'optimal' | 'bound';
  /**
   * enumeration: every assignment scored; fixed-latency: bisection on the round latency, each
   * latency settled exactly (device-priced run paths, then an integer program); relaxation: the
   * run relaxation and the LP relaxation (a bound, no optimality proof)
   */
  method: 'enumeration' | 'fixed-latency' | 'relaxation';
  /** why the proof stopped short (level 'bound' only) */
  stoppedBy?: 'time' | 'size' | 'unequal-bits';
  /** fixed-latency checks run, and how many of them needed the integer program */
  checks?: number;
  integerPrograms?: number;
}

/** Why a solve ended (INFEASIBLE: CONVERGED, the placement proves it); as allocate's. */
export type BlocksTermination = Termination;

/** How a block solve went: RunStatistics (reason, phase times, round latency and bound over time) and its steps. */
export interface BlocksStatistics extends RunStatistics {
  /** steps over the round latency: bisection steps of the searches and fixed-latency checks of the certificate */
  searchSteps: number;
}

export interface BlocksResult {
  status: SolveStatus;
  /** why the solve ended (INFEASIBLE: CONVERGED, the placement proves it) */
  termination: BlocksTermination;
  /** the tolerance the solve stopped at (options.relativeGap) */
  relativeGap: number;
  /** TIME when the time limit or a stop ended the solve before its proof */
  limit?: 'TIME';
  roundLatencyS?: number;
  bound?: number;
  gap?: number;
  assignments: BlockAssignmentOut[];
  baselines: BlocksBaselineOut[];
  infeasibilities?: BlocksInfeasibility[];
  certificate?: BlocksCertificate;
  solver: { algorithm: string; version: string; solveTimeMs: number; statistics: BlocksStatistics };
}
