// The default algorithm: exact enumeration where the instance is small, price-guided
// association search with exactly re-solved servers where it is not; baselines join the
// portfolio (auto is never worse than any of them); deadlines are enforced with per-device
// multipliers on delay; the Lagrangian dual bound certifies the gap.
//
// solveAuto runs named phases in order, each taking what it needs and returning what it made:
//   prepare → start plan → first bound → baselines → search → deadline rounds → bound → answer.
// Each phase stops at its own deadline (a named share of the limit, SHARE); every answer, whatever
// the phase it comes from, is built by answer() from an Outcome.
// The bound is not left to the end: a first one comes with the start plan, and the search, between
// its steps, lets a BoundWatch tighten it (bound work takes a bounded share of the time). Once the
// answer is proven within options.relativeGap the search stops (termination GAP).

import { effectiveWeights, objectiveScales, referenceTotals } from '../model/evaluate.js';
import type {
  AllocateResult,
  BaselineOut,
  DualPricesOut,
  DeviceDecision,
  Evaluation,
  InfeasibilityOut,
  Instance,
  SolveOptions,
  SolveStatus,
  Termination,
  Totals,
} from '../model/types.js';
import { solvePaper, type PaperResult } from './paper/index.js';
import {
  associationCount,
  enumerateAssociations,
  greedyAssociation,
  improveAssociation,
  planAll,
  planAllBefore,
  UNWATCHED,
  type QuotedPair,
  type SearchMonitor,
  type Solution,
} from './association/association.js';
import { balanceAssociation } from './association/balance.js';
import { warmAssociation, warmFocus, warmPlans } from './association/warm.js';
import { dualStartPlan, planPrices, topStartPlan } from './association/dual-start.js';
import { computeBaselines, decisionsOf } from './baselines.js';
import { ascendBound } from './bound/bound.js';
import { restrictedTop } from './bound/bundle.js';
import { recentreBundle, type BundleState } from './bound/bundle.js';
import {
  boundCloseEnough,
  createAnytimeBound,
  largeForPricing,
  offerGivenPrices,
  offerPrices,
  tightenBound,
  type AnytimeBound,
  type DevicePasses,
} from './bound/anytime.js';
import { buildDeviceModels, type DeviceModel } from './pricing/device-model.js';
import { deadlineCertificate, provenInfeasibilities } from './bound/feasibility.js';
import { allocationsOf, scored } from './result.js';
import { choicesOf, createPlanContext, type PlanContext } from './pricing/member.js';
import { expired, now, remainingMs, SolveClock } from './clock.js';
import { FALLBACK_GRACE_MS, minSolverTimeMs, outOfTimeInfeasibility } from '../model/time-floor.js';
import { offerIncumbent, reportProgress, stopRequested } from './control.js';
import { Proof, type PriceVectors, type ProofPrices } from './proof.js';
import { timePhase } from './statistics.js';

/** Per-server (mode, split) combinations enumerated exhaustively. */
const EXACT_LIMIT = 5000;
/** Associations enumerated exhaustively (each over memoised server plans). */
const ASSOCIATION_LIMIT = 256;
/** Under this limit the allocation matters more than its certificate: the search gets SHARE.shortSearch. */
const SHORT_LIMIT_MS = 200;
/** The publication's method runs as a baseline up to this many reachable (device, server) pairs. */
const PAPER_BASELINE_PAIRS = 100;
/**
 * Up to this many reachable (device, server) pairs (the paper's 50 × 10 is 500) the estimated moves
 * settle within tens of milliseconds and the ascent at their prices proves the gap (BoundWatch):
 * a first Lagrangian pass at the start plan's prices (about 1% below the optimum there) and bound
 * slices between the moves took 15–20% of such a solve and proved nothing. The fixed-cost bound
 * stands for the first bound, and bound work waits for prices worth ascending from.
 */
const SMALL_PAIRS = 2_000;
/** Exact passes of the bound's ascent once the search's estimated moves settle (BoundWatch). */
const SETTLED_PASSES = 6;
/** EarlyAscent: the steps whose gain together decides, the share of relativeGap they may gain, and the ascent's passes. */
const EARLY_STEPS = 4;
const EARLY_GAIN = 0.03;
const EARLY_PASSES = 3;
/**
 * What an early ascent's pass costs against the first bound's (1,000 × 50: 3 passes in 100–140 ms, the
 * first 20–35 ms; 4 times, as from settled prices (BOUND_RESERVE_PASSES), barred half of the early ascents).
 */
const ASCENT_PASS_PER_FIRST = 1.5;
/**
 * The time the bound phase keeps when the search runs past SHARE.search (searchEnd), in passes as long as
 * the first bound's: from the prices of a search near its end the ascent needs 2–4 passes, and a pass at
 * those prices costs 3–5 times the first (more pairs are near-best; 100–200 ms against 24–40 ms at
 * 1,000 × 50). Timed on the solve's own first pass, the reserve grows with the machine's load.
 */
const BOUND_RESERVE_PASSES = 12;
/** Deadline rounds at most (each re-plans every server). */
const DEADLINE_ROUNDS = 60;
/**
 * A search that does not certify (options.certify false) ends once this many consecutive steps
 * together improved the objective by no more than options.relativeGap (relative), or once its
 * estimated moves have settled no more than that below where it started (a warm start that was
 * already a local optimum: the priced rounds after it cost a full pricing pass each and, measured
 * at 1,000 × 50, ran to the deadline for nothing). With no bound to prove the gap, a stalled search
 * is where its answer is as good as it gets soon.
 */
const STALL_STEPS = 8;
/** Every this many deadline rounds the association is searched again under the new multipliers. */
const DEADLINE_SEARCH_EVERY = 4;

/** Shares of the time limit (SolveClock.at) by which each phase ends. */
const SHARE = {
  /** the search; the rest is for the bound and the answer */
  search: 0.55,
  /** the search under SHORT_LIMIT_MS */
  shortSearch: 0.8,
  /** the search of a solve that does not certify (options.certify false): no bound follows it */
  uncertifiedSearch: 0.9,
  /**
   * the baselines: past it, planning stops polishing (one best-response round per server), which
   * leaves the search its time on large instances; the publication's method starts only before it
   */
  baselines: 0.25,
  /**
   * the search at most, where a pass of the bound is cheap (below bound/anytime.ts largeForPricing) and the limit
   * leaves the bound phase BOUND_RESERVE_PASSES passes after it: see searchEnd
   */
  longSearch: 0.75,
  /** the first association search when devices have deadlines: the multiplier rounds need time of their own */
  firstSearchWithDeadlines: 0.3,
  /** the bound; the rest is for writing the answer */
  bound: 0.9,
  /** `algorithm: "paper"` runs until this */
  paperAlgorithm: 0.9,
  /** the proof that no allocation meets every deadline */
  deadlineCertificate: 0.95,
  /** the publication's method as a baseline: this share of the limit from when it starts */
  paperBaseline: 0.2,
  /**
   * large cold instances, after the first bound and the baselines: the dual start's price steps end by this share,
   * its plan by the next (what follows, scoring the answer and writing it, takes up to 0.3 s at 5,000 devices
   * under load: inside limit × 1.1 + 50 ms; the bound's pass after it fits only at longer limits)
   */
  dualStart: 0.82,
  dualStartPlan: 0.87,
  /** the first bound, right after the start plan: at most this share of the limit */
  firstBound: 0.1,
  /**
   * ...on instances where a pass is costly (bound/anytime.ts largeForPricing): its first pass at
   * fluid prices is most of the bound such a limit affords, and the search's steps there are few
   */
  firstBoundLarge: 0.25,
  /** anytime-bound work while the search moves by estimates (at or above largeForPricing): at most this share of the time elapsed */
  interleavedBound: 0.1,
  /** the ascent, at reassignment rounds once the search improves by less than the tolerance (only the proof is missing) */
  stalledSearchBound: 0.6,
} as const;

interface Versions {
  algorithm: string;
  version: string;
}

interface Candidate {
  decisions: DeviceDecision[];
  ev: Evaluation;
}

type NamedCandidate = Candidate & { name: string };

/** What one solve knows from start to end: the instance, its options, its clock, the reference point. */
interface Frame {
  instance: Instance;
  options: SolveOptions;
  versions: Versions;
  clock: SolveClock;
  reference: Totals;
  /** the best objective and bound so far, and their trace */
  proof: Proof;
  /** wall milliseconds per phase, filled as phases end */
  phasesMs: Record<string, number>;
  /** search steps observed by the BoundWatch */
  steps: { count: number };
  runtime: SolveRuntime;
}

/**
 * What the host lends a solve besides its own thread (all optional; the pure defaults otherwise):
 * `devicePasses` prices the anytime bound's passes (bound/anytime.ts), e.g. split with an idle thread.
 */
export interface SolveRuntime {
  devicePasses?: DevicePasses;
}

/** Runs one phase and adds its wall time to frame.phasesMs under `name`. */
function phase<T>(frame: Frame, name: string, run: () => T): T {
  return timePhase(frame.phasesMs, name, run);
}

/** How a solve ended, before it is written as an answer. */
interface Outcome {
  status: SolveStatus;
  /** why it ended; absent: TIME when timeLimited, else CONVERGED (INTERRUPTED whenever a stop came) */
  termination?: Termination;
  /** the time limit cut a phase short */
  timeLimited?: boolean;
  /** the allocation answered (absent: none) */
  best?: Candidate;
  /** a finite bound and its gap, when one was proven */
  bound?: { value: number; gap: number };
  baselines?: BaselineOut[];
  infeasibilities?: InfeasibilityOut[];
  /** the dual prices `bound` was proven at (a Lagrangian bound's, not an enumerated optimum's) */
  prices?: ProofPrices | null;
}

/** Prices per Hz as the answer gives them: per MHz and per GHz, by server id. */
function pricesOut(instance: Instance, prices: ProofPrices): DualPricesOut {
  return {
    servers: instance.servers.map((s, m) => ({
      serverId: s.id,
      bandwidthPerMHz: Math.max(0, prices.bandwidth[m] ?? 0) * 1e6,
      frequencyPerGHz: Math.max(0, prices.frequency[m] ?? 0) * 1e9,
      slot: Math.max(0, prices.seat?.[m] ?? 0),
    })),
  };
}

/** The one answer builder: every AllocateResult of this algorithm comes from here. */
function answer(frame: Frame, o: Outcome): AllocateResult {
  const termination: Termination = stopRequested() ? 'INTERRUPTED' : (o.termination ?? (o.timeLimited ? 'TIME' : 'CONVERGED'));
  return {
    status: o.status,
    termination,
    relativeGap: frame.options.relativeGap,
    ...(o.timeLimited ? { limit: 'TIME' as const } : {}),
    ...(o.best ? { objective: o.best.ev.objective } : {}),
    ...(o.bound ? { bound: o.bound.value, gap: o.bound.gap } : {}),
    allocations: o.best ? allocationsOf(frame.instance, o.best.decisions, o.best.ev) : [],
    ...(o.best ? { totals: o.best.ev.totals } : {}),
    reference: frame.reference,
    baselines: o.baselines ?? [],
    ...(o.infeasibilities ? { infeasibilities: o.infeasibilities } : {}),
    ...(o.bound && o.prices ? { prices: pricesOut(frame.instance, o.prices) } : {}),
    solver: {
      ...frame.versions,
      solveTimeMs: frame.clock.elapsedMs(),
      statistics: {
        termination,
        phasesMs: frame.phasesMs,
        searchSteps: frame.steps.count,
        boundEvaluations: frame.proof.evaluations,
        trace: frame.proof.trace,
      },
    },
  };
}

function outOfTime(): Outcome {
  return {
    status: 'NO_SOLUTION_FOUND',
    timeLimited: true,
    infeasibilities: [outOfTimeInfeasibility()],
  };
}

function runPaper(instance: Instance, options: SolveOptions, deadlineAt: number): PaperResult | null {
  try {
    return solvePaper(instance, options, deadlineAt);
  } catch {
    return null; // it found no feasible allocation: no baseline, and the answer says so
  }
}

/** The baselines as answered: each with its objective, totals and whether it meets every constraint. */
function baselinesOut(options: SolveOptions, baselines: NamedCandidate[]): BaselineOut[] {
  if (!options.baselines) return [];
  return baselines.map((b) => ({ name: b.name, objective: b.ev.objective, totals: b.ev.totals, feasible: b.ev.violations.length === 0 }));
}

function better(a: Candidate | null, b: Candidate): Candidate {
  if (b.ev.violations.length > 0) return a ?? b;
  if (a === null || a.ev.violations.length > 0 || b.ev.objective < a.ev.objective) return b;
  return a;
}

/** The same plan context under other deadline multipliers (its memos are keyed by multiplier, so they are shared). */
function withMultipliers(ctx: PlanContext, deadlineMultipliers: number[]): PlanContext {
  return { ...ctx, deadlineMultipliers };
}

// ---- phase: prepare ---------------------------------------------------------------------------

export interface Prepared {
  scales: Totals;
  models: DeviceModel[];
  ctx: PlanContext;
}

/** Scales, device models and the plan context; or an answer at once (proven infeasible). */
function prepare(frame: Frame): Prepared | Outcome {
  const { instance } = frame;
  const prepared = pricingContext(instance, frame.reference);
  const infeasibilities = provenInfeasibilities(instance, prepared.models);
  if (infeasibilities.length > 0) return { status: 'INFEASIBLE', infeasibilities };
  return prepared;
}

/** The instance's scales, device models and plan context, as a solve prepares them (a thread pricing part of a pass builds the same). */
export function pricingContext(instance: Instance, reference = referenceTotals(instance)): Prepared {
  const scales = objectiveScales(instance, reference);
  const models = buildDeviceModels(instance);
  return { scales, models, ctx: createPlanContext(instance, effectiveWeights(instance, scales), models, EXACT_LIMIT) };
}

// ---- phase: start plan --------------------------------------------------------------------------

interface StartPlans {
  warmPlan: Solution | null;
  greedyPlan: Solution | null;
  /** the plan the search starts from and the fallback answer: warm when there is one */
  startPlan: Solution | null;
  /** how long planning took (a measure of what re-planning every server costs) */
  planMs: number;
}

/**
 * The search starts from the previous association when there is one (warm), else greedily. That
 * start, planned, is the fallback answer, ready before anything else runs: every later phase only
 * improves on it and stops at its own deadline. Null when even this cannot be done within the
 * limit (the answer says so now rather than late).
 */
function planStart(ctx: PlanContext, options: SolveOptions, searchDeadline: number, giveUpAt: number): StartPlans | null {
  const startedAt = now();
  const warm = warmAssociation(ctx);
  const warmPlan = warm ? warmPlans(ctx, warm, searchDeadline, giveUpAt) : null;
  // Not planned by the limit + grace: no start plan in time (as for the greedy one below).
  if (warm && !warmPlan) return null;
  const greedy = warmPlan && !options.baselines ? null : greedyAssociation(ctx);
  const greedyPlan = greedy ? planAllBefore(ctx, greedy, searchDeadline, giveUpAt) : null;
  const planMs = now() - startedAt;
  const startPlan = warmPlan ?? greedyPlan;
  if (greedy && !startPlan) return null;
  return { warmPlan, greedyPlan, startPlan, planMs };
}

// ---- phase: baselines ---------------------------------------------------------------------------

/**
 * The baselines, scored. Not asked for, they are not computed: the start plan joins the portfolio
 * regardless. The publication's method joins them (and the portfolio) where it is affordable: its
 * association LPs grow with devices × servers.
 */
function runBaselines(frame: Frame, prepared: Prepared, start: StartPlans, searchDeadline: number, withPaper: boolean): NamedCandidate[] {
  const { instance, options, clock } = frame;
  const { ctx, scales, models } = prepared;
  const { warmPlan, greedyPlan, startPlan, planMs } = start;
  // (Not asked for: none; the start plan joins the portfolio after the search, startInPortfolio.)
  const solutions = options.baselines
    ? computeBaselines(instance, ctx, scales, options.seed, clock.at(SHARE.baselines), greedyPlan, planMs)
    : [];
  if (options.baselines && warmPlan) solutions.push({ name: 'previous-association', decisions: decisionsOf(ctx, warmPlan) });
  const baselines = solutions.map((b) => ({ name: b.name, ...scored(instance, b.decisions, scales) }));
  if (!withPaper) return baselines;
  const pairs = models.reduce((s, dm) => s + dm.servers.length, 0);
  if (options.baselines && pairs <= PAPER_BASELINE_PAIRS && !clock.expired(SHARE.baselines)) {
    const paper = runPaper(instance, options, Math.min(now() + options.timeLimitMs * SHARE.paperBaseline, searchDeadline));
    if (paper) baselines.push({ name: 'paper', ...scored(instance, paper.decisions, scales) });
  }
  return baselines;
}

/**
 * Baselines off, the start plan (`plan`, the one planned before the dual start) still joins the
 * portfolio: the answer is never worse than its start. It is scored only where it might beat the
 * search's answer (startMayWin); scoring it is an evaluation of every device (2–9 ms at 1,000 × 50).
 */
function startInPortfolio(
  frame: Frame,
  prepared: Prepared,
  plan: Solution,
  hasDeadlines: boolean,
  found: Found,
  searched: Candidate,
  best: Candidate,
): Candidate {
  const mayWin = startMayWin({
    searchViolations: searched.ev.violations.length,
    hasDeadlines,
    searchIsStart: found.sol === plan,
    searchCost: found.sol.cost,
    startCost: plan.cost,
  });
  if (!mayWin) return best;
  return better(best, scored(frame.instance, decisionsOf(prepared.ctx, plan), prepared.scales));
}

/** How far (relative) below the start's plan cost the search's solution must plan to be taken as at least as good. */
export const START_COVERED_MARGIN = 1e-6;

/**
 * Whether the start plan could beat the search's answer, so must be scored (startInPortfolio). The
 * search ends at or below its start's plan cost, so a search solution that is the start itself, or
 * plans below it by more than rounding (START_COVERED_MARGIN relative), with no violation, is at least
 * as good. With deadlines the start may win regardless (the search's solution may be late where the
 * start is not), and so it may wherever the search's solution violates a constraint.
 */
export function startMayWin(s: {
  searchViolations: number;
  hasDeadlines: boolean;
  searchIsStart: boolean;
  searchCost: number;
  startCost: number;
}): boolean {
  if (s.searchViolations > 0 || s.hasDeadlines) return true;
  if (s.searchIsStart) return false;
  return !(s.searchCost < s.startCost * (1 - START_COVERED_MARGIN));
}

/** `algorithm: "paper"`: the publication's answer as it is, scored and reported like any other. */
function paperOutcome(frame: Frame, scales: Totals, baselines: NamedCandidate[]): Outcome {
  const { instance, options, clock } = frame;
  const paper = runPaper(instance, options, clock.at(SHARE.paperAlgorithm));
  const baselineOut = baselinesOut(options, baselines);
  if (!paper) {
    return {
      status: 'NO_SOLUTION_FOUND',
      baselines: baselineOut,
      infeasibilities: [{ constraint: 'deadlineS', deviceIds: [], detail: "the publication's method found no feasible allocation" }],
    };
  }
  return { status: 'FEASIBLE', timeLimited: paper.stoppedByTime, best: scored(instance, paper.decisions, scales), baselines: baselineOut };
}

// ---- phase: search ------------------------------------------------------------------------------

interface Found {
  sol: Solution;
  /** every association was enumerated */
  enumerated: boolean;
}

function search(
  ctx: PlanContext,
  warm: Solution | number[] | null,
  deadlineAt: number,
  monitor: SearchMonitor = UNWATCHED,
  focus: Uint8Array | null = null,
): Found | null {
  // Out of time with a plan at hand: that plan is the answer (every step below starts with a full pass).
  if (warm !== null && !Array.isArray(warm) && expired(deadlineAt)) return { sol: warm, enumerated: false };
  if (associationCount(ctx) <= ASSOCIATION_LIMIT) {
    const sol = enumerateAssociations(ctx, deadlineAt);
    return sol ? { sol, enumerated: true } : null;
  }
  // Already proven (a warm start whose first bound meets the tolerance): nothing to search.
  if (warm !== null && !Array.isArray(warm) && monitor.proven(warm)) return { sol: warm, enumerated: false };
  const startAssignment = Array.isArray(warm) ? warm : warm ? null : greedyAssociation(ctx);
  const start = Array.isArray(warm) || warm === null ? (startAssignment ? planAll(ctx, startAssignment, deadlineAt) : null) : warm;
  if (!start) return null;
  // No time left (large instances at short limits): the start is the answer, not a late one.
  if (expired(deadlineAt)) return { sol: start, enumerated: false };
  // Estimated single moves first (cheap, converge fast), then priced reassignment and exact
  // move/swap search (which also handles full servers) for the time that is left.
  const balanced = balanceAssociation(ctx, start, deadlineAt, monitor, { focus });
  if (!expired(deadlineAt) && monitor.proven(balanced, undefined, true)) return { sol: balanced, enumerated: false };
  return { sol: improveAssociation(ctx, balanced, deadlineAt, monitor), enumerated: false };
}

// ---- bounds while searching ---------------------------------------------------------------------

function pricesOf(sol: Solution): { bandwidth: number[]; frequency: number[] } {
  return { bandwidth: sol.plans.map((p) => p.bandwidthPrice), frequency: sol.plans.map((p) => p.frequencyPrice) };
}

/**
 * Watches the search (SearchMonitor): offers each step's solution to the proof, and takes the
 * bound at the step's prices at once where the search priced every pair (its reassignment
 * rounds). Bound work beyond that goes where it can end the solve:
 * - while the search moves devices by estimates (no priced matrix): at or above largeForPricing the
 *   anytime bound (bound/anytime.ts) is tightened within SHARE.interleavedBound of the search's time
 *   (it keeps the bound current; its steps rarely prove a gap of 1e-4, so the search keeps the rest);
 *   below it, where those slices never beat the first pass's bound, EARLY_PASSES of the ascent once
 *   the moves have slowed (EarlyAscent), within SHARE.stalledSearchBound of the time so far;
 * - once the estimated moves have settled, the ascent of bound/bound.ts from the step's prices
 *   (converged prices lead the ascent furthest) gets SETTLED_PASSES exact passes; at a
 *   reassignment round whose prices are new and whose objective is within the tolerance of the
 *   step before (the search has stalled: only the proof is missing), or at the first, it gets
 *   SHARE.stalledSearchBound of the time so far. Either stops as soon as the gap meets the
 *   tolerance, and carries its cuts over to the next (recentred at the new prices).
 * Says "proven" once the gap meets the tolerance, unless `stopOnGap` is off (deadlines: the
 * search's solution may still be late, so only the answer after the deadline rounds is judged).
 */
class BoundWatch implements SearchMonitor {
  readonly bound: AnytimeBound;
  /** restrictedTop's prices offered to the bound (large cold solves), and the bound's passes before them */
  top: { prices: { bandwidth: number[]; frequency: number[] }; passesBefore: number } | null = null;
  /** the objective of the step before */
  private lastObjective = Infinity;
  /** the plans the last ascent started from, and its state: an ascent from the same prices carries on from it */
  private ascentPlans: Solution['plans'] | null = null;
  private ascentState: BundleState | undefined;
  /** the last ascent at those plans ended for want of time (not at its own end): carrying on may still pay */
  private ascentCut = false;
  /** the search's quotes not yet given to an ascent (cuts for its model: bundle.ts seedCuts) */
  private quotes: readonly (readonly QuotedPair[])[] | undefined;
  /** what the last ascent's first pass cost (ms): an ascent starts only with at least that much time */
  private passMs = 0;
  /** when the search's first step came, and the bound time spent before it */
  private searchFrom: { atMs: number; boundMs: number } | undefined;
  /** not certifying: what the last STALL_STEPS steps gained */
  private readonly recent = new GainWindow(STALL_STEPS);
  /** not certifying: the objective at the search's first step */
  private startObjective: number | undefined;
  /** few pairs (SMALL_PAIRS): no bound slices while the search moves by estimates */
  readonly small: boolean;
  /**
   * Below largeForPricing: no anytime-bound slices while the search moves by estimates (at 1,000 × 50
   * their bounds, ~3e-2 below the objective, never beat the first pass's), but the ascent once the
   * moves have slowed enough for a proof to be plausible (EarlyAscent)
   */
  private readonly cheapPass: boolean;
  private readonly early = new EarlyAscent();

  constructor(
    private readonly frame: Frame,
    /** the plan context of the search (the bound relaxes its deadline multipliers itself) */
    ctx: PlanContext,
    /** the search's deadline (searchEnd may move it once the first bound's pass is timed) */
    public deadlineAt: number,
    private readonly stopOnGap: boolean,
    /** no bound work: the search ends where it stalls (STALL_STEPS) instead of on a proven gap */
    private readonly stopOnStall = false,
  ) {
    this.bound = createAnytimeBound(ctx, { relativeGap: frame.options.relativeGap, devicePasses: frame.runtime.devicePasses });
    this.small = smallForBound(ctx);
    this.cheapPass = !largeForPricing(ctx);
  }

  proven(sol: Solution, priced?: number[][], settled = false): boolean {
    const { proof, clock, options } = this.frame;
    this.frame.steps.count++;
    proof.offerObjective(sol.cost, 'search');
    if (this.stopOnStall) return this.stalled(sol.cost, settled);
    // With deadlines the search's solution may be late: no stop on it, and the time goes to the deadline rounds.
    if (!this.stopOnGap) return false;
    const stalled = this.lastObjective - sol.cost <= options.relativeGap * sol.cost;
    this.lastObjective = Math.min(this.lastObjective, sol.cost);
    if (priced) this.takePriced(sol, priced);
    if (proof.met()) return true;
    if (stopRequested()) return false;
    if (priced || settled) {
      const fresh = !samePlans(this.ascentPlans, sol.plans) || this.ascentCut;
      const allowance = SHARE.stalledSearchBound * clock.elapsedMs() - proof.boundMs;
      if (settled && fresh) {
        // Settled: only the proof is missing. The ascent gets a number of passes (it needs 2–4 from
        // a settled search's prices), not a share of the time: what it can prove does not depend on
        // how loaded the machine is. It ends sooner at the tolerance or where its model has no
        // better point to offer.
        this.ascend(sol, this.deadlineAt, priced, SETTLED_PASSES);
      } else if ((stalled || this.ascentPlans === null) && fresh && allowance > this.passMs) {
        this.ascend(sol, Math.min(this.deadlineAt, Date.now() + allowance), priced);
      }
    } else if (this.cheapPass) {
      // (Few pairs, SMALL_PAIRS: the moves settle within tens of milliseconds; the settled ascent proves it.)
      if (!this.small && this.early.due(sol.cost, options.relativeGap)) {
        const allowance = SHARE.stalledSearchBound * clock.elapsedMs() - proof.boundMs;
        // Only where its passes end before the search's deadline: one cut short costs the search its
        // last steps (1,000 × 50 at 1 s, seed 2: 48 ms taken, an answer 6e-5 worse, the gap 2.0e-4 for 1.4e-4).
        const passesMs = EARLY_PASSES * ASCENT_PASS_PER_FIRST * this.bound.stats.lastPassMs;
        if (allowance > this.passMs && Date.now() + passesMs < this.deadlineAt) {
          const value = this.ascend(sol, Math.min(this.deadlineAt, Date.now() + allowance), undefined, EARLY_PASSES);
          this.early.missed(sol.cost, value, options.relativeGap);
          // Not carried on: the next ascent starts afresh at its own prices (2,000 × 40 seed 6: the bound
          // phase recentred from an early ascent gained nothing in 490 ms; afresh it proved 7.4e-5 in 54 ms;
          // at 1,000 × 50 carrying it into the settled ascent measured the same).
          this.ascentState = undefined;
          this.ascentPlans = null;
        }
      }
    } else {
      // Counted from the search's first step: time before it (baselines, the first bound) earns no credit.
      this.searchFrom ??= { atMs: clock.elapsedMs(), boundMs: proof.boundMs };
      const allowance = SHARE.interleavedBound * (clock.elapsedMs() - this.searchFrom.atMs) - (proof.boundMs - this.searchFrom.boundMs);
      if (allowance > 0 && !this.small) this.tighten(sol, Math.min(this.deadlineAt, Date.now() + allowance));
    }
    return proof.met();
  }

  /**
   * Whether the last STALL_STEPS steps together, or every step up to settled estimated moves, gained
   * at most the tolerance (relativeGap 0: nothing at all).
   */
  private stalled(objective: number, settled: boolean): boolean {
    const within = (from: number) => from - objective <= this.frame.options.relativeGap * Math.abs(objective);
    this.startObjective ??= objective;
    if (settled && within(this.startObjective)) return true;
    const gained = this.recent.add(objective);
    return gained !== undefined && gained <= this.frame.options.relativeGap * Math.abs(objective);
  }

  offerQuotes(quotes: readonly (readonly QuotedPair[])[]): void {
    this.quotes = quotes;
  }

  /** The anytime bound, offered `sol`'s prices and tightened until `until`. */
  private tighten(sol: Solution, until: number): void {
    const startedAt = Date.now();
    // (Not while prices at the dual's top wait for their exact pass: a large search's early prices, far
    // below them, would take their place; 5,000 × 100 seed 2 at 5 s then answered the first pass's bound.)
    if (this.top === null) offerPrices(this.bound, pricesOf(sol));
    const value = tightenBound(this.bound, until, this.frame.proof.objective);
    this.frame.proof.offerBound(value, Date.now() - startedAt, 'search', this.bound.prices);
  }

  /** The bound at `sol`'s prices from the search's priced matrix: no pass needed. */
  private takePriced(sol: Solution, priced: number[][]): void {
    const startedAt = Date.now();
    offerPrices(this.bound, pricesOf(sol), priced);
    this.frame.proof.offerBound(this.bound.value, Date.now() - startedAt, 'search', this.bound.prices);
  }

  /**
   * Ascend the Lagrangian dual from `sol`'s prices until `until` (or the tolerance): carried on
   * when the plans are those of the last ascent; otherwise recentred at the search's latest prices
   * (not carried on from where an ascent at earlier plans ended: measured, an ascent from a
   * converged search's prices gets further in the same time; the dual at a start says little about
   * how far it leads), with the cuts of every earlier pass kept. Also the final bound phase (boundPhase).
   */
  ascend(sol: Solution, until: number, priced?: number[][], maxPasses?: number): number {
    const { proof, options } = this.frame;
    const startedAt = Date.now();
    const same = samePlans(this.ascentPlans, sol.plans);
    this.ascentPlans = sol.plans.slice(); // a copy: the search may change its array in place
    // New plans: the ascent moves to their prices and keeps its cuts (they are the dual's, not the search's).
    if (this.ascentState && !same) recentreBundle(this.ascentState, pricesOf(sol), priced);
    const found = ascendBound(this.bound.ctx, pricesOf(sol), until, proof.objective, {
      ...(priced ? { priced } : {}),
      ...(this.ascentState ? { resume: this.ascentState } : {}),
      ...(maxPasses ? { maxPasses } : {}),
      ...(this.quotes ? { cuts: this.quotes } : {}),
      floors: this.bound.floors,
      tolerance: gapTarget(options.relativeGap),
    });
    this.quotes = undefined;
    this.ascentState = found.bundle;
    this.ascentCut = now() >= until;
    // Not even one pass fitted: the next ascent waits until twice this time is allowed.
    if (found.value === -Infinity) this.passMs = Math.max(this.passMs, 2 * (Date.now() - startedAt));
    proof.offerBound(found.value, Date.now() - startedAt, 'search', found.prices);
    return found.value;
  }

  /**
   * A warm start's first bound from an earlier answer's dual prices (previous.prices, merged into
   * `prices`): evaluated exactly first (prices are never a bound by themselves: any prices give a
   * valid bound once evaluated), then ascended until the tolerance or `until`. Its cuts and best
   * point stay with the watch: the search's later ascents carry on from them.
   */
  fromPrevious(prices: PriceVectors, start: Solution, until: number): void {
    this.completePass(until, () => {
      // The start plan (mostly the previous association) as the pass's hints: each device's cheapest
      // pair is usually where it is, so its first pair priced sets a tight cutoff for the rest.
      const { choice, bandwidthHz } = this.bound;
      for (const plan of start.plans)
        for (const d of plan.devices) {
          if (choice[d.device] < 0) choice[d.device] = plan.server;
          if (Number.isNaN(bandwidthHz[d.device])) bandwidthHz[d.device] = d.bandwidthHz;
        }
      offerGivenPrices(this.bound, prices);
    });
  }

  /** The first complete pass at `sol`'s prices (resumable slices), by `until` at the latest. */
  firstPass(sol: Solution, until: number): void {
    this.completePass(until, () => offerPrices(this.bound, pricesOf(sol)));
  }

  /** Offers prices (`offer`), then runs the pass at them to its end in slices, by `until` at the latest. */
  private completePass(until: number, offer: () => void): void {
    const startedAt = Date.now();
    offer();
    // One pass (a host may split it between threads: one call, not many short slices, each a hand-off).
    if (!Number.isFinite(this.bound.value)) tightenBound(this.bound, until, this.frame.proof.objective, 1);
    this.frame.proof.offerBound(this.bound.value, Date.now() - startedAt, 'search', this.bound.prices);
  }
}

/**
 * A warm search's first devices to quote (warmFocus): where the bound's pass before the search
 * (firstBound: at an earlier answer's prices, or the warm plan's) found each device's cheapest
 * server. Null (every device) for a cold start or without a complete pass, and on large instances,
 * whose first pass prices one pair per device, the warm start's (every device would look in place:
 * at 2,000 × 60 only the displaced ones were named, and the focused search stalled and quoted the rest).
 * Null too where the search neither certifies nor ends on its gap (`proving` false: no certificate, or
 * device deadlines): the focus only pays where a proof may end the search before the rest is quoted.
 */
function searchFocus(ctx: PlanContext, start: StartPlans, watch: BoundWatch, proving: boolean): Uint8Array | null {
  const warm = start.warmPlan;
  if (!proving || !warm || warm !== start.startPlan || watch.bound.stats.passes === 0 || largeForPricing(ctx)) return null;
  return warmFocus(ctx, warm.assignment, watch.bound.choice);
}

/** What the search's last `steps` steps gained together: the stall rule's and EarlyAscent's one window. */
class GainWindow {
  /** the running best objective of the last `steps` + 1 steps, oldest first */
  private readonly best: number[] = [];

  constructor(private readonly steps: number) {}

  /** Adds a step's objective; returns the window's best before its first step minus `objective` (undefined until full). */
  add(objective: number): number | undefined {
    this.best.push(Math.min(objective, this.best.at(-1) ?? Infinity));
    if (this.best.length > this.steps + 1) this.best.shift();
    return this.best.length > this.steps ? this.best[0] - objective : undefined;
  }
}

/**
 * When the ascent starts while the search still moves by estimates (below largeForPricing): the search's
 * objective gets within the dual gap well before its moves settle (1,000 × 50 seed 1: 3e-5 above its
 * final value at 760 ms, settled at 901 ms, proven 5e-5 by the settled ascent at 1,048 ms). Due once the
 * last EARLY_STEPS steps together gained at most EARLY_GAIN × relativeGap of the objective; after an
 * ascent that did not prove the gap, only once the objective has fallen by what that ascent missed
 * (its bound's distance beyond the tolerance): the same prices would miss again. An ascent from prices
 * mid-search reaches less far than from settled ones (1,000 × 50 seeds 1–4: 8–9e-5 below the final
 * objective in 3 or 6 passes, against 5e-5), so it must come late in the moves: 1,000 × 50 seeds 1–8,
 * CPU ms summed, EARLY_GAIN 0.1: 5,720–5,864; 0.03: 5,018–5,315; 0.01: 5,297–5,499; base 5,984–6,088.
 */
export class EarlyAscent {
  /** what the last EARLY_STEPS steps gained */
  private readonly recent = new GainWindow(EARLY_STEPS);
  /** the next ascent only at or below this objective */
  private below = Infinity;

  due(objective: number, relativeGap: number): boolean {
    const gained = this.recent.add(objective);
    if (relativeGap <= 0 || gained === undefined || objective > this.below) return false;
    return gained <= EARLY_GAIN * relativeGap * Math.abs(objective);
  }

  /** An ascent at `objective` ended at `bound`: the next waits until the objective has fallen by what it missed. */
  missed(objective: number, bound: number, relativeGap: number): void {
    const short = objective - bound - relativeGap * Math.abs(objective);
    this.below = Number.isFinite(short) ? objective - Math.max(short, 0) : objective;
  }
}

/** Whether the search settles before a first pass or interleaved bound slices would pay (SMALL_PAIRS). */
function smallForBound(ctx: PlanContext): boolean {
  let pairs = 0;
  for (const dm of ctx.models) pairs += dm.servers.length;
  return pairs <= SMALL_PAIRS;
}

/** Whether two solutions' plans are the same objects server by server (same prices: nothing re-planned). */
function samePlans(a: Solution['plans'] | null, b: Solution['plans']): boolean {
  return a !== null && a.length === b.length && a.every((p, m) => p === b[m]);
}

/**
 * The ascent stops at this share of options.relativeGap: the objective it aims at may still fall
 * a little, and the answer's gap must stay within the tolerance (never 0: an exact 0 is never met).
 */
function gapTarget(relativeGap: number): number {
  return Math.max(relativeGap * 0.8, 1e-9);
}

/**
 * A bound that costs one look at each device: its cheapest local and stability cost (uplink, edge
 * and migration costs, all ≥ 0, dropped). Weak, but there at once at any size.
 */
function fixedCostBound(ctx: PlanContext): number {
  let sum = 0;
  for (let n = 0; n < ctx.models.length; n++) sum += choicesOf(ctx, n).minFixedCost;
  return sum;
}

/** An earlier answer's prices, with the start plan's where they name no price (a server new since then). */
function mergedPrices(previous: NonNullable<NonNullable<Instance['previous']>['prices']>, start: Solution): PriceVectors {
  const own = pricesOf(start);
  return {
    bandwidth: previous.bandwidth.map((p, m) => p ?? own.bandwidth[m]),
    frequency: previous.frequency.map((p, m) => p ?? own.frequency[m]),
    seat: previous.seat.map((p) => p ?? 0),
  };
}

/**
 * The first bound, with the first feasible plan: the fixed-cost bound at once, then (unless the
 * instance is small, SMALL_PAIRS) the Lagrangian bound at the start plan's prices within
 * SHARE.firstBound of the limit. Skipped where the search enumerates (it proves by itself).
 */
function firstBound(frame: Frame, ctx: PlanContext, startPlan: Solution | null, watch: BoundWatch, hasDeadlines: boolean): void {
  if (!startPlan || associationCount(ctx) <= ASSOCIATION_LIMIT) return;
  frame.proof.offerObjective(startPlan.cost, 'search', false);
  const startedAt = Date.now();
  frame.proof.offerBound(fixedCostBound(ctx), Date.now() - startedAt, 'search');
  // With deadlines the time goes to the deadline rounds; the Lagrangian bound comes at the end.
  if (stopRequested() || hasDeadlines) return;
  const share = largeForPricing(ctx) ? SHARE.firstBoundLarge : SHARE.firstBound;
  // A start plan that came late (a loaded machine) leaves the first pass no more than the bound's own deadline.
  const until = Math.min(Date.now() + frame.clock.limitMs * share, frame.clock.at(SHARE.bound));
  const previous = frame.instance.previous?.prices;
  // Small: the ascent once the moves settle proves it (an earlier answer's prices may prove the warm plan at once).
  if (!previous && watch.small) return;
  if (previous) watch.fromPrevious(mergedPrices(previous, startPlan), startPlan, until);
  else watch.firstPass(startPlan, until);
}

/**
 * Large and cold, after the first bound and the baselines: the search has little time left at such
 * sizes, so the start becomes a plan at prices near the dual's top when that plans better than the
 * greedy start, and those prices go to the bound's next pass. Not with deadlines (their rounds need
 * the time).
 *
 * Where the limit leaves room for it (topStartTimes: TOP_START_PLANS first plans or
 * TOP_START_QUICK_PASSES first passes, after setting aside the exact pass at the top and the plan;
 * then TOP_MORE_PASSES of the model's first pass), the top start (association/dual-start.ts topStartPlan): the
 * cutting-plane model over each device's strongest-gain servers (bound/bundle.ts restrictedTop)
 * climbs from fluid prices, and each device's cheapest candidate at the pass that overloads the
 * servers least is planned; the bound's next pass evaluates its prices exactly. Else the dual start
 * alone (dualStartPlan: price steps, then the cheapest servers planned), neither as near the top nor
 * as good a plan (5,000 × 100 seeds 1, 2, untimed: the dual start's 16 steps plan 0.660283, 0.660469,
 * the exact dual at its prices 0.658971, 0.658564; the top start's 6 passes 0.660146, 0.660226, and
 * 0.659963, 0.659753).
 */
function dualStart(frame: Frame, ctx: PlanContext, start: StartPlans, watch: BoundWatch, hasDeadlines: boolean): void {
  const greedy = start.greedyPlan;
  if (start.warmPlan || !greedy || hasDeadlines || !largeForPricing(ctx) || stopRequested()) return;
  const { clock } = frame;
  // The exact pass at the top, measured by the first pass (split with a helper thread, it is
  // shorter, and so is what is set aside); the model and the plan, on this thread, by the first plan.
  const quickMs = watch.bound.stats.passes > 0 ? watch.bound.stats.lastPassMs : 0;
  const times = topStartTimes(clock.at(SHARE.bound), Date.now(), quickMs, start.planMs);
  if (times) {
    const { topBy, exactBy } = times;
    // (Priced on this thread, the exact pass is set aside again once the model's first pass is timed:
    // it costs a few of those too.)
    const alone = !frame.runtime.devicePasses;
    const modelBy = (firstMs: number) => {
      const by = alone ? Math.min(topBy, clock.at(SHARE.bound) - EXACT_PER_TOP_PASS * firstMs - TOP_PLAN_PER_PLAN * start.planMs) : topBy;
      // (Once its first pass is timed: too few passes left for it, the dual start instead.)
      return firstMs > 0 && by - Date.now() < TOP_MORE_PASSES * firstMs ? -Infinity : by;
    };
    const found = topStartPlan(
      ctx,
      planPrices(greedy.plans),
      greedy,
      modelBy,
      exactBy,
      clock.at(SHARE.dualStartPlan),
      TOP_CANDIDATES,
      greedy.cost,
      TOP_START_PASSES,
    );
    if (found) {
      adoptStart(frame, ctx, start, found.sol);
      found.choice.forEach((m, n) => m >= 0 && (watch.bound.choice[n] = m));
      watch.top = { prices: found.prices, passesBefore: watch.bound.stats.passes };
      offerPrices(watch.bound, found.prices);
      return;
    }
  }
  const dual = dualStartPlan(
    ctx,
    planPrices(greedy.plans),
    greedy,
    clock.at(SHARE.dualStart),
    // (the plan itself may run as late as ever: on a starved machine the plan matters more than the bound)
    clock.at(SHARE.dualStartPlan),
    start.planMs / 8,
  );
  if (!dual || !(dual.cost < greedy.cost)) return;
  adoptStart(frame, ctx, start, dual);
  offerPrices(watch.bound, dual.prices);
}

/**
 * When the top start's model must end (topBy) and its plan (exactBy), from the bound's deadline, the
 * first pass and the first plan; null where the limit leaves it too little room (the dual start then).
 */
export function topStartTimes(boundAt: number, at: number, quickMs: number, planMs: number): { topBy: number; exactBy: number } | null {
  if (!(quickMs > 0)) return null;
  const exactBy = boundAt - EXACT_PER_QUICK_PASS * quickMs;
  const topBy = exactBy - TOP_PLAN_PER_PLAN * planMs;
  return topBy - at >= Math.min(TOP_START_PLANS * planMs, TOP_START_QUICK_PASSES * quickMs) ? { topBy, exactBy } : null;
}

/** A start plan that plans better than the greedy one becomes the start, the incumbent and the proof's objective. */
function adoptStart(frame: Frame, ctx: PlanContext, start: StartPlans, plan: Solution | null): void {
  if (!plan || !start.greedyPlan || !(plan.cost < start.greedyPlan.cost)) return;
  start.startPlan = plan;
  frame.proof.offerObjective(plan.cost, 'search', false);
  offerIncumbent(plan.cost, () => decisionsOf(ctx, plan));
}

/**
 * A second look for the dual's top, once the exact pass at the first one's prices is done and time
 * is left for the model and one more pass: each device's cheapest server in that pass joins its
 * candidates (at 5,000 × 100 it lay outside its 8 strongest-gain servers for 617 and 1,755 of 5,000
 * devices, seeds 1 and 2, and the model, blind to them, overstated the dual by up to 3.6e-4). From
 * the same prices, 7 passes: the exact dual 0.659963 → 0.660022 and 0.659461 → 0.659861 (plans
 * 0.660283, 0.660469), 2,000 × 60 seed 1 0.649557 → 0.649920.
 */
function topAgain(watch: BoundWatch, hardDeadline: number, objective: number): void {
  const { bound, top } = watch;
  if (!top) return;
  watch.top = null;
  // The exact pass at the first top (the pass it was offered to), then the second look if it fits.
  tightenBound(bound, hardDeadline, objective, Math.max(0, top.passesBefore + 1 - bound.stats.passes));
  const exactMs = bound.stats.lastPassMs;
  if (bound.stats.passes <= top.passesBefore || boundCloseEnough(bound, objective)) return;
  if (!(hardDeadline - Date.now() > 2 * exactMs)) return;
  const again = restrictedTop(bound.ctx, top.prices, hardDeadline - exactMs, objective, TOP_CANDIDATES, bound.choice.slice());
  if (!again) return;
  again.choice.forEach((m, n) => m >= 0 && (bound.choice[n] = m));
  offerPrices(bound, again.prices);
}

/**
 * What the exact pass at the dual's top takes, in first passes (bound/anytime.ts's quick pass at
 * fluid prices, one pair a device): near the top many servers are about as cheap for a device, and
 * the pass prices 15–25 pairs a device. With the faster pair pricing, 5,000 × 100 seeds 1, 2 at
 * 3 s (CPU time, load 1.5–6): 168–250 ms against first passes of 106–214 ms (1.0–2.2×, once 2.7× on
 * the wall clock at load 5; before it, 604 ms against 182 ms). The bound phase had 400–870 ms left
 * after it. (Where the first pass is long, the first solve after another, the ratio is lowest.)
 */
const EXACT_PER_QUICK_PASS = 2.5;
/**
 * ...and in the model's first passes (restrictedTop at fluid prices: each device's TOP_CANDIDATES
 * servers priced, most of their members new): 562–879 ms against 296–386 ms at 5,000 × 100 (1.9–2.5×),
 * measured before the pricing kernel was made faster; since then the exact pass at the top takes
 * 168–286 ms and the model's first pass 70–162 ms, so this is a generous reserve (topBy, which sets
 * aside EXACT_PER_QUICK_PASS first passes, usually binds first).
 */
const EXACT_PER_TOP_PASS = 2.6;
/**
 * Passes of the top start's model: 5,000 × 100 seeds 1, 2, untimed, the exact dual at its prices and
 * the plan at its choices after 6 passes 0.659963, 0.659753 and 0.660146, 0.660226; after 7 0.659973,
 * 0.659760 and 0.660142, 0.660122 (one pass more, 0.1–0.2 s); after 5 (shared servers after 2)
 * 0.659953, 0.659693 and 0.660461, 0.660326.
 */
const TOP_START_PASSES = 6;
/**
 * Servers per device in restrictedTop's model: its strongest-gain ones (and the shared servers,
 * bundle.ts SHARED_SERVERS). From fluid prices, 7 passes, 5,000 × 100 seeds 1, 2: 8 give an exact
 * dual of 0.659973, 0.659760 at the prices reached (plans 0.660142, 0.660122); 6 give 0.659960,
 * 0.659755 and plans 0.660106, 0.660395. From the dual start's prices, without shared servers: 4 →
 * 8 → 16 servers, 2,000 × 60 seed 1: 0.649031 → 0.649557 → 0.649747, 8 at 1.1–1.5× the time of 4, 16
 * twice.
 */
const TOP_CANDIDATES = 8;
/**
 * The plan at the top, in first plans (start.planMs): most servers' members are new, as in the first
 * plan (5,000 × 100 at 3 s: 139–236 ms against first plans of 340–840 ms, 0.3–0.6).
 */
const TOP_PLAN_PER_PLAN = 0.5;
/**
 * The room the top start needs before its plan, in first plans (start.planMs, planned on this thread
 * as the model is): its model's first pass (members of 8 servers a device, 70–120 ms at 5,000 × 100
 * with the faster pricing kernel) and 5 more with their models (90–190 ms each), 0.55–0.88 s against first plans of
 * 340–650 ms (5,000 × 100, CPU time, load 2–4). Fewer passes plan worse (the least overloaded of 3
 * passes 0.6629, seed 2, against 0.6602 after 6): below this, the dual start's steps.
 */
const TOP_START_PLANS = 2.8;
/**
 * ...or in first passes, whichever is less. The first plan is the first work of a solve and the
 * slowest to settle after another solve (the collector clearing what that one left, most likely: quiet,
 * 0.39 s of wall time against 0.64 s of CPU): the first solve after the bench's warm-up plans 5,000 ×
 * 100 in 0.53–0.84 s of CPU, the next in 0.32–0.48 s, whichever seed comes first (it is seed 1), while
 * the model's passes cost the same in both. The first pass is slowed less (150–214 ms against
 * 106–145 ms) and the model's 6 passes take 3.5–7 of it: at 3, seed 1 gets the top start at 3 s
 * (5.3–8.5e-4 against the dual start's 1.8e-3) unless its first plan is slower still (0.84 s).
 * TOP_MORE_PASSES then checks the room by the model's own first pass.
 */
const TOP_START_QUICK_PASSES = 3;
/**
 * ...and, once the model's first pass is timed, room for this many more of it (its later passes,
 * their models included, cost 0.6–1.5 of the first): else the top start gives way to the dual start.
 * 3 passes plan badly (5,000 × 100 seed 2 at 2 s, room for 3: 0.663236, gap 5.85e-3, against the dual
 * start's 0.660469 and 2.75e-3; room for 4–5: 0.660246–0.660790, 1.21–2.02e-3). The model's first pass
 * took 130–162 ms there, its later passes 80–170 ms.
 */
const TOP_MORE_PASSES = 3;

function noAssociation(instance: Instance): Outcome {
  return {
    status: 'INFEASIBLE',
    infeasibilities: [
      {
        constraint: 'maxDevices',
        deviceIds: [],
        detail:
          'no association gives every device a reachable server with room' +
          (instance.previous?.pinned.some(Boolean) ? ' (pinned devices only on their previous server)' : ''),
      },
    ],
  };
}

// ---- phase: deadline rounds -----------------------------------------------------------------------

interface DeadlineRounds {
  best: Candidate;
  /** the multipliers the rounds ended with (all 0 when no deadline needed one) */
  multipliers: number[];
  /** the rounds stopped because the next one would not fit before the search's deadline */
  timeRanOut: boolean;
}

/**
 * Deadlines: raise the delay weight of each late device until it meets its deadline. Each round
 * re-plans the current association (cheap) under new multipliers; every few rounds the
 * association is searched again under them.
 */
function deadlineRounds(
  frame: Frame,
  prepared: Prepared,
  found: Found,
  searched: Candidate,
  best: Candidate,
  planMs: number,
  searchDeadline: number,
): DeadlineRounds {
  const { instance } = frame;
  let ctx = prepared.ctx;
  let current = found.sol;
  let ev = searched.ev;
  // A round re-plans every server: it starts only if one, as long as the last took, still fits.
  let roundMs = planMs;
  let timeRanOut = false;
  for (let round = 0; round < DEADLINE_ROUNDS; round++) {
    if (!(remainingMs(searchDeadline) > roundMs)) {
      // Out of time with devices still late: the answer says the limit stopped it.
      timeRanOut = instance.devices.some((d, n) => d.deadlineS !== null && ev.devices[n].physicalDelayS > d.deadlineS);
      break;
    }
    const roundStart = now();
    const late = instance.devices.map((d, n) => d.deadlineS !== null && ev.devices[n].physicalDelayS > d.deadlineS);
    if (!late.some(Boolean) && ctx.deadlineMultipliers.every((v) => v === 0)) break;
    const deviceCost = new Map<number, number>();
    for (const p of current.plans) for (const d of p.devices) deviceCost.set(d.device, d.cost);
    ctx = withMultipliers(
      ctx,
      ctx.deadlineMultipliers.map((v, n) => {
        const d = instance.devices[n];
        if (d.deadlineS === null) return 0;
        if (late[n]) return v > 0 ? v * 3 : Math.max(deviceCost.get(n) ?? 0, ctx.weights.delay * d.deadlineS, 1e-12) / d.deadlineS;
        // Slack deadline: relax its multiplier so the objective is not over-served.
        return ev.devices[n].physicalDelayS < d.deadlineS * 0.999 ? v * 0.7 : v;
      }),
    );
    const next =
      round % DEADLINE_SEARCH_EVERY === DEADLINE_SEARCH_EVERY - 1
        ? search(ctx, current, searchDeadline)
        : { sol: planAll(ctx, current.assignment, searchDeadline) };
    if (!next) break;
    current = next.sol;
    const cand = scored(instance, decisionsOf(ctx, current), prepared.scales);
    ev = cand.ev;
    best = better(best, cand);
    roundMs = now() - roundStart;
  }
  return { best, multipliers: ctx.deadlineMultipliers, timeRanOut };
}

/** No allocation found meets every deadline: proven infeasible, or said so. */
function lateOutcome(frame: Frame, prepared: Prepared, best: Candidate, timedOut: boolean, baselines: BaselineOut[]): Outcome {
  const { instance, clock } = frame;
  const certificate = deadlineCertificate(instance, prepared.models, clock.at(SHARE.deadlineCertificate));
  if (certificate) return { status: 'INFEASIBLE', baselines, infeasibilities: [certificate] };
  const late = instance.devices.filter((d, n) => d.deadlineS !== null && best.ev.devices[n].physicalDelayS > d.deadlineS);
  return {
    status: 'NO_SOLUTION_FOUND',
    timeLimited: timedOut,
    baselines,
    infeasibilities: [
      { constraint: 'deadlineS', deviceIds: late.map((d) => d.id), detail: 'no allocation meeting these deadlines together was found' },
    ],
  };
}

// ---- phase: bound -------------------------------------------------------------------------------

/**
 * The Lagrangian dual bound (deadlines dropped: a relaxation), ascended from the best point known:
 * the search's final prices (priced already, unless deadline multipliers changed the weights) or
 * where the watch's ascent ended; −Infinity when there is no time (or a stop came and pricing
 * afresh would delay the answer by a whole pass).
 */
function boundPhase(frame: Frame, watch: BoundWatch, found: Found, multipliers: number[], objective: number, exact: boolean): number {
  const hardDeadline = frame.clock.at(SHARE.bound);
  if (exact) return objective;
  if (expired(hardDeadline)) return -Infinity; // no time left for a certificate: no bound, no gap
  const reusable = multipliers.every((v) => v === 0) ? found.sol.priced : undefined;
  if (stopRequested() && reusable === undefined) return -Infinity;
  // Large, without the priced matrix: the anytime bound carries on (its pass in progress, then its
  // ascent); pricing every pair afresh does not fit.
  if (reusable === undefined && largeForPricing(watch.bound.ctx)) {
    // (With deadlines the search offered it nothing: its first pass starts from these prices.)
    if (!Number.isFinite(watch.bound.value) && watch.bound.next === null) offerPrices(watch.bound, pricesOf(found.sol));
    const startedAt = Date.now();
    topAgain(watch, hardDeadline, objective);
    const value = tightenBound(watch.bound, hardDeadline, objective);
    frame.proof.offerBound(value, Date.now() - startedAt, 'bound', watch.bound.prices);
    return Math.min(objective, value);
  }
  if (reusable) offerPrices(watch.bound, pricesOf(found.sol), reusable);
  return Math.min(objective, watch.ascend(found.sol, hardDeadline, reusable));
}

// ---- the algorithm ------------------------------------------------------------------------------

/**
 * Where the search ends (no deadlines). Below largeForPricing a pass of the bound is cheap next to a limit
 * of a second or more, and the proof needs a search near its end more than a long ascent: cut short at
 * SHARE.search (1,000 × 50, 2 s), the search left its answer 1–2e-4 above the dual's optimum, beyond any
 * bound's proof. So there the search keeps the limit up to BOUND_RESERVE_PASSES times the first bound's
 * pass before the bound's deadline, at most SHARE.longSearch; elsewhere (large sizes, no certificate,
 * no first pass) it ends at `searchDeadline`.
 */
function searchEnd(frame: Frame, watch: BoundWatch, searchDeadline: number): number {
  const { clock, options } = frame;
  const { passes, lastPassMs } = watch.bound.stats;
  const cheapBound = options.certify !== false && passes > 0 && !largeForPricing(watch.bound.ctx);
  if (!cheapBound || options.timeLimitMs < SHORT_LIMIT_MS) return searchDeadline;
  return longSearchEnd(clock, searchDeadline, lastPassMs);
}

/**
 * searchEnd's rule: BOUND_RESERVE_PASSES passes of `passMs` before the bound's deadline, never before
 * `searchDeadline` nor after SHARE.longSearch of the limit.
 */
export function longSearchEnd(clock: SolveClock, searchDeadline: number, passMs: number): number {
  const reserveMs = BOUND_RESERVE_PASSES * Math.max(passMs, 1);
  return Math.max(searchDeadline, Math.min(clock.at(SHARE.longSearch), clock.at(SHARE.bound) - reserveMs));
}

export function solveAuto(instance: Instance, options: SolveOptions, versions: Versions, runtime: SolveRuntime = {}): AllocateResult {
  const clock = new SolveClock(options.timeLimitMs);
  const frame: Frame = {
    instance,
    options,
    versions,
    clock,
    reference: referenceTotals(instance),
    proof: new Proof(options.relativeGap, clock.startedAt),
    phasesMs: {},
    steps: { count: 0 },
    runtime,
  };
  // A solve that does not certify (what-if scenarios: a good warm answer, no proof) spends no time
  // on the bound: the search may run until the answer must be written, and ends where it stalls.
  // (With deadlines the rounds keep their usual end: the proof that none can be met needs the rest.)
  const certify = options.certify !== false;
  const hasDeadlines = instance.devices.some((d) => d.deadlineS !== null);
  const searchDeadline = clock.at(
    !certify && !hasDeadlines ? SHARE.uncertifiedSearch : options.timeLimitMs < SHORT_LIMIT_MS ? SHARE.shortSearch : SHARE.search,
  );
  const giveUpAt = clock.endAt + FALLBACK_GRACE_MS;
  // Arrived with nothing left of the limit (a long queue, a loaded machine): say so at once.
  if (expired(giveUpAt)) return answer(frame, outOfTime());
  // ...or with less than its preparation costs on an idle machine (time-floor.ts): preparing does not
  // look at the clock (90–180 ms at 1,000 × 50 on a loaded machine), so a solve started without time
  // for it would only answer the same, late (a what-if scenario whose slot was used up).
  const size = { devices: instance.devices.length, servers: instance.servers.length, layers: instance.layers };
  if (remainingMs(giveUpAt) < minSolverTimeMs(size)) return answer(frame, outOfTime());

  const prepared = phase(frame, 'prepare', () => prepare(frame));
  if (!('ctx' in prepared)) return answer(frame, prepared);

  const start = phase(frame, 'start', () => planStart(prepared.ctx, options, searchDeadline, giveUpAt));
  if (!start) return answer(frame, outOfTime());
  const { startPlan } = start;
  // The start plan is the first incumbent (GET /jobs/{id}?include=best): offered before the first
  // bound, whose progress reports already carry its objective (progress itself waits for a bound).
  if (startPlan) offerIncumbent(startPlan.cost, () => decisionsOf(prepared.ctx, startPlan));
  // The first search runs without deadline multipliers: bounds at its prices are valid (deadlines relaxed).
  // Not certifying: the watch does no bound work and ends the search where it stalls.
  const watch = new BoundWatch(frame, prepared.ctx, searchDeadline, !hasDeadlines && certify, !hasDeadlines && !certify);
  if (options.algorithm !== 'paper' && certify)
    phase(frame, 'firstBound', () => firstBound(frame, prepared.ctx, start.startPlan, watch, hasDeadlines));
  const firstBoundValue = Number.isFinite(frame.proof.bound) ? { bound: frame.proof.bound } : {};
  reportProgress({ phase: 'search', ...(startPlan ? { objective: startPlan.cost } : {}), ...firstBoundValue }, true);

  // (Baselines off: the start as planned now joins the portfolio after the search, startInPortfolio.)
  const portfolioStart = options.baselines ? null : start.startPlan;
  const baselines = phase(frame, 'baselines', () => runBaselines(frame, prepared, start, searchDeadline, options.algorithm !== 'paper'));
  if (options.algorithm === 'paper') return answer(frame, paperOutcome(frame, prepared.scales, baselines));
  // (After the baselines: they keep their share of the limit.)
  phase(frame, 'dualStart', () => dualStart(frame, prepared.ctx, start, watch, hasDeadlines));

  const firstSearchDeadline = hasDeadlines ? clock.at(SHARE.firstSearchWithDeadlines) : searchEnd(frame, watch, searchDeadline);
  if (!hasDeadlines) watch.deadlineAt = firstSearchDeadline;
  const focus = searchFocus(prepared.ctx, start, watch, certify && !hasDeadlines);
  const found = phase(frame, 'search', () => search(prepared.ctx, start.startPlan, firstSearchDeadline, watch, focus));
  if (!found) return answer(frame, noAssociation(instance));
  const searched = scored(instance, decisionsOf(prepared.ctx, found.sol), prepared.scales);
  let best = better(null, searched);
  for (const b of baselines) best = better(best, b);
  if (portfolioStart) best = startInPortfolio(frame, prepared, portfolioStart, hasDeadlines, found, searched, best);
  // Stopped by the proof (not by time): the search ended early with its answer proven.
  const provenEarly = !hasDeadlines && frame.proof.met() && !expired(firstSearchDeadline);

  const rounds = hasDeadlines
    ? phase(frame, 'deadlines', () => deadlineRounds(frame, prepared, found, searched, best, start.planMs, searchDeadline))
    : { best, multipliers: prepared.ctx.deadlineMultipliers, timeRanOut: false };
  best = rounds.best;
  const exact = found.enumerated && found.sol.exact && searched.ev.violations.length === 0 && rounds.multipliers.every((v) => v === 0);

  const timedOut = !provenEarly && (expired(hasDeadlines ? searchDeadline : firstSearchDeadline) || rounds.timeRanOut);
  const baselineOut = baselinesOut(options, baselines);
  if (best.ev.violations.length > 0) return answer(frame, lateOutcome(frame, prepared, best, timedOut, baselineOut));

  const objective = best.ev.objective;
  frame.proof.offerObjective(objective, 'bound');
  reportProgress({ phase: 'bound', objective }, true);
  const boundDeadline = clock.at(SHARE.bound);
  // (With deadlines the proof's objective may be a late solution's: only the answer's own gap counts.)
  const proven = exact || (!hasDeadlines && frame.proof.met());
  const bound = proven
    ? exact
      ? objective
      : frame.proof.bound
    : !certify
      ? -Infinity
      : Math.max(
          frame.proof.bound,
          phase(frame, 'bound', () => boundPhase(frame, watch, found, rounds.multipliers, objective, exact)),
        );
  // (The bound phase offers what it evaluates: only a value it did not offer counts once more.)
  if (!proven && Number.isFinite(bound) && bound > frame.proof.bound) frame.proof.offerBound(bound, 0, 'bound', watch.bound.prices);
  const finalBound = Math.min(objective, bound);
  const gap = objective > 0 ? Math.max(0, (objective - finalBound) / objective) : 0;
  const withinTolerance = exact || gap <= Math.max(options.relativeGap, 1e-9);
  reportProgress({ phase: 'done', objective, ...(Number.isFinite(finalBound) ? { bound: finalBound } : {}) }, true);
  return answer(frame, {
    status: withinTolerance ? 'OPTIMAL' : 'FEASIBLE',
    termination: exact ? 'CONVERGED' : withinTolerance ? 'GAP' : timedOut || expired(boundDeadline) ? 'TIME' : 'CONVERGED',
    timeLimited: timedOut && !exact,
    best,
    ...(Number.isFinite(finalBound) ? { bound: { value: finalBound, gap } } : {}),
    ...(exact ? {} : { prices: frame.proof.prices }),
    baselines: baselineOut,
  });
}
