// The optimum and a bound that meets it (uniform block bits): bisection on the round latency T
// with the fixed-latency oracle. Every "no" is a proof, so the largest T answered "no" is a valid
// lower bound at any moment; every "yes" comes with an assignment whose own optimal split is
// evaluated exactly and can only be faster than T (often much faster: the bisection then jumps).

import { type BlocksModel, evaluateOptimalSplit } from './cost.js';
import { fixedLatencyOracle, type OracleStats, type OracleVerdict } from './oracle.js';
import type { BlockAssignment } from './types.js';
import { solverPerformanceNow } from '../solver/control.js';

interface CertifyOutcome {
  assignment: BlockAssignment;
  roundLatencyS: number;
  /** largest latency proven unreachable (a valid lower bound) */
  lowerS: number;
  /** the gap closed to the tolerance */
  complete: boolean;
  /** fixed-latency checks run, and how many needed the integer program */
  checks: number;
  integerPrograms: number;
}

/** A lower bound without search: whoever holds depth 1 back-propagates through the whole model. */
export function computeLowerS(model: BlocksModel): number {
  let lo = Infinity;
  for (let k = 0; k < model.K; k++) if (model.minDepth[k] <= 1) lo = Math.min(lo, model.computeS(k, 1));
  return Number.isFinite(lo) ? lo : 0;
}

/** The bisection's state: the incumbent above, the largest latency proven unreachable below. */
interface Bisection {
  incumbent: BlockAssignment | null;
  /** the incumbent's latency */
  hi: number;
  /** largest latency proven unreachable (or the bound it started from) */
  lo: number;
  /** device prices, carried from one latency to the next (a warm start) */
  lambda: Float64Array;
  checks: number;
  integerPrograms: number;
  /** how long the last check took, to know whether another fits */
  lastCheckMs: number;
}

/** Takes `assignment` as the incumbent when its own optimal split is faster. */
function offer(state: Bisection, model: BlocksModel, assignment: BlockAssignment): void {
  const v = evaluateOptimalSplit(model, assignment).roundLatencyS;
  if (v < state.hi) {
    state.hi = v;
    state.incumbent = assignment;
  }
}

/** Settles latency T if it can: a "no" raises the proven bound, a "yes" may bring an incumbent. */
function check(state: Bisection, model: BlocksModel, cap: number, T: number, deadline: number): OracleVerdict['kind'] {
  state.checks++;
  const stats: OracleStats = { lagrangianBoundHz: -Infinity, iterations: 0, arcs: 0, keptArcs: 0 };
  const t0 = performance.now();
  const v = fixedLatencyOracle(model, cap, T, { integerProgram: true, deadline, lambda: state.lambda }, stats);
  if (stats.mipMs !== undefined) state.integerPrograms++;
  state.lastCheckMs = performance.now() - t0;
  if (v.kind === 'feasible') offer(state, model, v.assignment);
  else if (v.kind === 'infeasible') {
    state.lo = Math.max(state.lo, T);
    if (v.candidate) offer(state, model, v.candidate);
  }
  return v.kind;
}

function gapOpen(state: Bisection, tolerance: number): boolean {
  return state.hi - state.lo > tolerance * state.hi;
}

export function certifyBlocks(
  model: BlocksModel,
  cap: number,
  seeds: BlockAssignment[],
  lowerS: number,
  deadline: number,
  tolerance: number,
): CertifyOutcome {
  const state: Bisection = {
    incumbent: null,
    hi: Infinity,
    lo: 0,
    lambda: new Float64Array(model.K),
    checks: 0,
    integerPrograms: 0,
    lastCheckMs: 0,
  };
  for (const s of seeds) offer(state, model, s);
  if (state.incumbent === null) throw new Error('certifyBlocks needs a seed assignment');
  state.lo = Math.min(lowerS, state.hi);

  // Once the prices alone no longer settle latencies (the integer program ran), ask once per
  // incumbent whether it is the optimum, just below its latency: near the optimum it usually is,
  // and one "no" closes the gap where bisection would need a check per halving.
  let probedAt = NaN;
  let lastUsedIp = false;
  // the smallest latency left unsettled: below it the prices still have a chance to prove "no"
  let unsettled = Infinity;
  // a check that cannot finish in the time left would only overrun it
  while (gapOpen(state, tolerance) && solverPerformanceNow() + state.lastCheckMs / 2 < deadline) {
    const { hi, lo } = state;
    let top = Math.min(hi, unsettled);
    // nothing left below it: try the unsettled range again (the prices start warmer each time)
    if (top - lo <= tolerance * hi) top = unsettled = hi;
    const probe = lastUsedIp && probedAt !== hi;
    if (probe) probedAt = hi;
    const T = probe ? hi * (1 - tolerance / 2) : 0.5 * (lo + top);
    const before = state.integerPrograms;
    const verdict = check(state, model, cap, T, deadline);
    if (verdict === 'unknown') unsettled = Math.min(unsettled, T);
    else if (verdict === 'feasible' && state.hi <= unsettled) unsettled = Infinity;
    lastUsedIp = state.integerPrograms > before;
  }
  return {
    assignment: state.incumbent,
    roundLatencyS: state.hi,
    lowerS: state.lo,
    complete: !gapOpen(state, tolerance),
    checks: state.checks,
    integerPrograms: state.integerPrograms,
  };
}
