// Can every block be placed at all? Memory caps and maxBlocksPerDevice only (any latency is
// reachable with enough time). Block j fits device k iff j ≥ minDepth_k; these eligibility sets
// are nested, so placing blocks shallow-first on any eligible device with room is a maximum
// matching, and the blocks left over are exactly the ones that cannot be placed.

import type { BlocksModel } from './cost.js';
import type { BlockAssignment, BlocksInfeasibility } from './types.js';

/** Infeasibilities (empty when every block can be placed) and the greedy placement itself. */
export function placement(
  model: BlocksModel,
  maxBlocksPerDevice: number | null,
): { infeasibilities: BlocksInfeasibility[]; assignment: BlockAssignment } {
  const cap = maxBlocksPerDevice ?? model.J;
  const room = Array.from({ length: model.K }, () => cap);
  const order = [...room.keys()].sort((a, b) => model.minDepth[b] - model.minDepth[a]);
  const sets: BlockAssignment = Array.from({ length: model.K }, () => []);
  const noMemory: number[] = [];
  const noRoom: number[] = [];
  for (let j = 1; j <= model.J; j++) {
    const eligible = order.filter((k) => model.minDepth[k] <= j);
    if (eligible.length === 0) {
      noMemory.push(j);
      continue;
    }
    const k = eligible.find((d) => room[d] > 0);
    if (k === undefined) noRoom.push(j);
    else {
      room[k]--;
      sets[k].push(j);
    }
  }
  const out: BlocksInfeasibility[] = [];
  if (noMemory.length > 0) {
    const deepest = noMemory[noMemory.length - 1];
    out.push({
      constraint: 'memory',
      blocks: noMemory,
      detail: `no device has memory for back-propagation down to depth ${deepest} (needs ${model.memoryBytes(deepest)} bytes)`,
    });
  }
  if (noRoom.length > 0) {
    out.push({
      constraint: 'maxBlocksPerDevice',
      blocks: noRoom,
      detail: `devices with enough memory can hold at most ${cap} blocks each; ${noRoom.length} block(s) are left over`,
    });
  }
  return { infeasibilities: out, assignment: sets };
}
