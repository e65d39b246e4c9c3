// A starting assignment for instances too large for the certificate's tables: group g consecutive
// blocks into one (FLOPs, activations and bits add up; a device holding a group back-propagates
// to the group's first block, exactly as it would holding those blocks), certify the smaller
// instance, and hand every device the blocks of its groups. The coarse optimum is a real
// assignment of the full instance with the same latency, though not its optimum: only a seed.
// (When J is not a multiple of g the last group carries fewer bits and the coarse "proofs" are
// not exact; that costs nothing here, since only the assignment is used, never the bound.)

import { certifyBlocks, computeLowerS } from './certify.js';
import { BlocksModel } from './cost.js';
import { placement } from './feasibility.js';
import { RunCosts } from './runs.js';
import type { Block, BlockAssignment } from './types.js';

/** the largest run table the coarse certificate builds (above it, a full table is slow to search) */
export const COARSE_TABLE_ENTRIES = 200_000;

function grouped(model: BlocksModel, g: number): BlocksModel {
  const { blocks } = model.instance;
  const out: Block[] = [];
  for (let from = 0; from < blocks.length; from += g) {
    const part = blocks.slice(from, from + g);
    out.push({
      forwardFlops: part.reduce((s, b) => s + b.forwardFlops, 0),
      backwardFlops: part.reduce((s, b) => s + b.backwardFlops, 0),
      activationBytes: part.reduce((s, b) => s + b.activationBytes, 0),
      bits: part.reduce((s, b) => s + b.bits, 0),
    });
  }
  return new BlocksModel({ ...model.instance, blocks: out });
}

/** The best assignment the coarse certificate finds by the deadline, or null (no group size fits). */
export function coarseSeed(model: BlocksModel, cap: number, deadline: number): BlockAssignment | null {
  const { J, K } = model;
  // smallest group size whose table fits, preferring divisors of J (groups of equal bits)
  let g = 0;
  for (let d = 2; d <= J && g === 0; d++) {
    const Jc = Math.ceil(J / d);
    if (J % d === 0 && RunCosts.entries(Jc, K, Math.max(1, Math.floor(cap / d))) <= COARSE_TABLE_ENTRIES) g = d;
  }
  for (let d = 2; d <= J && g === 0; d++)
    if (RunCosts.entries(Math.ceil(J / d), K, Math.max(1, Math.floor(cap / d))) <= COARSE_TABLE_ENTRIES) g = d;
  const capGroups = Math.floor(cap / g);
  if (g === 0 || capGroups < 1) return null;
  const coarse = grouped(model, g);
  const placed = placement(coarse, capGroups >= coarse.J ? null : capGroups);
  if (placed.infeasibilities.length > 0) return null;
  const out = certifyBlocks(coarse, capGroups, [placed.assignment], computeLowerS(coarse), deadline, 1e-4);
  return out.assignment.map((groups) =>
    groups.flatMap((i) => Array.from({ length: Math.min(g, J - (i - 1) * g) }, (_, t) => (i - 1) * g + t + 1)),
  );
}
