// Entry point of docs/model.md §2 (cooperative block allocation): BlocksInput → BlocksResult, pure.
// GLPK (for the reported LP bound) must have been initialised in the calling thread with
// `await initGlpk()`; without it the bound falls back to the combinatorial one.

import { isGlpkReady } from '../solver/math/glpk.js';
import { equalBandwidth, publication, roundRobin, singleDevice, type BaselineOutcome } from './baselines.js';
import { bandBoundS } from './band-bound.js';
import { lpBound } from './bound.js';
import { certifyBlocks, computeLowerS } from './certify.js';
import { COARSE_TABLE_ENTRIES, coarseSeed } from './coarse.js';
import { BlocksModel, evaluateOptimalSplit } from './cost.js';
import { exhaustiveBlocks } from './exhaustive.js';
import { placement } from './feasibility.js';
import { RunCosts } from './runs.js';
import { optimalSplitSettings, searchBlocks } from './search.js';
import type {
  BlockAssignment,
  BlockAssignmentOut,
  BlocksBaselineOut,
  BlocksCertificate,
  BlocksInfeasibility,
  BlocksInput,
  BlocksResult,
  BlocksStatistics,
  BlocksTermination,
} from './types.js';
import { BLOCKS_ALGORITHM, BLOCKS_SOLVER_VERSION } from './version.js';
import { solverPerformanceNow, stopRequested } from '../solver/control.js';
import { addTracePoint, timePhase, type TracePoint } from '../solver/statistics.js';

export { normalizeBlocksRequest } from './normalize.js';

export type * from './types.js';

/**
 * The finest gap the proof resolves: with options.relativeGap below it (0: prove to the end) the
 * bound "meets" the objective (status OPTIMAL) at this gap. The latency is continuous: bisection
 * closes on it, never reaches it exactly.
 */
const OPTIMALITY_TOLERANCE = 1e-6;
/** Finest gap the fixed-latency certificate closes to (below the one above, so a closed gap is OPTIMAL). */
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

/**
 * Shares of the time limit at which each phase must end (performance.now() via a Clock). Phases
 * run in this order; each leaves room for the next and for the answer.
 */
const SHARE = {
  /** the least the band bound gets on the relaxation path, from when it starts, when the phases before it overran */
  bandLeast: 0.05,
  /** the coarse seed of an instance too large for the certificate (before the baselines) */
  coarseBeforeBaselines: 0.15,
  /** the publication's method (shifted by the coarse seed's share when there is one) */
  publication: 0.15,
  equalBandwidth: 0.3,
  /** the coarse seed of a certifiable instance whose tables are large */
  coarseSeed: 0.5,
  /** the search after an unfinished certificate starts only before this */
  searchAfterCertificate: 0.7,
  /** the relaxation search (unequal bits, tables too large), then the LP bound */
  relaxation: 0.75,
  certificate: 0.85,
  /** enumeration, the searches that follow it, and the LP bound */
  last: 0.9,
} as const;

/** performance.now() at a share of the time limit */
type Clock = (fraction: number) => number;

/** The seeds of the search (placements, baselines' assignments) and the baselines to report. */
interface Seeding {
  seeds: BlockAssignment[];
  baselines: BlocksBaselineOut[];
}

/** What one method found: an assignment, its latency, a bound, how far the proof got. */
interface Found {
  assignment: BlockAssignment;
  roundLatencyS: number;
  boundS: number;
  certificate: BlocksCertificate;
  /** why the method stopped: its answer proven within the tolerance, its own end, or the clock */
  stop: 'gap' | 'converged' | 'time';
}

/**
 * What the run records for solver.statistics as it goes: phase times, steps over the latency, and
 * the best round latency and bound so far. Bookkeeping only: no decision reads it.
 */
class Run {
  readonly phasesMs: Record<string, number> = {};
  readonly trace: TracePoint[] = [];
  steps = 0;
  private objective = Infinity;
  private bound = -Infinity;

  constructor(readonly startedAt: number) {}

  phase<T>(name: string, run: () => T): T {
    return timePhase(this.phasesMs, name, run);
  }

  /** A point of the trace when the round latency (s) or its bound improved. */
  offer(objectiveS: number, boundS: number): void {
    const better = objectiveS < this.objective || boundS > this.bound;
    this.objective = Math.min(this.objective, objectiveS);
    this.bound = Math.max(this.bound, boundS);
    if (!better) return;
    addTracePoint(this.trace, {
      atMs: performance.now() - this.startedAt,
      ...(Number.isFinite(this.objective) ? { objective: this.objective } : {}),
      ...(Number.isFinite(this.bound) ? { bound: Math.min(this.bound, this.objective) } : {}),
    });
  }
}

/** The gap at which status is OPTIMAL, and the one the proof may stop at (options.relativeGap). */
interface Tolerance {
  relativeGap: number;
  /** max(relativeGap, OPTIMALITY_TOLERANCE) */
  optimal: number;
}

/** Where the certificate applies, and which instances are too large for its tables. */
interface Reach {
  canCertify: boolean;
  tooLarge: boolean;
}

function infeasibleAnswer(
  instance: BlocksInput['instance'],
  infeasibilities: BlocksInfeasibility[],
  relativeGap: number,
  solver: BlocksResult['solver'],
): BlocksResult {
  return {
    status: 'INFEASIBLE',
    termination: 'CONVERGED',
    relativeGap,
    assignments: instance.devices.map((d) => ({
      deviceId: d.id,
      blocks: [],
      bandwidthHz: 0,
      computeS: 0,
      uploadS: 0,
      latencyS: 0,
      memoryBytes: 0,
    })),
    baselines: [],
    infeasibilities,
    solver,
  };
}

/** Baselines first: they are reported and they seed our search (so ours is never worse). */
function seedAndBaselines(
  model: BlocksModel,
  cap: number,
  placed: BlockAssignment,
  reach: Reach,
  withBaselines: boolean,
  at: Clock,
): Seeding {
  const rr = roundRobin(model, cap);
  const single = singleDevice(model, cap);
  const seeds: BlockAssignment[] = [placed];
  if (rr.assignment) seeds.push(rr.assignment);
  if (single.assignment) seeds.push(single.assignment);
  // too large for the certificate: certify a coarser instance (groups of blocks) for a seed, first,
  // so that it also seeds the equal-bandwidth baseline
  let shift = 0;
  if (reach.canCertify && reach.tooLarge) {
    shift = SHARE.coarseBeforeBaselines;
    const coarse = coarseSeed(model, cap, at(shift));
    if (coarse) seeds.push(coarse);
  }
  if (!withBaselines) return { seeds, baselines: [] };
  const pub = publication(model, cap, at(SHARE.publication + shift));
  const eq = equalBandwidth(model, cap, at(SHARE.equalBandwidth + shift), seeds);
  for (const b of [pub, eq]) if (b.assignment) seeds.push(b.assignment);
  const runs: { name: BlocksBaselineOut['name']; out: BaselineOutcome }[] = [
    { name: 'publication', out: pub },
    { name: 'equal-bandwidth', out: eq },
    { name: 'round-robin', out: rr },
    { name: 'single-device', out: single },
  ];
  return { seeds, baselines: runs.map((b) => ({ name: b.name, roundLatencyS: b.out.roundLatencyS })) };
}

/** Tiny instances: every assignment scored; the search if enumeration runs out of time. */
function enumerate(model: BlocksModel, cap: number, seeds: BlockAssignment[], tolerance: Tolerance, at: Clock, run: Run): Found {
  const ex = run.phase('enumeration', () => exhaustiveBlocks(model, cap, at(SHARE.last)));
  if (ex.complete && ex.assignment) {
    const objective = ex.roundLatencyS;
    run.offer(objective, objective);
    return {
      assignment: ex.assignment,
      roundLatencyS: objective,
      boundS: objective,
      certificate: { level: 'optimal', method: 'enumeration' },
      stop: 'converged',
    };
  }
  const floorS = computeLowerS(model);
  const stop = { relativeGap: tolerance.relativeGap, knownLowerS: floorS };
  const out = run.phase('search', () =>
    searchBlocks(optimalSplitSettings(model, cap, at(SHARE.last)), ex.assignment ? [ex.assignment, ...seeds] : seeds, 0, stop),
  );
  run.steps += out.steps;
  run.offer(out.roundLatencyS, Math.max(out.provenLowerS, floorS));
  return {
    assignment: out.assignment!,
    roundLatencyS: out.roundLatencyS,
    boundS: Math.max(out.provenLowerS, floorS),
    certificate: { level: 'bound', method: 'relaxation', stoppedBy: 'time' },
    stop: !ex.complete ? 'time' : out.stoppedAtGap ? 'gap' : 'converged',
  };
}

/** Equal bits, tables that fit: bisection on the latency with every latency settled exactly. */
function certify(model: BlocksModel, cap: number, seeds: BlockAssignment[], tolerance: Tolerance, at: Clock, run: Run): Found {
  // a large table makes every check slow: a coarse instance finds a close incumbent sooner
  if (RunCosts.entries(model.J, model.K, cap) > COARSE_TABLE_ENTRIES) {
    const coarse = run.phase('coarseSeed', () => coarseSeed(model, cap, at(SHARE.coarseSeed)));
    if (coarse) seeds = [...seeds, coarse];
  }
  // the certificate stops at the gap asked for, or closes to its finest
  const closeTo = Math.max(tolerance.relativeGap, CERTIFY_TOLERANCE);
  const out = run.phase('certificate', () => certifyBlocks(model, cap, seeds, computeLowerS(model), at(SHARE.certificate), closeTo));
  run.steps += out.checks;
  run.offer(out.roundLatencyS, out.lowerS);
  const found: Found = {
    assignment: out.assignment,
    roundLatencyS: out.roundLatencyS,
    boundS: out.lowerS,
    certificate: {
      level: out.complete ? 'optimal' : 'bound',
      method: 'fixed-latency',
      checks: out.checks,
      integerPrograms: out.integerPrograms,
    },
    stop: !out.complete ? 'time' : closeTo > CERTIFY_TOLERANCE ? 'gap' : 'converged',
  };
  if (out.complete) return found;
  found.certificate.stoppedBy = 'time';
  // an integer program stopped the certificate early: spend what is left on the heuristic search
  if (solverPerformanceNow() < at(SHARE.searchAfterCertificate)) {
    const stop = { relativeGap: tolerance.relativeGap, knownLowerS: found.boundS };
    const more = run.phase('search', () =>
      searchBlocks(optimalSplitSettings(model, cap, at(SHARE.last)), [found.assignment], found.boundS, stop),
    );
    run.steps += more.steps;
    run.offer(more.roundLatencyS, more.provenLowerS);
    if (more.roundLatencyS < found.roundLatencyS) {
      found.assignment = more.assignment!;
      found.roundLatencyS = more.roundLatencyS;
    }
    found.boundS = Math.max(found.boundS, more.provenLowerS);
  }
  return found;
}

/** Unequal bits or tables too large: the run-relaxation search, and the LP bound where it fits. */
function relax(
  model: BlocksModel,
  options: BlocksInput['options'],
  cap: number,
  seeds: BlockAssignment[],
  reach: Reach,
  uniformBits: boolean,
  withLp: boolean,
  tolerance: Tolerance,
  limitMs: number,
  at: Clock,
  run: Run,
): Found {
  const floorS = computeLowerS(model);
  const out = run.phase('search', () =>
    searchBlocks(optimalSplitSettings(model, cap, at(SHARE.relaxation)), seeds, 0, {
      relativeGap: tolerance.relativeGap,
      knownLowerS: floorS,
    }),
  );
  run.steps += out.steps;
  const objective = out.roundLatencyS;
  const searchBound = Math.max(out.provenLowerS, floorS);
  run.offer(objective, searchBound);
  let bound = searchBound;
  // the shared band: a bound at any size, well above the compute floor where uploads dominate. At
  // the largest sizes the phases before it may overrun their shares: it still gets a slice
  if (objective - bound > tolerance.optimal * objective) {
    const until = Math.max(at(SHARE.last), performance.now() + SHARE.bandLeast * limitMs);
    const from = bound;
    bound = Math.max(
      bound,
      run.phase('bandBound', () => bandBoundS(model, cap, from, objective, until)),
    );
    run.offer(objective, bound);
  }
  // the LP has 2·K·J columns: past LP_BOUND_CELLS GLPK could not finish (nor fit in memory)
  if (withLp && model.K * model.J <= LP_BOUND_CELLS && objective - bound > tolerance.optimal * objective) {
    // from the search's bound, as before the band bound: its bisection then lands where it did
    const lp = run.phase('lpBound', () => lpBound(model, options.maxBlocksPerDevice, searchBound, objective, at(SHARE.last)));
    bound = Math.max(bound, lp.boundS);
    run.offer(objective, bound);
  }
  const certificate: BlocksCertificate = { level: 'bound', method: 'relaxation' };
  if (!uniformBits) certificate.stoppedBy = 'unequal-bits';
  else if (reach.tooLarge) certificate.stoppedBy = 'size';
  return {
    assignment: out.assignment!,
    roundLatencyS: objective,
    boundS: bound,
    certificate,
    stop: out.timedOut ? 'time' : out.stoppedAtGap ? 'gap' : 'converged',
  };
}

/**
 * Why the solve ended. A proven answer: GAP, unless the method ended on its own (enumeration, a
 * certificate closed to its finest); otherwise TIME, or INTERRUPTED when a stop (cancel,
 * disconnect, shutdown) rather than the clock cut it short, or CONVERGED (the search ended and
 * its bound stayed short: the relaxation path).
 */
function terminationOf(found: Found, proven: boolean): BlocksTermination {
  if (proven) return found.stop === 'converged' ? 'CONVERGED' : 'GAP';
  if (found.stop === 'time') return stopRequested() ? 'INTERRUPTED' : 'TIME';
  return 'CONVERGED';
}

/** The answer: the chosen assignment's evaluated latency, the bound under it, the gap, status and termination. */
function answer(
  model: BlocksModel,
  found: Found,
  baselines: BlocksBaselineOut[],
  tolerance: Tolerance,
  run: Run,
  solver: (termination: BlocksTermination) => BlocksResult['solver'],
): BlocksResult {
  // report the evaluated latency of the chosen assignment (identical to the found one up to rounding)
  const assignments = run.phase('answer', () => describe(model, found.assignment));
  const objective = Math.max(...assignments.map((a) => a.latencyS));
  const bound = Math.min(found.boundS, objective);
  const gap = objective > 0 ? (objective - bound) / objective : 0;
  const optimal = gap <= tolerance.optimal;
  const termination = terminationOf(found, optimal);
  run.offer(objective, bound);
  const certificate = found.certificate;
  if (optimal) {
    certificate.level = 'optimal';
    delete certificate.stoppedBy;
  } else certificate.level = 'bound';
  const result: BlocksResult = {
    status: optimal ? 'OPTIMAL' : 'FEASIBLE',
    termination,
    relativeGap: tolerance.relativeGap,
    roundLatencyS: objective,
    bound,
    gap,
    assignments,
    baselines,
    certificate,
    solver: solver(termination),
  };
  // a stopped solve may do better given its time: never a final answer (for the cache)
  if (termination === 'TIME' || termination === 'INTERRUPTED') result.limit = 'TIME';
  return result;
}

export function solveBlocks(input: BlocksInput, tuning: BlocksTuning = {}): BlocksResult {
  const start = performance.now();
  const { instance, options } = input;
  const at: Clock = (fraction) => start + fraction * options.timeLimitMs;
  const model = new BlocksModel(instance);
  const cap = options.maxBlocksPerDevice ?? model.J;
  const run = new Run(start);
  const solver = (termination: BlocksTermination): BlocksResult['solver'] => {
    const statistics: BlocksStatistics = { termination, phasesMs: run.phasesMs, searchSteps: run.steps, trace: run.trace };
    return { algorithm: BLOCKS_ALGORITHM, version: BLOCKS_SOLVER_VERSION, solveTimeMs: performance.now() - start, statistics };
  };

  const placed = run.phase('placement', () => placement(model, options.maxBlocksPerDevice));
  if (placed.infeasibilities.length > 0)
    return infeasibleAnswer(instance, placed.infeasibilities, options.relativeGap, solver('CONVERGED'));
  const tolerance: Tolerance = { relativeGap: options.relativeGap, optimal: Math.max(options.relativeGap, OPTIMALITY_TOLERANCE) };

  const uniformBits = instance.blocks.every((b) => b.bits === instance.blocks[0].bits);
  const reach: Reach = {
    canCertify: uniformBits && isGlpkReady() && (tuning.certify ?? true),
    tooLarge: RunCosts.entries(model.J, model.K, cap) > CERTIFY_TABLE_ENTRIES,
  };
  const method =
    model.K ** model.J <= (tuning.exhaustiveLimit ?? 4096) ? 'enumerate' : reach.canCertify && !reach.tooLarge ? 'certify' : 'relax';
  const { seeds, baselines } = run.phase('baselines', () => seedAndBaselines(model, cap, placed.assignment, reach, options.baselines, at));
  let found: Found;
  if (method === 'enumerate') found = enumerate(model, cap, seeds, tolerance, at, run);
  else if (method === 'certify') found = certify(model, cap, seeds, tolerance, at, run);
  else
    found = relax(
      model,
      options,
      cap,
      seeds,
      reach,
      uniformBits,
      (tuning.lpBound ?? true) && isGlpkReady(),
      tolerance,
      options.timeLimitMs,
      at,
      run,
    );
  return answer(model, found, baselines, tolerance, run, solver);
}
