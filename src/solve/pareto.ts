// POST /allocate/pareto behind the service seam: one /allocate solve per weight vector, run
// concurrently through allocate() (so every point uses the cache, single flight and the worker
// pool), then the Pareto front of their (delay, energy, stability) totals. Pure apart from the
// allocate function it is given; knows nothing about HTTP.
import type { AllocateRequest } from '../model/request.js';
import type { AllocateResult, Totals, Weights } from '../model/types.js';
import { InputError, weightAt } from '../model/normalize.js';
import { handOverLater, mapLimited } from './lanes.js';
import type { ProgressUpdate, ParetoRequest, ParetoResult, ParetoSpec, Solved, SolvedParetoPoint } from './types.js';

/** Most weight vectors an explicit list may hold. */
export const MAX_PARETO_WEIGHTS = 64;
/** Largest grid denominator: k = 10 gives (k+1)(k+2)/2 = 66 points. */
export const MAX_PARETO_GRID_STEPS = 10;

/**
 * Every weight vector (i/k, j/k, (k−i−j)/k) of the simplex with denominator k, delay weight
 * descending, then energy weight descending: k = 2 gives (1,0,0), (½,½,0), (½,0,½), (0,1,0), (0,½,½), (0,0,1).
 */
export function simplexGrid(steps: number): Weights[] {
  const out: Weights[] = [];
  for (let i = steps; i >= 0; i--) {
    for (let j = steps - i; j >= 0; j--) {
      out.push({ delay: i / steps, energy: j / steps, stability: (steps - i - j) / steps });
    }
  }
  return out;
}

/** The weight vectors a Pareto spec asks for, checked (the HTTP schema checks most of this already). */
export function paretoWeights(spec: ParetoSpec): Weights[] {
  if (typeof spec !== 'object' || spec === null) throw new InputError('pareto', 'is required');
  if ('grid' in spec && 'weights' in spec) throw new InputError('pareto.grid', "unknown property 'grid'");
  if ('grid' in spec) {
    const k = spec.grid?.steps;
    if (!Number.isInteger(k) || k < 1 || k > MAX_PARETO_GRID_STEPS) {
      throw new InputError('pareto.grid.steps', `must be an integer from 1 to ${MAX_PARETO_GRID_STEPS}`);
    }
    return simplexGrid(k);
  }
  const list = (spec as { weights?: unknown }).weights;
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_PARETO_WEIGHTS) {
    throw new InputError('pareto.weights', `must list 1 to ${MAX_PARETO_WEIGHTS} weight vectors`);
  }
  return list.map((w: Weights, i) => {
    for (const name of ['delay', 'energy', 'stability'] as const) {
      const v = w?.[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`pareto.weights[${i}].${name}`, 'must be a finite number');
      weightAt(v, `pareto.weights[${i}].${name}`);
    }
    if (w.delay + w.energy + w.stability <= 0) throw new InputError(`pareto.weights[${i}]`, 'at least one weight must be > 0');
    return { delay: w.delay, energy: w.energy, stability: w.stability };
  });
}

/**
 * The /allocate body of one point: the snapshot as given, objective.weights replaced. Without
 * options.insights: a point carries no insights, so they would be computed and dropped.
 */
export function pointRequest(body: ParetoRequest, weights: Weights): AllocateRequest {
  const { pareto: _pareto, objective, options, ...snapshot } = body;
  const { insights: _insights, ...pointOptions } = (options ?? {}) as NonNullable<AllocateRequest['options']>;
  return { ...snapshot, ...(options ? { options: pointOptions } : {}), objective: { ...objective, weights: { ...weights } } };
}

// Sums that differ only in their last bits (the same allocation reached through other weights) are
// equal: without a tolerance, a rounding difference would mark one of two equal points dominated.
const RELATIVE_TOLERANCE = 1e-9;
const slack = (x: number, y: number) => RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
const noWorse = (x: number, y: number) => x <= y + slack(x, y);
const better = (x: number, y: number) => x < y - slack(x, y);

/** a dominates b: a is no worse than b in every sum and better in at least one (beyond rounding). */
export function dominates(a: Totals, b: Totals): boolean {
  const le = noWorse(a.delayS, b.delayS) && noWorse(a.energyJ, b.energyJ) && noWorse(a.stability, b.stability);
  const lt = better(a.delayS, b.delayS) || better(a.energyJ, b.energyJ) || better(a.stability, b.stability);
  return le && lt;
}

/** For each entry, whether another entry dominates it (entries without totals never are). */
function dominatedFlags(totals: (Totals | undefined)[]): boolean[] {
  return totals.map((t, i) => t !== undefined && totals.some((o, j) => j !== i && o !== undefined && dominates(o, t)));
}

function toPoint(weights: Weights, solved: Solved<AllocateResult>, includeAllocations: boolean): SolvedParetoPoint {
  const r = solved.result;
  return {
    weights,
    status: r.status,
    termination: r.termination,
    relativeGap: r.relativeGap,
    ...(r.limit !== undefined ? { limit: r.limit } : {}),
    ...(r.objective !== undefined ? { objective: r.objective } : {}),
    ...(r.bound !== undefined ? { bound: r.bound } : {}),
    ...(r.gap !== undefined ? { gap: r.gap } : {}),
    ...(r.totals !== undefined ? { totals: r.totals } : {}),
    allocations: includeAllocations ? r.allocations : [],
    ...(r.infeasibilities !== undefined ? { infeasibilities: r.infeasibilities } : {}),
    solver: r.solver,
    cache: solved.cache,
    requestHash: solved.requestHash,
  };
}

/** What a Pareto request sweeps: its weight vectors, and whether points carry their allocations. */
interface ParetoSweep {
  weights: Weights[];
  includeAllocations: boolean;
}

/** The weight vectors of a Pareto request, checked (InputError → 400). */
export function paretoSweep(body: ParetoRequest): ParetoSweep {
  if ((body.objective as { weights?: unknown } | undefined)?.weights !== undefined) {
    throw new InputError('objective.weights', 'not allowed here: the weights come from pareto');
  }
  return { weights: paretoWeights(body.pareto), includeAllocations: body.pareto.includeAllocations !== false };
}

interface ParetoRun {
  /** Points solved at once: a sweep's share of the solvers, so it never starves other callers. */
  maxParallel: number;
  /** Points solved so far. */
  onProgress?(progress: ProgressUpdate): void;
  /**
   * Each point as soon as it is solved, handed over once its lane has taken the next point (so what
   * the callee does with it, e.g. write its answer text, never holds up the next solve); every
   * point is handed over before solvePareto returns.
   */
  onPoint?(index: number, point: SolvedParetoPoint): void;
}

/**
 * Solves the points through `solvePoint`, at most `maxParallel` at a time (a per-request budget:
 * a 66-point grid takes that many solver slots, not 66); identical points share one flight.
 * Fails with the first error (InputError, OverloadedError); points already solved are cached,
 * so a retry is cheaper. Progress reports the points done so far.
 */
export async function solvePareto(
  sweep: ParetoSweep,
  solvePoint: (weights: Weights, index: number) => Promise<Solved<AllocateResult>>,
  run: ParetoRun = { maxParallel: 2 },
): Promise<ParetoResult> {
  const t0 = performance.now();
  const vectors = sweep.weights;
  let done = 0;
  const points = new Array<SolvedParetoPoint>(vectors.length);
  // onPoint runs in a later turn of the event loop (handOverLater): by then the lane has started its
  // next point, which gets to its solver first.
  const handedOver: Promise<{ error: unknown } | undefined>[] = [];
  await mapLimited(vectors, run.maxParallel, async (w, i) => {
    const point = toPoint(w, await solvePoint(w, i), sweep.includeAllocations);
    points[i] = point;
    done += 1;
    run.onProgress?.({
      phase: done === vectors.length ? 'done' : 'search',
      elapsedMs: performance.now() - t0,
      pointsDone: done,
      points: vectors.length,
    });
    const onPoint = run.onPoint;
    if (onPoint !== undefined) handedOver.push(handOverLater(() => onPoint(i, point)));
  });
  // (In the order they ran: the first that threw is thrown.)
  const failed = (await Promise.all(handedOver)).find((f) => f !== undefined);
  if (failed !== undefined) throw failed.error;
  const dominated = dominatedFlags(points.map((p) => p.totals));
  const front = points.flatMap((p, i) => (p.totals !== undefined && !dominated[i] ? [i] : []));
  return {
    points: points.map((p, i) => ({ ...p, dominated: dominated[i] })),
    front,
    solveTimeMs: performance.now() - t0,
  };
}
