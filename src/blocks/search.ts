// The relaxation search: bisection on the round latency T with a feasibility heuristic, for the
// cases the certificate does not cover (unequal bits, tables too large) and for the
// equal-bandwidth baseline. For a fixed T, device k holding a set whose shallowest depth is l and
// whose bits are s needs bandwidth need_k(l, s): +∞ unless l fits its memory and its compute
// finishes before T, decreasing in l, convex in s with need(l, 0) = 0. Hence any assignment splits
// into contiguous runs whose summed needs are no larger (superadditivity + monotonicity), so the
// cheapest run path (runs.ts, devices may repeat) is a valid lower bound on min Σ_k need_k at T,
// and its value above W proves T infeasible. A Lagrangian penalty λ_k on repeated devices
// (subgradient steps) steers the path to one run per device; a repair step and a block move/swap
// local search make it a real assignment.

import { type BlocksModel, evaluateOptimalSplit, type SplitEvaluation } from './cost.js';
import { RunCosts, type Run } from './runs.js';
import type { BlockAssignment } from './types.js';
import { solverPerformanceNow } from '../solver/control.js';

interface SearchSettings {
  model: BlocksModel;
  /** max blocks per device (J when unlimited) */
  cap: number;
  /** performance.now() deadline */
  deadline: number;
  /**
   * Per-device bandwidth ceiling: null = the optimal split (ours); a number = every device has
   * exactly this bandwidth (the equal-bandwidth baseline), so need > ceiling means infeasible.
   */
  fixedBandwidthHz: number | null;
  /** the latency of an assignment under the split rule above */
  evaluate: (a: BlockAssignment) => SplitEvaluation;
}

interface SearchOutcome {
  assignment: BlockAssignment | null;
  roundLatencyS: number;
  /** largest T proven infeasible by the run relaxation (valid lower bound, ours only) */
  provenLowerS: number;
  timedOut: boolean;
  /** stopped because the incumbent was proven within the relative gap asked for */
  stoppedAtGap: boolean;
  /** bisection steps taken (each one oracle call at a latency T) */
  steps: number;
}

/** When the search may stop before its bisection closes: the incumbent proven within relativeGap. */
interface GapStop {
  /** 0: never (the bisection runs to its end) */
  relativeGap: number;
  /** a bound known from elsewhere (compute floor, a certificate's "no") */
  knownLowerS: number;
}

const NO_GAP_STOP: GapStop = { relativeGap: 0, knownLowerS: 0 };

const INFEASIBLE_PENALTY = 1e300;

/**
 * Most entries the run-cost tables may hold (128 MiB of float64): K × Σ_l min(cap, J − l + 1),
 * about K·J²/2 without a cap, a gigabyte at 1024 devices × 512 blocks. Past this the search is not
 * run and the answer is the best of its seeds (baselines, placements). The count includes one
 * entry per (device, depth) besides the runs, as it did when the limit was set: the same
 * instances are searched.
 */
const SEARCH_TABLE_MAX_ENTRIES = 2 ** 24;

function tooLargeToSearch(model: BlocksModel, cap: number): boolean {
  return RunCosts.entries(model.J, model.K, cap) + model.K * model.J > SEARCH_TABLE_MAX_ENTRIES;
}

/** need of device k (shallowest l, σ bits) at T under the split rule: +∞ above a fixed ceiling. */
function needUnder(s: SearchSettings, k: number, l: number, bits: number, T: number): number {
  const v = s.model.needHz(k, l, bits, T);
  if (s.fixedBandwidthHz !== null) return v <= s.fixedBandwidthHz ? v : Infinity;
  return v;
}

/** The run costs at T under the split rule: rows cut where a run needs more than the ceiling. */
function runCostsAt(s: SearchSettings, T: number): RunCosts {
  return new RunCosts(s.model, s.cap, T, s.deadline, s.fixedBandwidthHz ?? Infinity);
}

/** Σ_k need of an assignment at T, from per-device (shallowest, bits, count). */
class AssignmentState {
  shallowest: number[];
  bits: number[];
  count: number[];
  cost: number[];
  owner: Int32Array;
  constructor(
    readonly s: SearchSettings,
    readonly T: number,
    assignment: BlockAssignment,
  ) {
    const { model } = s;
    this.owner = new Int32Array(model.J + 1).fill(-1);
    this.shallowest = [];
    this.bits = [];
    this.count = [];
    this.cost = [];
    assignment.forEach((blocks, k) => {
      for (const j of blocks) this.owner[j] = k;
      this.shallowest.push(blocks.length ? Math.min(...blocks) : 0);
      this.bits.push(model.bits(blocks));
      this.count.push(blocks.length);
      this.cost.push(this.costOf(k, this.shallowest[k], this.bits[k]));
    });
  }

  total(): number {
    return this.cost.reduce((a, b) => a + b, 0);
  }

  shallowestWithout(k: number, j: number): number {
    if (this.shallowest[k] !== j) return this.shallowest[k];
    const J = this.s.model.J;
    for (let i = j + 1; i <= J; i++) if (this.owner[i] === k) return i;
    return 0;
  }

  /** need, with +∞ replaced by a huge finite penalty so that deltas stay comparable */
  costOf(k: number, shallowest: number, bits: number): number {
    if (shallowest === 0) return 0;
    const v = needUnder(this.s, k, shallowest, bits, this.T);
    return v === Infinity ? INFEASIBLE_PENALTY : v;
  }

  toAssignment(): BlockAssignment {
    const out: BlockAssignment = this.shallowest.map(() => []);
    for (let j = 1; j < this.owner.length; j++) out[this.owner[j]].push(j);
    return out;
  }

  /** First-improvement local search on Σ need: move one block, or swap two blocks. */
  improve(budget: number, target: number, deadline: number): void {
    const { model, cap } = this.s;
    const sigma = (j: number) => model.instance.blocks[j - 1].bits;
    let improved = true;
    let total = this.total();
    while (improved && budget > 0 && total > target && solverPerformanceNow() < deadline) {
      improved = false;
      for (let j = 1; j <= model.J && total > target; j++) {
        const a = this.owner[j];
        const aShallow = this.shallowestWithout(a, j);
        const aBits = this.bits[a] - sigma(j);
        const aCost = this.costOf(a, aShallow, aBits);
        for (let b = 0; b < model.K; b++) {
          if (b === a || this.count[b] >= cap) continue;
          budget--;
          const bShallow = this.shallowest[b] === 0 ? j : Math.min(this.shallowest[b], j);
          const bCost = this.costOf(b, bShallow, this.bits[b] + sigma(j));
          const delta = aCost + bCost - this.cost[a] - this.cost[b];
          if (delta < -1e-9 * Math.max(1, total)) {
            this.owner[j] = b;
            this.shallowest[a] = aShallow;
            this.bits[a] = aBits;
            this.count[a]--;
            this.cost[a] = aCost;
            this.shallowest[b] = bShallow;
            this.bits[b] += sigma(j);
            this.count[b]++;
            this.cost[b] = bCost;
            total = this.total();
            improved = true;
            break;
          }
        }
      }
      // swaps: only matter when blocks differ (bits) or to change shallowest depths
      for (let i = 1; i <= model.J && total > target && budget > 0; i++) {
        for (let j = i + 1; j <= model.J; j++) {
          const a = this.owner[i];
          const b = this.owner[j];
          if (a === b) continue;
          budget--;
          this.owner[i] = b;
          this.owner[j] = a;
          const aS = this.recomputeShallowest(a);
          const bS = this.recomputeShallowest(b);
          const aBits = this.bits[a] - sigma(i) + sigma(j);
          const bBits = this.bits[b] - sigma(j) + sigma(i);
          const aCost = this.costOf(a, aS, aBits);
          const bCost = this.costOf(b, bS, bBits);
          const delta = aCost + bCost - this.cost[a] - this.cost[b];
          if (delta < -1e-9 * Math.max(1, total)) {
            this.shallowest[a] = aS;
            this.shallowest[b] = bS;
            this.bits[a] = aBits;
            this.bits[b] = bBits;
            this.cost[a] = aCost;
            this.cost[b] = bCost;
            total = this.total();
            improved = true;
          } else {
            this.owner[i] = a;
            this.owner[j] = b;
          }
        }
      }
    }
  }

  private recomputeShallowest(k: number): number {
    for (let i = 1; i < this.owner.length; i++) if (this.owner[i] === k) return i;
    return 0;
  }
}

/** Make runs a real assignment: a repeated device keeps its first run; the others move to the
 *  cheapest free device or merge into their device, whichever costs less. */
function repair(s: SearchSettings, rc: RunCosts, runs: Run[]): BlockAssignment | null {
  const { model, cap } = s;
  const sets: BlockAssignment = Array.from({ length: model.K }, () => []);
  const range = (r: Run) => Array.from({ length: r.n }, (_, i) => r.from + i);
  const extras: Run[] = [];
  for (const r of runs) {
    if (sets[r.device].length === 0) sets[r.device].push(...range(r));
    else extras.push(r);
  }
  // costly runs first: they need the best free device
  extras.sort((a, b) => rc.cost(b.device, b.from, b.n) - rc.cost(a.device, a.from, a.n));
  for (const r of extras) {
    let bestK = -1;
    let bestCost = Infinity;
    for (let k = 0; k < model.K; k++) {
      let c: number;
      if (sets[k].length === 0) c = rc.cost(k, r.from, r.n);
      else {
        if (sets[k].length + r.n > cap) continue;
        const l = Math.min(sets[k][0], r.from);
        const before = needUnder(s, k, sets[k][0], model.bits(sets[k]), rc.T);
        c = needUnder(s, k, l, model.bits(sets[k]) + model.rangeBits(r.from, r.from + r.n - 1), rc.T) - before;
      }
      if (c < bestCost) {
        bestCost = c;
        bestK = k;
      }
    }
    if (bestK < 0) return null; // no free device and no room to merge: give up on these runs
    const k = bestK;
    sets[k].push(...range(r));
    sets[k].sort((a, b) => a - b);
  }
  return sets;
}

interface OracleResult {
  assignment: BlockAssignment | null;
  /** min Σ need found */
  cost: number;
  /** the run relaxation proves T infeasible */
  provenInfeasible: boolean;
  /** the deadline stopped it before it could say anything about T */
  late?: boolean;
}

function oracle(s: SearchSettings, T: number, seeds: BlockAssignment[]): OracleResult {
  const W = s.model.instance.bandwidthHz;
  const rc = runCostsAt(s, T);
  if (!rc.complete || solverPerformanceNow() > s.deadline) return { assignment: null, cost: Infinity, provenInfeasible: false, late: true };
  const K = s.model.K;
  const lambda = new Float64Array(K);
  const first = rc.shortestPath(lambda);
  // The relaxation bound holds for the optimal split only (a fixed split has per-device ceilings
  // that the DP respects too, so it is still a valid infeasibility proof there).
  if (first.value === Infinity || first.value > W * (1 + 1e-12)) return { assignment: null, cost: Infinity, provenInfeasible: true };

  let best: AssignmentState | null = null;
  const consider = (a: BlockAssignment) => {
    const st = new AssignmentState(s, T, a);
    if (best === null || st.total() < best.total()) best = st;
  };
  let runs = first.runs;
  let lowerValue = first.value;
  for (let it = 0; it < 40; it++) {
    const uses = new Int32Array(K);
    for (const r of runs) uses[r.device]++;
    const candidate = repair(s, rc, runs);
    if (candidate) consider(candidate);
    if (best !== null && (best as AssignmentState).total() <= W) break;
    let norm = 0;
    const g = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      g[k] = uses[k] - 1;
      if (g[k] < 0 && lambda[k] === 0) g[k] = 0;
      norm += g[k] * g[k];
    }
    if (norm === 0 || solverPerformanceNow() > s.deadline) break;
    const upper = best === null ? 2 * W : Math.min((best as AssignmentState).total(), 2 * W);
    const step = Math.max(upper - lowerValue, 1e-6 * W) / norm;
    for (let k = 0; k < K; k++) lambda[k] = Math.max(0, lambda[k] + step * g[k]);
    const next = rc.shortestPath(lambda);
    if (next.value === Infinity) break;
    let penalty = 0;
    for (let k = 0; k < K; k++) penalty += lambda[k];
    lowerValue = Math.max(lowerValue, next.value - penalty);
    runs = next.runs;
  }
  for (const seed of seeds) consider(seed);
  const state = best as AssignmentState | null;
  if (state === null) return { assignment: null, cost: Infinity, provenInfeasible: false };
  if (state.total() > W) state.improve(40 * s.model.J * s.model.K, W, s.deadline);
  const cost = state.total();
  return { assignment: cost <= W ? state.toAssignment() : null, cost, provenInfeasible: false };
}

/**
 * Bisection on T between the proven lower end and the best known assignment. Every feasible
 * oracle answer is re-evaluated exactly (its own optimal split), which can only lower T.
 */
export function searchBlocks(s: SearchSettings, seeds: BlockAssignment[], lowerS: number, stop: GapStop = NO_GAP_STOP): SearchOutcome {
  let incumbent: BlockAssignment | null = null;
  let hi = Infinity;
  for (const seed of seeds) {
    const v = s.evaluate(seed).roundLatencyS;
    if (v < hi) {
      hi = v;
      incumbent = seed;
    }
  }
  let lo = lowerS;
  let proven = lowerS;
  let timedOut = false;
  let stoppedAtGap = false;
  if (incumbent === null || !Number.isFinite(hi))
    return { assignment: null, roundLatencyS: Infinity, provenLowerS: proven, timedOut, stoppedAtGap, steps: 0 };
  if (tooLargeToSearch(s.model, s.cap))
    return { assignment: incumbent, roundLatencyS: hi, provenLowerS: proven, timedOut: true, stoppedAtGap, steps: 0 };
  let steps = 0;
  for (let it = 0; it < 60 && hi - lo > 1e-9 * hi; it++) {
    if (stop.relativeGap > 0 && hi - Math.max(proven, stop.knownLowerS) <= stop.relativeGap * hi) {
      stoppedAtGap = true;
      break;
    }
    if (solverPerformanceNow() > s.deadline) {
      timedOut = true;
      break;
    }
    const T = it < 50 ? 0.5 * (lo + hi) : hi * (1 - 1e-9);
    const r = oracle(s, T, incumbent ? [incumbent] : []);
    steps++;
    if (r.late) {
      timedOut = true;
      break;
    }
    if (r.assignment) {
      const v = s.evaluate(r.assignment).roundLatencyS;
      if (v < hi) {
        hi = v;
        incumbent = r.assignment;
        continue;
      }
    }
    lo = T;
    if (r.provenInfeasible) proven = Math.max(proven, T);
  }
  return { assignment: incumbent, roundLatencyS: hi, provenLowerS: proven, timedOut, stoppedAtGap, steps };
}

export function optimalSplitSettings(model: BlocksModel, cap: number, deadline: number): SearchSettings {
  return { model, cap, deadline, fixedBandwidthHz: null, evaluate: (a) => evaluateOptimalSplit(model, a) };
}
