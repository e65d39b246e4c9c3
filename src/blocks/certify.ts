// The optimum and a bound that meets it (uniform block bits): bisection on the round latency T
// with the fixed-latency oracle. Every "no" is a proof, so the largest T answered "no" is a valid
// lower bound at any moment; every "yes" comes with an assignment whose own optimal split is
// evaluated exactly and can only be faster than T (often much faster: the bisection then jumps).

import { type BlocksModel, evaluateOptimalSplit } from './cost.js';
import { fixedLatencyOracle, type OracleStats } from './oracle.js';
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

export function certifyBlocks(model: BlocksModel, cap: number, seeds: BlockAssignment[], lowerS: number, deadline: number, tolerance: number): CertifyOutcome {
  let incumbent: BlockAssignment | null = null;
  let hi = Infinity;
  const offer = (a: BlockAssignment) => {
    const v = evaluateOptimalSplit(model, a).roundLatencyS;
    if (v < hi) {
      hi = v;
      incumbent = a;
    }
  };
  for (const s of seeds) offer(s);
  if (incumbent === null) throw new Error('certifyBlocks needs a seed assignment');
  let lo = Math.min(lowerS, hi);
  const lambda = new Float64Array(model.K);
  let checks = 0;
  let integerPrograms = 0;
  const open = () => hi - lo > tolerance * hi;
  let lastCheckMs = 0;
  const oracle = (T: number) => {
    checks++;
    const stats: OracleStats = { lagrangianBoundHz: -Infinity, iterations: 0, arcs: 0, keptArcs: 0 };
    const t0 = performance.now();
    const v = fixedLatencyOracle(model, cap, T, { integerProgram: true, deadline, lambda }, stats);
    if (stats.mipMs !== undefined) integerPrograms++;
    lastCheckMs = performance.now() - t0;
    if (v.kind === 'feasible') offer(v.assignment);
    else if (v.kind === 'infeasible') {
      lo = Math.max(lo, T);
      if (v.candidate) offer(v.candidate);
    }
    return v.kind;
  };

  // Once the prices alone no longer settle latencies (the integer program ran), ask once per
  // incumbent whether it is the optimum, just below its latency: near the optimum it usually is,
  // and one "no" closes the gap where bisection would need a check per halving.
  let probedAt = NaN;
  let lastUsedIp = false;
  // the smallest latency left unsettled: below it the prices still have a chance to prove "no"
  let unsettled = Infinity;
  // a check that cannot finish in the time left would only overrun it
  while (open() && solverPerformanceNow() + lastCheckMs / 2 < deadline) {
    let top = Math.min(hi, unsettled);
    // nothing left below it: try the unsettled range again (the prices start warmer each time)
    if (top - lo <= tolerance * hi) top = unsettled = hi;
    const probe = lastUsedIp && probedAt !== hi;
    if (probe) probedAt = hi;
    const T = probe ? hi * (1 - tolerance / 2) : 0.5 * (lo + top);
    const before = integerPrograms;
    const verdict = oracle(T);
    if (verdict === 'unknown') unsettled = Math.min(unsettled, T);
    else if (verdict === 'feasible' && hi <= unsettled) unsettled = Infinity;
    lastUsedIp = integerPrograms > before;
  }
  return { assignment: incumbent, roundLatencyS: hi, lowerS: lo, complete: !open(), checks, integerPrograms };
}
