// Entry point of SPEC §2 (cooperative block allocation): BlocksInput → BlocksResult, pure.
// GLPK (for the reported LP bound) must have been initialised in the calling thread with
// `await initGlpk()`; without it the bound falls back to the combinatorial one.

import { isGlpkReady } from '../solver/math/glpk.js';
import { equalBandwidth, publication, roundRobin, singleDevice, type BaselineOutcome } from './baselines.js';
import { lpBound } from './bound.js';
import { BlocksModel, evaluateOptimalSplit } from './cost.js';
import { exhaustiveBlocks } from './exhaustive.js';
import { placement } from './feasibility.js';
import { optimalSplitSettings, searchBlocks } from './search.js';
import type { BlockAssignment, BlockAssignmentOut, BlocksBaselineOut, BlocksInput, BlocksResult } from './types.js';
import { BLOCKS_ALGORITHM, BLOCKS_SOLVER_VERSION } from './version.js';

export { normalizeBlocksRequest } from './normalize.js';
export type { BlocksRequest } from './request.js';
export type * from './types.js';

export { BLOCKS_ALGORITHM, BLOCKS_SOLVER_VERSION } from './version.js';

/** Relative tolerance under which the bound "meets" the objective (status OPTIMAL). */
export const OPTIMALITY_TOLERANCE = 1e-6;

export interface BlocksTuning {
  /** enumerate every assignment when K^J is at most this (default 4096; 0 disables) */
  exhaustiveLimit?: number;
  /** compute the GLPK LP bound (default true when GLPK is initialised) */
  lpBound?: boolean;
}

function describe(model: BlocksModel, assignment: BlockAssignment): BlockAssignmentOut[] {
  const ev = evaluateOptimalSplit(model, assignment);
  return model.instance.devices.map((d, k) => {
    const blocks = [...assignment[k]].sort((a, b) => a - b);
    return {
      deviceId: d.id,
      blocks,
      bandwidthHz: ev.bandwidthHz[k],
      computeS: ev.computeS[k],
      uploadS: ev.uploadS[k],
      latencyS: ev.latencyS[k],
      memoryBytes: blocks.length ? model.memoryBytes(blocks[0]) : 0,
    };
  });
}

export function solveBlocks(input: BlocksInput, tuning: BlocksTuning = {}): BlocksResult {
  const start = performance.now();
  const { instance, options } = input;
  const limit = options.timeLimitMs;
  const at = (fraction: number) => start + fraction * limit;
  const model = new BlocksModel(instance);
  const cap = options.maxBlocksPerDevice ?? model.J;
  const solver = (): BlocksResult['solver'] => ({ algorithm: BLOCKS_ALGORITHM, version: BLOCKS_SOLVER_VERSION, solveTimeMs: performance.now() - start });

  const placed = placement(model, options.maxBlocksPerDevice);
  if (placed.infeasibilities.length > 0) {
    return {
      status: 'INFEASIBLE',
      assignments: instance.devices.map((d) => ({ deviceId: d.id, blocks: [], bandwidthHz: 0, computeS: 0, uploadS: 0, latencyS: 0, memoryBytes: 0 })),
      baselines: [],
      infeasibilities: placed.infeasibilities,
      solver: solver(),
    };
  }

  // Baselines first: they are reported and they seed our search (so ours is never worse).
  const baselineRuns: { name: BlocksBaselineOut['name']; out: BaselineOutcome }[] = [];
  const rr = roundRobin(model, cap);
  const single = singleDevice(model, cap);
  const seeds: BlockAssignment[] = [placed.assignment];
  if (rr.assignment) seeds.push(rr.assignment);
  if (single.assignment) seeds.push(single.assignment);
  if (options.baselines) {
    const pub = publication(model, cap, at(0.15));
    const eq = equalBandwidth(model, cap, at(0.3), seeds);
    baselineRuns.push({ name: 'publication', out: pub }, { name: 'equal-bandwidth', out: eq }, { name: 'round-robin', out: rr }, { name: 'single-device', out: single });
    for (const b of [pub, eq]) if (b.assignment) seeds.push(b.assignment);
  }

  let timedOut = false;
  let best: BlockAssignment;
  let objective: number;
  let bound = 0;
  const exhaustiveLimit = tuning.exhaustiveLimit ?? 4096;
  if (model.K ** model.J <= exhaustiveLimit) {
    const ex = exhaustiveBlocks(model, cap, at(0.9));
    if (ex.complete && ex.assignment) {
      best = ex.assignment;
      objective = ex.roundLatencyS;
      bound = objective;
    } else {
      timedOut = !ex.complete;
      const out = searchBlocks(optimalSplitSettings(model, cap, at(0.9)), ex.assignment ? [ex.assignment, ...seeds] : seeds, 0);
      best = out.assignment!;
      objective = out.roundLatencyS;
    }
  } else {
    const out = searchBlocks(optimalSplitSettings(model, cap, at(0.75)), seeds, 0);
    timedOut = out.timedOut;
    best = out.assignment!;
    objective = out.roundLatencyS;
    bound = out.provenLowerS;
    if ((tuning.lpBound ?? true) && isGlpkReady() && objective - bound > OPTIMALITY_TOLERANCE * objective) {
      const lp = lpBound(model, options.maxBlocksPerDevice, bound, objective, at(0.9));
      bound = Math.max(bound, lp.boundS);
    }
  }
  // report the evaluated latency of the chosen assignment (identical to objective up to rounding)
  const assignments = describe(model, best);
  objective = Math.max(...assignments.map((a) => a.latencyS));
  bound = Math.min(bound, objective);
  const gap = objective > 0 ? (objective - bound) / objective : 0;
  const optimal = gap <= OPTIMALITY_TOLERANCE;
  const result: BlocksResult = {
    status: optimal ? 'OPTIMAL' : 'FEASIBLE',
    roundLatencyS: objective,
    bound,
    gap,
    assignments,
    baselines: baselineRuns.map((b) => ({ name: b.name, roundLatencyS: b.out.roundLatencyS })),
    solver: solver(),
  };
  if (timedOut && !optimal) result.limit = 'TIME';
  return result;
}
