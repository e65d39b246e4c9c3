// Plain-data shape of a POST /allocate/blocks body (docs/model.md §2), JSON names exactly as there.
// The HTTP schema validates against this shape; the block model depends only on these types.

/** One trainable block, explicit form (index 0 = depth 1, nearest the input). */
export interface BlockSpec {
  /** forward FLOPs of the layer, φ_i */
  forwardFlops: number;
  /** backward FLOPs of the layer, β_i */
  backwardFlops: number;
  /** stored activation bytes of the layer, a_i */
  activationBytes: number;
  /** bits uploaded when the block is updated, σ_i */
  bits: number;
}

interface ExplicitBlocksModel {
  blocks: BlockSpec[];
  /** memory of the model weights, M_weights (bytes) */
  weightBytes: number;
}

/** Transformer description: one block per layer, quantities derived as in docs/model.md §2. */
export interface TransformerBlocksModel {
  layers: number;
  hiddenSize: number;
  tokens: number;
  batchSize: number;
  bytesPerActivation?: number; // default 2
  adapterRank?: number; // default 16
}

type BlocksModelSpec = ExplicitBlocksModel | TransformerBlocksModel;

export interface BlocksDeviceSpec {
  id: string;
  flopsPerSecond: number;
  memoryBytes: number;
  powerW: number;
  /** linear channel gain to the edge server */
  channelGain: number;
}

export interface BlocksOptionsSpec {
  timeLimitMs?: number;
  baselines?: boolean;
  /** absent = no limit; 1 = the publication's one-to-one matching */
  maxBlocksPerDevice?: number;
  /** stop once the gap is at most this (default 1e-4; 0 = prove to the end) */
  relativeGap?: number;
  /** the former name of relativeGap, still accepted (relativeGap wins when both are given) */
  gapTolerance?: number;
}

export interface BlocksRequest {
  model: BlocksModelSpec;
  devices: BlocksDeviceSpec[];
  bandwidthHz: number;
  channel?: { noiseDbmPerHz?: number };
  options?: BlocksOptionsSpec;
}
