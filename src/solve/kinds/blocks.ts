// POST /allocate/blocks: cooperative block allocation (docs/model.md §2).
import { requestHash, withoutRelativeGap } from '../../cache/key.js';
import { normalizeBlocksRequest } from '../../blocks/normalize.js';
import type { BlocksRequest } from '../../blocks/request.js';
import type { BlocksInput, BlocksResult } from '../../blocks/types.js';
import { BLOCKS_SOLVER_VERSION } from '../../blocks/version.js';
import { minBlocksTimeLimitMs } from '../../model/time-floor.js';
import { defineKind } from './spec.js';

export const blocksKind = defineKind<BlocksRequest, BlocksInput, BlocksInput, BlocksResult>({
  solverVersion: BLOCKS_SOLVER_VERSION,
  normalize: normalizeBlocksRequest,
  hash: (input) =>
    requestHash({
      kind: 'blocks',
      solverVersion: BLOCKS_SOLVER_VERSION,
      input: { ...input, options: withoutRelativeGap(input.options) },
    }),
  floorMs: ({ instance }) => minBlocksTimeLimitMs(instance.devices.length, instance.blocks.length),
  toThread: (input, options) => ({ ...input, options }),
});
