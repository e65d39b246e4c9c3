// Scoring an allocation the caller already runs: fill the resource amounts it leaves out as the
// solver's server plans would (for the given association, split and mode), score it with the one
// evaluation function, and set it against the Lagrangian bound of the snapshot. Pure: no HTTP.
import { evaluate, effectiveWeights, objectiveScales, referenceTotals } from '../model/evaluate.js';
import { modeKey } from '../model/cost.js';
import type {
  DeviceDecision,
  EvaluateResult,
  EvaluateStatistics,
  Evaluation,
  GivenAllocation,
  Instance,
  Termination,
  Totals,
  TrainingMode,
} from '../model/types.js';
import { allocationsOf } from './result.js';
export type { GivenAllocation } from '../model/types.js';
import { ascendBound, type Prices } from './bound/bound.js';
import { createAnytimeBound, largeForPricing, offerPrices, tightenBound } from './bound/anytime.js';
import type { BundleState } from './bound/bundle.js';
import { planServer } from './resources/server-plan.js';
import { provenInfeasibilities } from './bound/feasibility.js';
import { expired, now } from './clock.js';
import { stopRequested } from './control.js';
import { addTracePoint, timePhase, type TracePoint } from './statistics.js';
import { MODEL_VERSION, SOLVER_VERSION } from './version.js';
import { buildDeviceModels, edgeLoadPerLayer, type DeviceModel } from './pricing/device-model.js';
import { createPlanContext, memberOf, uplinkOf, type PlanContext } from './pricing/member.js';
import { shareBandwidth, shareServerFrequency } from './resources/shares.js';
import { uplinkCost } from './resources/uplink.js';

type ResourceField = EvaluateResult['filled'][number]['fields'][number];

interface Assessment {
  decisions: DeviceDecision[];
  evaluation: Evaluation;
  /** per device, the fields filled in */
  filled: ResourceField[][];
  /** sums at the normalisation reference point */
  reference: Totals;
  /** Lagrangian lower bound on the optimum of the snapshot; absent when none was found in time */
  bound?: number;
  /** phase times, bound passes, the bound over time, why the bound stopped */
  statistics: EvaluateStatistics;
}

/** Same EXACT_LIMIT as the solver: it only matters for plans, which are not made here. */
const EXACT_LIMIT = 5000;

function modeOf(instance: Instance, n: number, given: TrainingMode | undefined): TrainingMode {
  if (given !== undefined) return given;
  const modes = instance.devices[n].modes;
  return modes.find((m) => m.kind === 'backprop') ?? modes[0];
}

/**
 * Fills, server by server, each budget share left out by splitting what the given shares leave
 * among the devices without one, optimally (the solver's market split for fixed choices); power
 * at its optimum for the bandwidth, the device frequency as the solver sets it. A device whose
 * mode or split the device cannot take (a violation evaluate() reports) gets an equal share, full
 * power and full frequency instead.
 */
function fill(
  ctx: PlanContext,
  models: DeviceModel[],
  given: GivenAllocation[],
): { decisions: DeviceDecision[]; filled: ResourceField[][] } {
  const { instance } = ctx;
  const filled: ResourceField[][] = given.map(() => []);
  const decisions: DeviceDecision[] = given.map((g, n) => ({
    server: g.server,
    splitLayer: g.splitLayer,
    mode: modeOf(instance, n, g.mode),
    cpuFrequencyHz: g.cpuFrequencyHz ?? NaN,
    transmitPowerW: g.transmitPowerW ?? NaN,
    bandwidthHz: g.bandwidthHz ?? NaN,
    serverFrequencyHz: g.serverFrequencyHz ?? NaN,
  }));
  instance.servers.forEach((server, m) => {
    const here = decisions.map((_, n) => n).filter((n) => decisions[n].server === m);
    const eKappa = ctx.weights.energy * server.kappa;
    // What the device model knows of each device's (mode, split) here; null when it cannot take it.
    const known = here.map((n) => {
      const option = models[n].options.find((o) => o.key === modeKey(decisions[n].mode) && o.splits.includes(decisions[n].splitLayer));
      if (option === undefined || !(instance.devices[n].gains[m] > 0)) return null;
      const mem = memberOf(ctx, m, n);
      return {
        mem,
        uplink: uplinkOf(mem, option.uplinkKind),
        load: (instance.layers - decisions[n].splitLayer) * edgeLoadPerLayer(instance, option, m),
      };
    });
    const share = (field: 'bandwidthHz' | 'serverFrequencyHz', budget: number, split: (idx: number[], left: number) => number[]) => {
      const missing = here.map((_n, i) => i).filter((i) => Number.isNaN(decisions[here[i]][field]));
      if (missing.length === 0) return;
      const used = here.reduce((s, n) => s + (Number.isNaN(decisions[n][field]) ? 0 : decisions[n][field]), 0);
      const left = Math.max(0, budget - used);
      const modelled = missing.filter((i) => known[i] !== null);
      // Devices the model cannot plan take an equal share of what is left; the rest is split optimally.
      const equal = left / missing.length;
      const optimal = split(modelled, left - equal * (missing.length - modelled.length));
      missing.forEach((i) => {
        const at = modelled.indexOf(i);
        decisions[here[i]][field] = at >= 0 ? optimal[at] : equal;
        filled[here[i]].push(field);
      });
    };
    share(
      'bandwidthHz',
      server.bandwidthHz,
      (idx, left) =>
        shareBandwidth(
          idx.map((i) => known[i]!.uplink),
          left,
        ).shares,
    );
    share(
      'serverFrequencyHz',
      server.frequencyHz,
      (idx, left) =>
        shareServerFrequency(
          idx.map((i) => ({ load: known[i]!.load, delayWeight: known[i]!.mem.computeDelayWeight })),
          eKappa,
          left,
        ).shares,
    );
    here.forEach((n, i) => {
      const d = decisions[n];
      const device = instance.devices[n];
      if (Number.isNaN(d.transmitPowerW)) {
        d.transmitPowerW = known[i] === null ? device.maxPowerW : uplinkCost(known[i]!.uplink, d.bandwidthHz).powerW;
        filled[n].push('transmitPowerW');
      }
      if (Number.isNaN(d.cpuFrequencyHz)) {
        d.cpuFrequencyHz = known[i] === null ? device.maxFrequencyHz : known[i]!.mem.cpuFrequencyHz;
        filled[n].push('cpuFrequencyHz');
      }
    });
  });
  // A device on no server of the instance: nothing to share; evaluate() reports the association.
  decisions.forEach((d, n) => {
    for (const field of ['cpuFrequencyHz', 'transmitPowerW', 'bandwidthHz', 'serverFrequencyHz'] as const) {
      if (Number.isNaN(d[field])) {
        d[field] = 0;
        filled[n].push(field);
      }
    }
  });
  return { decisions, filled };
}

/** Share of the limit the given association's server plans (the bound's start prices) may take. */
const PLAN_SHARE = 0.3;

/**
 * Prices to start the bound from: those of the server plans of the given association (where an
 * allocation is good, the dual's optimum is near them). Any prices give a valid bound, so where
 * planning fails (a device on a server it cannot reach) the bound starts from zero prices.
 */
function givenPrices(ctx: PlanContext, decisions: DeviceDecision[], deadlineAt: number): { bandwidth: number[]; frequency: number[] } {
  const M = ctx.instance.servers.length;
  const members: number[][] = ctx.instance.servers.map(() => []);
  decisions.forEach((d, n) => {
    if (Number.isInteger(d.server) && d.server >= 0 && d.server < M) members[d.server].push(n);
  });
  try {
    const plans = members.map((devices, m) => planServer(ctx, m, devices, deadlineAt));
    const finite = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0);
    return { bandwidth: plans.map((p) => finite(p.bandwidthPrice)), frequency: plans.map((p) => finite(p.frequencyPrice)) };
  } catch {
    return { bandwidth: new Array<number>(M).fill(0), frequency: new Array<number>(M).fill(0) };
  }
}

/** The bound's ascent, one exact pass per call: each pass a point of the trace (the passes are those of one call). */
function ascendByPass(
  ctx: PlanContext,
  prices: Prices,
  deadlineAt: number,
  objective: number,
  onPass: (bound: number, passes: number) => void,
): number {
  // tightenBundle carries on where the last call stopped: one call per pass runs the very passes
  // one call would, so the bound is bit-identical. A call that completes no pass is the end.
  let bundle: BundleState | undefined;
  for (;;) {
    const before = bundle?.passes ?? 0;
    const found = ascendBound(ctx, prices, deadlineAt, objective, { ...(bundle ? { resume: bundle } : {}), maxPasses: 1 });
    // No cutting-plane state: capacities bind, and the bound is one pricing with no ascent.
    if (found.bundle === undefined) {
      if (Number.isFinite(found.value)) onPass(found.value, 1);
      return found.value;
    }
    bundle = found.bundle;
    if (bundle.passes === before) return found.value;
    onPass(found.value, bundle.passes);
  }
}

/** `timeLimitMs` bounds the Lagrangian bound's search (the rest is linear in the devices). */
export function assessAllocation(instance: Instance, given: GivenAllocation[], timeLimitMs: number): Assessment {
  const startedAt = performance.now();
  const deadlineAt = now() + timeLimitMs;
  const phasesMs: Record<string, number> = {};
  const trace: TracePoint[] = [];
  let boundEvaluations = 0;
  const statistics = (termination: Termination): EvaluateStatistics => ({ termination, phasesMs, boundEvaluations, trace });
  const { reference, scales, models, ctx } = timePhase(phasesMs, 'prepare', () => {
    const reference = referenceTotals(instance);
    const scales = objectiveScales(instance, reference);
    const models = buildDeviceModels(instance);
    return { reference, scales, models, ctx: createPlanContext(instance, effectiveWeights(instance, scales), models, EXACT_LIMIT) };
  });
  const { decisions, filled, evaluation } = timePhase(phasesMs, 'score', () => {
    const { decisions, filled } = fill(ctx, models, given);
    return { decisions, filled, evaluation: evaluate(instance, decisions, scales) };
  });
  // The allocation's own objective is the first point (an upper bound on the optimum only when feasible).
  const objectivePoint =
    evaluation.violations.length === 0 && Number.isFinite(evaluation.objective) ? { objective: evaluation.objective } : {};
  addTracePoint(trace, { atMs: performance.now() - startedAt, ...objectivePoint });
  // A snapshot proven infeasible has no optimum to bound.
  if (timePhase(phasesMs, 'feasibility', () => provenInfeasibilities(instance, models).length > 0))
    return { decisions, evaluation, filled, reference, statistics: statistics('CONVERGED') };
  // The bound's ascent stops once it is within reach of the objective it is given.
  const objective = Number.isFinite(evaluation.objective) ? evaluation.objective : Number.MAX_VALUE;
  const prices = timePhase(phasesMs, 'prices', () => givenPrices(ctx, decisions, now() + timeLimitMs * PLAN_SHARE));
  const onPass = (bound: number, passes: number) => {
    boundEvaluations = passes;
    const shown = 'objective' in objectivePoint ? Math.min(bound, objective) : bound;
    addTracePoint(trace, { atMs: performance.now() - startedAt, ...objectivePoint, bound: shown });
  };
  const bound = timePhase(phasesMs, 'bound', () => {
    if (largeForPricing(ctx)) {
      // As the solve does at this size: a pass over every pair does not fit, the anytime bound's does.
      // One pass per call resumes where the last stopped (tightenBound's own loop), so the value is the same.
      const anytime = createAnytimeBound(ctx);
      offerPrices(anytime, prices);
      for (;;) {
        const before = anytime.stats.passes;
        const value = tightenBound(anytime, deadlineAt, objective, 1);
        if (anytime.stats.passes === before) return value;
        onPass(value, anytime.stats.passes);
      }
    }
    return ascendByPass(ctx, prices, deadlineAt, objective, onPass);
  });
  // Why the bound stopped: within reach of the objective (the ascent needs no more), the clock,
  // a stop, or its own end (no better point to try).
  const reached = Number.isFinite(bound) && objective - bound <= 1e-6 * Math.abs(objective);
  const termination: Termination = reached ? 'GAP' : stopRequested() ? 'INTERRUPTED' : expired(deadlineAt) ? 'TIME' : 'CONVERGED';
  return { decisions, evaluation, filled, reference, ...(Number.isFinite(bound) ? { bound } : {}), statistics: statistics(termination) };
}

/** solver.algorithm of an evaluate answer: the allocation scored, the snapshot bounded by the Lagrangian dual. */
export const EVALUATE_ALGORITHM = 'evaluate-lagrangian-bound';

/** The answer of POST /allocate/evaluate. */
export function evaluateAllocation(instance: Instance, given: GivenAllocation[], timeLimitMs: number): EvaluateResult {
  const t0 = performance.now();
  const a = assessAllocation(instance, given, timeLimitMs);
  const { objective, totals, violations } = a.evaluation;
  const feasible = violations.length === 0;
  const gap = feasible && a.bound !== undefined && objective > 0 ? Math.max(0, (objective - a.bound) / objective) : undefined;
  const solveTimeMs = performance.now() - t0;
  return {
    status: feasible ? 'FEASIBLE' : 'VIOLATED',
    objective,
    ...(a.bound !== undefined ? { bound: a.bound } : {}),
    ...(gap !== undefined ? { gap } : {}),
    totals,
    reference: a.reference,
    allocations: allocationsOf(instance, a.decisions, a.evaluation),
    violations,
    filled: a.filled.flatMap((fields, n) => (fields.length > 0 ? [{ deviceId: instance.devices[n].id, fields }] : [])),
    solveTimeMs,
    solver: {
      algorithm: EVALUATE_ALGORITHM,
      version: `${SOLVER_VERSION} (model ${MODEL_VERSION})`,
      solveTimeMs,
      statistics: a.statistics,
    },
  };
}
