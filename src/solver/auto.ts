// The default algorithm: exact enumeration where the instance is small, price-guided
// association search with exactly re-solved servers where it is not; baselines join the
// portfolio (auto is never worse than any of them); deadlines are enforced with per-device
// multipliers on delay; the Lagrangian dual bound certifies the gap.

import { effectiveWeights, objectiveScales, referenceTotals } from '../model/evaluate.js';
import type { AllocateResult, BaselineOut, DeviceDecision, Evaluation, Instance, SolveOptions, Totals } from '../model/types.js';
import { solvePaper, type PaperResult } from './paper/index.js';
import {
  associationCount,
  enumerateAssociations,
  greedyAssociation,
  improveAssociation,
  planAll,
  planAllBefore,
  type Solution,
} from './association/association.js';
import { balanceAssociation } from './association/balance.js';
import { warmAssociation, warmPlans } from './association/warm.js';
import { computeBaselines, decisionsOf } from './baselines.js';
import { lagrangianBound } from './bound/bound.js';
import { buildDeviceModels } from './pricing/device-model.js';
import { deadlineCertificate, provenInfeasibilities } from './bound/feasibility.js';
import { allocationsOf, scored } from './result.js';
import { createPlanContext, type PlanContext } from './pricing/member.js';
import { expired, now, remainingMs, SolveClock } from './clock.js';
import { reportProgress, stopRequested } from './control.js';

/** Per-server (mode, split) combinations enumerated exhaustively. */
const EXACT_LIMIT = 5000;
/**
 * How far past the limit planning the fallback (the greedy association) may run before the solve
 * gives up on it: the contract leaves 10% + 50 ms beyond the limit for the whole answer.
 */
const FALLBACK_GRACE_MS = 25;
/** Associations enumerated exhaustively (each over memoised server plans). */
const ASSOCIATION_LIMIT = 256;
/** Share of the time limit the search may use; the rest is for the bound and the answer. */
const SEARCH_SHARE = 0.55;
/** Under this limit the allocation matters more than its certificate: the search gets SHORT_SEARCH_SHARE. */
const SHORT_LIMIT_MS = 200;
const SHORT_SEARCH_SHARE = 0.8;
/** The publication's method runs as a baseline up to this many reachable (device, server) pairs... */
const PAPER_BASELINE_PAIRS = 100;
/** ...with this share of the time limit. */
const PAPER_BASELINE_SHARE = 0.2;

function runPaper(instance: Instance, options: SolveOptions, deadlineAt: number): PaperResult | null {
  try {
    return solvePaper(instance, options, deadlineAt);
  } catch {
    return null; // it found no feasible allocation: no baseline, and the answer says so
  }
}

/** The baselines as answered: each with its objective, totals and whether it meets every constraint. */
function baselinesOut(options: SolveOptions, baselines: { name: string; ev: Evaluation }[]): BaselineOut[] {
  if (!options.baselines) return [];
  return baselines.map((b) => ({ name: b.name, objective: b.ev.objective, totals: b.ev.totals, feasible: b.ev.violations.length === 0 }));
}

/** `algorithm: "paper"`: the publication's answer as it is, scored and reported like any other. */
function answerWithPaper(
  instance: Instance,
  options: SolveOptions,
  reference: Totals,
  scales: Totals,
  baselines: { name: string; ev: Evaluation }[],
  t0: number,
  solver: () => AllocateResult['solver'],
): AllocateResult {
  const paper = runPaper(instance, options, t0 + options.timeLimitMs * 0.9);
  const baselineOut = baselinesOut(options, baselines);
  if (!paper) {
    return {
      status: 'NO_SOLUTION_FOUND',
      allocations: [],
      reference,
      baselines: baselineOut,
      infeasibilities: [{ constraint: 'deadlineS', deviceIds: [], detail: "the publication's method found no feasible allocation" }],
      solver: solver(),
    };
  }
  const { decisions, ev } = scored(instance, paper.decisions, scales);
  return {
    status: 'FEASIBLE',
    ...(paper.stoppedByTime ? { limit: 'TIME' as const } : {}),
    objective: ev.objective,
    allocations: allocationsOf(instance, decisions, ev),
    totals: ev.totals,
    reference,
    baselines: baselineOut,
    solver: solver(),
  };
}

export interface Versions {
  algorithm: string;
  version: string;
}

interface Candidate {
  decisions: DeviceDecision[];
  ev: Evaluation;
}

function better(a: Candidate | null, b: Candidate): Candidate {
  if (b.ev.violations.length > 0) return a ?? b;
  if (a === null || a.ev.violations.length > 0 || b.ev.objective < a.ev.objective) return b;
  return a;
}

function search(ctx: PlanContext, warm: Solution | number[] | null, deadlineAt: number): { sol: Solution; enumerated: boolean } | null {
  // Out of time with a plan at hand: that plan is the answer (every step below starts with a full pass).
  if (warm !== null && !Array.isArray(warm) && expired(deadlineAt)) return { sol: warm, enumerated: false };
  if (associationCount(ctx) <= ASSOCIATION_LIMIT) {
    const sol = enumerateAssociations(ctx, deadlineAt);
    return sol ? { sol, enumerated: true } : null;
  }
  const startAssignment = Array.isArray(warm) ? warm : warm ? null : greedyAssociation(ctx);
  const start = Array.isArray(warm) || warm === null ? (startAssignment ? planAll(ctx, startAssignment, deadlineAt) : null) : warm;
  if (!start) return null;
  // No time left (large instances at short limits): the start is the answer, not a late one.
  if (expired(deadlineAt)) return { sol: start, enumerated: false };
  // Estimated single moves first (cheap, converge fast), then priced reassignment and exact
  // move/swap search (which also handles full servers) for the time that is left.
  const balanced = balanceAssociation(ctx, start, deadlineAt);
  return { sol: improveAssociation(ctx, balanced, deadlineAt), enumerated: false };
}

export function solveAuto(instance: Instance, options: SolveOptions, versions: Versions): AllocateResult {
  const clock = new SolveClock(options.timeLimitMs);
  const t0 = clock.startedAt;
  const searchDeadline = clock.at(options.timeLimitMs < SHORT_LIMIT_MS ? SHORT_SEARCH_SHARE : SEARCH_SHARE);
  const hardDeadline = clock.at(0.9);
  const reference = referenceTotals(instance);
  const solver = () => ({ ...versions, solveTimeMs: clock.elapsedMs() });
  const giveUpAt = clock.endAt + FALLBACK_GRACE_MS;
  const outOfTime = (): AllocateResult => ({
    status: 'NO_SOLUTION_FOUND',
    limit: 'TIME',
    allocations: [],
    reference,
    baselines: [],
    infeasibilities: [{ constraint: 'timeLimitMs', deviceIds: [], detail: 'no allocation was complete within the time limit' }],
    solver: solver(),
  });
  // Arrived with nothing left of the limit (a long queue, a loaded machine): say so at once.
  if (expired(giveUpAt)) return outOfTime();
  const scales = objectiveScales(instance, reference);
  const models = buildDeviceModels(instance);

  const infeasibilities = provenInfeasibilities(instance, models);
  if (infeasibilities.length > 0) {
    return { status: 'INFEASIBLE', allocations: [], reference, baselines: [], infeasibilities, solver: solver() };
  }
  const ctx = createPlanContext(instance, effectiveWeights(instance, scales), models, EXACT_LIMIT);

  // The search starts from the previous association when there is one (warm), else greedily. That
  // start, planned, is the fallback answer, ready before anything else runs: every later phase only
  // improves on it and stops at its own deadline. If even this cannot be done within the limit, the
  // answer says so now rather than late.
  const planStart = now();
  const warm = warmAssociation(ctx);
  const warmPlan = warm ? warmPlans(ctx, warm, searchDeadline) : null;
  const greedy = warmPlan && !options.baselines ? null : greedyAssociation(ctx);
  const greedyPlan = greedy ? planAllBefore(ctx, greedy, searchDeadline, giveUpAt) : null;
  const planMs = now() - planStart;
  const startPlan = warmPlan ?? greedyPlan;
  if (greedy && !startPlan) return outOfTime();
  reportProgress({ phase: 'search', ...(startPlan ? { objective: startPlan.cost, incumbent: () => decisionsOf(ctx, startPlan) } : {}) }, true);
  // Baselines plan within a quarter of the limit: past it, planning stops polishing (one
  // best-response round per server), which leaves the search its time on large instances.
  // Not asked for, they are not computed: the start plan joins the portfolio regardless.
  const baselineSolutions = options.baselines
    ? computeBaselines(instance, ctx, scales, options.seed, clock.at(0.25), greedyPlan, planMs)
    : startPlan
      ? [{ name: warmPlan ? 'previous-association' : 'greedy-association', decisions: decisionsOf(ctx, startPlan) }]
      : [];
  if (options.baselines && warmPlan) baselineSolutions.push({ name: 'previous-association', decisions: decisionsOf(ctx, warmPlan) });
  const baselines = baselineSolutions.map((b) => ({ name: b.name, ...scored(instance, b.decisions, scales) }));

  if (options.algorithm === 'paper') return answerWithPaper(instance, options, reference, scales, baselines, t0, solver);
  // The publication's method joins the baselines (and the portfolio) where it is affordable:
  // its association LPs grow with devices × servers.
  const pairs = models.reduce((s, dm) => s + dm.servers.length, 0);
  if (options.baselines && pairs <= PAPER_BASELINE_PAIRS && !clock.expired(0.25)) {
    const paper = runPaper(instance, options, Math.min(now() + options.timeLimitMs * PAPER_BASELINE_SHARE, searchDeadline));
    if (paper) baselines.push({ name: 'paper', ...scored(instance, paper.decisions, scales) });
  }
  // With deadlines the multiplier rounds need time of their own.
  const hasDeadlines = instance.devices.some((d) => d.deadlineS !== null);
  const firstSearchDeadline = hasDeadlines ? clock.at(0.3) : searchDeadline;
  const found = search(ctx, startPlan, firstSearchDeadline);
  if (!found) {
    return {
      status: 'INFEASIBLE',
      allocations: [],
      reference,
      baselines: [],
      infeasibilities: [
        {
          constraint: 'maxDevices',
          deviceIds: [],
          detail:
            'no association gives every device a reachable server with room' +
            (instance.previous?.pinned.some(Boolean) ? ' (pinned devices only on their previous server)' : ''),
        },
      ],
      solver: solver(),
    };
  }
  const searched = scored(instance, decisionsOf(ctx, found.sol), scales);
  let best: Candidate | null = better(null, searched);
  let exact = found.enumerated && found.sol.exact && best.ev.violations.length === 0;
  for (const b of baselines) best = better(best, b);

  // Deadlines: raise the delay weight of each late device until it meets its deadline. Each
  // round re-plans the current association (cheap); every few rounds the association is
  // searched again under the new weights.
  if (hasDeadlines) {
    let current = found.sol;
    let ev = searched.ev;
    // A round re-plans every server: it starts only if one, as long as the last took, still fits.
    let roundMs = planMs;
    for (let round = 0; round < 60 && remainingMs(searchDeadline) > roundMs; round++) {
      const roundStart = now();
      const late = instance.devices.map((d, n) => d.deadlineS !== null && ev.devices[n].physicalDelayS > d.deadlineS);
      if (!late.some(Boolean) && ctx.deadlineMultipliers.every((v) => v === 0)) break;
      const deviceCost = new Map<number, number>();
      for (const p of current.plans) for (const d of p.devices) deviceCost.set(d.device, d.cost);
      ctx.deadlineMultipliers = ctx.deadlineMultipliers.map((v, n) => {
        const d = instance.devices[n];
        if (d.deadlineS === null) return 0;
        if (late[n]) return v > 0 ? v * 3 : Math.max(deviceCost.get(n) ?? 0, ctx.weights.delay * d.deadlineS, 1e-12) / d.deadlineS;
        // Slack deadline: relax its multiplier so the objective is not over-served.
        return ev.devices[n].physicalDelayS < d.deadlineS * 0.999 ? v * 0.7 : v;
      });
      const next = round % 4 === 3 ? search(ctx, current, searchDeadline) : { sol: planAll(ctx, current.assignment, searchDeadline) };
      if (!next) break;
      current = next.sol;
      const cand = scored(instance, decisionsOf(ctx, current), scales);
      ev = cand.ev;
      best = better(best, cand);
      roundMs = now() - roundStart;
    }
    exact = exact && ctx.deadlineMultipliers.every((v) => v === 0);
  }

  const timedOut = expired(searchDeadline);
  const baselineOut = baselinesOut(options, baselines);
  if (best!.ev.violations.length > 0) {
    const certificate = deadlineCertificate(instance, models, clock.at(0.95));
    if (certificate) {
      return { status: 'INFEASIBLE', allocations: [], reference, baselines: baselineOut, infeasibilities: [certificate], solver: solver() };
    }
    const late = instance.devices.filter((d, n) => d.deadlineS !== null && best!.ev.devices[n].physicalDelayS > d.deadlineS);
    return {
      status: 'NO_SOLUTION_FOUND',
      ...(timedOut ? { limit: 'TIME' as const } : {}),
      allocations: [],
      reference,
      baselines: baselineOut,
      infeasibilities: [{ constraint: 'deadlineS', deviceIds: late.map((d) => d.id), detail: 'no allocation meeting these deadlines together was found' }],
      solver: solver(),
    };
  }

  const objective = best!.ev.objective;
  reportProgress({ phase: 'bound', objective }, true);
  let bound: number;
  if (exact) bound = objective;
  else if (expired(hardDeadline)) bound = -Infinity; // no time left for a certificate: no bound, no gap
  else {
    const boundCtx: PlanContext = { ...ctx, deadlineMultipliers: models.map(() => 0) };
    const prices = {
      bandwidth: found.sol.plans.map((p) => p.bandwidthPrice),
      frequency: found.sol.plans.map((p) => p.frequencyPrice),
    };
    // The search priced every pair at these prices already, unless deadline multipliers changed the weights.
    const reusable = ctx.deadlineMultipliers.every((v) => v === 0) ? found.sol.priced : undefined;
    // Stopped (cancel): pricing every pair afresh would delay the answer by a whole pass; skip the bound.
    bound = stopRequested() && reusable === undefined ? -Infinity : Math.min(objective, lagrangianBound(boundCtx, prices, hardDeadline, objective, reusable));
  }
  const gap = objective > 0 ? Math.max(0, (objective - bound) / objective) : 0;
  reportProgress({ phase: 'done', objective, ...(Number.isFinite(bound) ? { bound } : {}) }, true);
  return {
    status: exact || gap <= 1e-9 ? 'OPTIMAL' : 'FEASIBLE',
    ...(timedOut && !exact ? { limit: 'TIME' as const } : {}),
    objective,
    ...(Number.isFinite(bound) ? { bound, gap } : {}),
    allocations: allocationsOf(instance, best!.decisions, best!.ev),
    totals: best!.ev.totals,
    reference,
    baselines: baselineOut,
    solver: solver(),
  };
}
