// The incumbent and the bound of one solve, kept current while the search runs, so that the search
// can stop as soon as its answer is proven within options.relativeGap, and the answer can say how
// the two moved (solver.statistics.trace). Pure bookkeeping: the bound itself is computed by the
// caller (bound/bound.ts) and offered here.

import { reportProgress, type SolvePhase } from './control.js';
import { addTracePoint, type TracePoint } from './statistics.js';

export type { TracePoint } from './statistics.js';

/** (objective − bound) / objective, 0 for a non-positive objective, Infinity without a bound. */
function relativeGap(objective: number, bound: number): number {
  if (!Number.isFinite(bound) || !Number.isFinite(objective)) return Infinity;
  return objective > 0 ? Math.max(0, (objective - bound) / objective) : 0;
}

/** Per-server dual prices (per Hz, per slot) at which a bound was proven. */
export interface ProofPrices {
  bandwidth: ArrayLike<number>;
  frequency: ArrayLike<number>;
  seat?: ArrayLike<number>;
}

/** Per-server prices as the proof keeps them (and a warm start starts from them): per Hz, per slot. */
export interface PriceVectors {
  bandwidth: number[];
  frequency: number[];
  seat: number[];
}

export class Proof {
  /** best objective so far (lowest) */
  objective = Infinity;
  /** best valid lower bound so far (highest) */
  bound = -Infinity;
  /** the prices the best bound was proven at (null: none given, e.g. the fixed-cost bound) */
  prices: PriceVectors | null = null;
  /** bounds evaluated */
  evaluations = 0;
  /** wall milliseconds spent on bounds */
  boundMs = 0;
  readonly trace: TracePoint[] = [];

  constructor(
    readonly tolerance: number,
    readonly startedAt: number,
  ) {}

  gap(): number {
    return relativeGap(this.objective, this.bound);
  }

  /** The incumbent is proven within the tolerance (never with tolerance 0 unless the gap closed). */
  met(): boolean {
    return this.gap() <= Math.max(this.tolerance, 1e-9);
  }

  /** `report` false: recorded, but no progress report yet (a bound is about to come with it). */
  offerObjective(objective: number, phase: SolvePhase, report = true): void {
    if (!(objective < this.objective)) return;
    this.objective = objective;
    this.record(phase, report);
  }

  /** `prices`: where the bound was proven (an answer hands them back for a warm start; copied). */
  offerBound(bound: number, ms: number, phase: SolvePhase, prices?: ProofPrices | null): void {
    this.evaluations++;
    this.boundMs += ms;
    if (!(bound > this.bound)) return;
    this.bound = bound;
    this.prices = prices
      ? {
          bandwidth: Array.from(prices.bandwidth),
          frequency: Array.from(prices.frequency),
          seat: prices.seat ? Array.from(prices.seat) : Array.from(prices.bandwidth, () => 0),
        }
      : null;
    this.record(phase, true);
  }

  private record(phase: SolvePhase, report: boolean): void {
    const point: TracePoint = {
      atMs: Date.now() - this.startedAt,
      ...(Number.isFinite(this.objective) ? { objective: this.objective } : {}),
      ...(Number.isFinite(this.bound) ? { bound: Math.min(this.bound, this.objective) } : {}),
    };
    addTracePoint(this.trace, point);
    if (report) reportProgress({ phase, objective: this.objective, ...(Number.isFinite(this.bound) ? { bound: this.bound } : {}) });
  }
}
