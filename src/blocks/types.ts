// Normalised block-allocation problem (SPEC §2) and the shape of its answer. Pure data.

import type { SolveStatus } from '../model/types.js';

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

export interface BlocksResult {
  status: SolveStatus;
  limit?: 'TIME';
  roundLatencyS?: number;
  bound?: number;
  gap?: number;
  assignments: BlockAssignmentOut[];
  baselines: BlocksBaselineOut[];
  infeasibilities?: BlocksInfeasibility[];
  solver: { algorithm: string; version: string; solveTimeMs: number };
}
