// Entry point of docs/model.md §2 (cooperative block allocation): BlocksInput → BlocksResult, pure.
// GLPK (for the reported LP bound) must have been initialised in the calling thread with
// `await initGlpk()`; without it the bound falls back to the combinatorial one.

import { isGlpkReady } from '../solver/math/glpk.js';
import { equalBandwidth, publication, roundRobin, singleDevice, type BaselineOutcome } from './baselines.js';
import { lpBound } from './bound.js';
import { certifyBlocks, computeLowerS } from './certify.js';
import { COARSE_TABLE_ENTRIES, coarseSeed } from './coarse.js';
import { BlocksModel, evaluateOptimalSplit } from './cost.js';
import { exhaustiveBlocks } from './exhaustive.js';
import { placement } from './feasibility.js';
import { RunCosts } from './runs.js';
import { optimalSplitSettings, searchBlocks } from './search.js';
import type { BlockAssignment, BlockAssignmentOut, BlocksBaselineOut, BlocksCertificate, BlocksInput, BlocksResult } from './types.js';
import { BLOCKS_ALGORITHM, BLOCKS_SOLVER_VERSION } from './version.js';
import { solverPerformanceNow } from '../solver/control.js';

export { normalizeBlocksRequest } from './normalize.js';
export type { BlocksRequest } from './request.js';
export type * from './types.js';

export { BLOCKS_ALGORITHM, BLOCKS_SOLVER_VERSION } from './version.js';

/** Relative tolerance under which the bound "meets" the objective (status OPTIMAL). */
const OPTIMALITY_TOLERANCE = 1e-6;
/** Gap the fixed-latency certificate closes to (below the tolerance, so a closed gap is OPTIMAL). */
const CERTIFY_TOLERANCE = 1e-7;
/** Largest run-cost table (entries, K·Σ_l min(cap, J−l+1)) the certificate builds per latency. */
const CERTIFY_TABLE_ENTRIES = 1_500_000;
/** Largest K·J for which the GLPK LP bound is attempted. */
const LP_BOUND_CELLS = 20_000;

interface BlocksTuning {
  /** enumerate every assignment when K^J is at most this (default 4096; 0 disables) */
  exhaustiveLimit?: number;
  /** compute the GLPK LP bound (default true when GLPK is initialised) */
  lpBound?: boolean;
  /** run the fixed-latency certificate when it applies (default true) */
  certify?: boolean;
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
  const uniformBits = instance.blocks.every((b) => b.bits === instance.blocks[0].bits);
  const tooLarge = RunCosts.entries(model.J, model.K, cap) > CERTIFY_TABLE_ENTRIES;
  const canCertify = uniformBits && isGlpkReady() && (tuning.certify ?? true);
  // too large for the certificate: certify a coarser instance (groups of blocks) for a seed, first,
  // so that it also seeds the equal-bandwidth baseline
  let shift = 0;
  if (canCertify && tooLarge) {
    shift = 0.15;
    const coarse = coarseSeed(model, cap, at(shift));
    if (coarse) seeds.push(coarse);
  }
  if (options.baselines) {
    const pub = publication(model, cap, at(0.15 + shift));
    const eq = equalBandwidth(model, cap, at(0.3 + shift), seeds);
    baselineRuns.push({ name: 'publication', out: pub }, { name: 'equal-bandwidth', out: eq }, { name: 'round-robin', out: rr }, { name: 'single-device', out: single });
    for (const b of [pub, eq]) if (b.assignment) seeds.push(b.assignment);
  }

  let timedOut = false;
  let best: BlockAssignment;
  let objective: number;
  let bound = 0;
  let certificate: BlocksCertificate;
  const exhaustiveLimit = tuning.exhaustiveLimit ?? 4096;
  const certifiable = canCertify && !tooLarge;
  if (model.K ** model.J <= exhaustiveLimit) {
    const ex = exhaustiveBlocks(model, cap, at(0.9));
    if (ex.complete && ex.assignment) {
      best = ex.assignment;
      objective = ex.roundLatencyS;
      bound = objective;
      certificate = { level: 'optimal', method: 'enumeration' };
    } else {
      timedOut = !ex.complete;
      const out = searchBlocks(optimalSplitSettings(model, cap, at(0.9)), ex.assignment ? [ex.assignment, ...seeds] : seeds, 0);
      best = out.assignment!;
      objective = out.roundLatencyS;
      bound = Math.max(out.provenLowerS, computeLowerS(model));
      certificate = { level: 'bound', method: 'relaxation', stoppedBy: 'time' };
    }
  } else if (certifiable) {
    // a large table makes every check slow: a coarse instance finds a close incumbent sooner
    if (RunCosts.entries(model.J, model.K, cap) > COARSE_TABLE_ENTRIES) {
      const coarse = coarseSeed(model, cap, at(0.5));
      if (coarse) seeds.push(coarse);
    }
    const out = certifyBlocks(model, cap, seeds, computeLowerS(model), at(0.85), CERTIFY_TOLERANCE);
    best = out.assignment;
    objective = out.roundLatencyS;
    bound = out.lowerS;
    if (!out.complete) {
      timedOut = true;
      // an integer program stopped the certificate early: spend what is left on the heuristic search
      if (solverPerformanceNow() < at(0.7)) {
        const more = searchBlocks(optimalSplitSettings(model, cap, at(0.9)), [best], bound);
        if (more.roundLatencyS < objective) {
          best = more.assignment!;
          objective = more.roundLatencyS;
        }
        bound = Math.max(bound, more.provenLowerS);
      }
    }
    certificate = { level: out.complete ? 'optimal' : 'bound', method: 'fixed-latency', checks: out.checks, integerPrograms: out.integerPrograms };
    if (!out.complete) certificate.stoppedBy = 'time';
  } else {
    const out = searchBlocks(optimalSplitSettings(model, cap, at(0.75)), seeds, 0);
    timedOut = out.timedOut;
    best = out.assignment!;
    objective = out.roundLatencyS;
    bound = Math.max(out.provenLowerS, computeLowerS(model));
    // the LP has 2·K·J columns: past LP_BOUND_CELLS GLPK could not finish (nor fit in memory)
    if ((tuning.lpBound ?? true) && isGlpkReady() && model.K * model.J <= LP_BOUND_CELLS && objective - bound > OPTIMALITY_TOLERANCE * objective) {
      const lp = lpBound(model, options.maxBlocksPerDevice, bound, objective, at(0.9));
      bound = Math.max(bound, lp.boundS);
    }
    certificate = { level: 'bound', method: 'relaxation' };
    if (!uniformBits) certificate.stoppedBy = 'unequal-bits';
    else if (tooLarge) certificate.stoppedBy = 'size';
  }
  // report the evaluated latency of the chosen assignment (identical to objective up to rounding)
  const assignments = describe(model, best);
  objective = Math.max(...assignments.map((a) => a.latencyS));
  bound = Math.min(bound, objective);
  const gap = objective > 0 ? (objective - bound) / objective : 0;
  const optimal = gap <= OPTIMALITY_TOLERANCE;
  if (optimal) {
    certificate.level = 'optimal';
    delete certificate.stoppedBy;
  } else certificate.level = 'bound';
  const result: BlocksResult = {
    status: optimal ? 'OPTIMAL' : 'FEASIBLE',
    roundLatencyS: objective,
    bound,
    gap,
    assignments,
    baselines: baselineRuns.map((b) => ({ name: b.name, roundLatencyS: b.out.roundLatencyS })),
    certificate,
    solver: solver(),
  };
  if (timedOut && !optimal) result.limit = 'TIME';
  return result;
}
