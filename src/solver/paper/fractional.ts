// Block 1 of the publication's method (docs/model.md §1.7): association fixed, split layers relaxed to
// the continuous interval [α_min, α_max], products linearised by the quadratic transform.
//
// Each device's cost is  α·A(f) + (Υ−α)·E(F) + S(α) + U(b, p) + const,  with A = weighted local
// cost of one layer, E = weighted edge cost of one layer, S = stability term (convex in α) and U
// the uplink cost. The quadratic transform replaces each product x·y (x, y > 0) by
// x²·t + y²/(4t), an upper bound that is tight at t = y/(2x):
//     α·A ≤ α²·t₁ + A²/(4t₁),   (Υ−α)·E ≤ (Υ−α)²·t₂ + E²/(4t₂).
// Alternating the closed-form t's with the minimisation of the (now convex) surrogate is a
// majorise–minimise scheme: the true cost never increases. The convex problem is solved by block
// coordinate descent:
//   • α: per device, the surrogate t₁α² + t₂(Υ−α)² + S(α) is strictly convex; its stationary
//     point is the root of an increasing derivative (safeguarded Newton), clipped to the range;
//   • f: closed form f* = (ω_t/(2κω_e))^(1/3) clipped (independent of α);
//   • (b, p) and the server frequencies F: exact per-server splits (shares.ts: one multiplier per
//     budget, found by bisection; power re-optimised in closed form). The bandwidth split does
//     not depend on α, so it is computed once per association.
// Then α is rounded: each device's floor and ceil are compared with evaluate()'s own per-device
// terms, the server frequencies are re-split exactly, and each device's other neighbour is tried
// once more against the exact re-split.

import { deviceTerms } from '../../model/evaluate.js';
import type { DeviceDecision } from '../../model/types.js';
import { stabilityCost } from '../pricing/device-model.js';
import { rootIncreasingNewton } from '../math/numeric.js';
import { expired } from '../clock.js';
import {
  bandwidthSplits,
  edgePerLayer,
  exactResources,
  internalCost,
  localPerLayer,
  membersOf,
  score,
  serverCost,
  type PaperContext,
  type Resources,
  type Scored,
} from './context.js';

/** Relative change of the continuous objective below which block 1 has converged. */
const CONTINUOUS_TOL = 1e-9;
const MAX_OUTER = 100;
const MAX_TRANSFORM_STEPS = 20;

interface Block1Result {
  best: Scored;
  /** the continuous (relaxed) split layers and their objective, for reporting */
  relaxed: number[];
  relaxedCost: number;
  stoppedByTime: boolean;
}

/** argmin over [lo, hi] of t₁α² + t₂(Υ−α)² + c/(1−α/Υ) (strictly convex). */
function transformedSplit(lo: number, hi: number, layers: number, t1: number, t2: number, c: number): number {
  if (!(hi > lo)) return lo;
  const d1 = (a: number) => 2 * t1 * a - 2 * t2 * (layers - a) + c / layers / (1 - a / layers) ** 2;
  const d2 = (a: number) => 2 * t1 + 2 * t2 + (2 * c) / layers ** 2 / (1 - a / layers) ** 3;
  if (d1(lo) >= 0) return lo;
  if (d1(hi) <= 0) return hi;
  return rootIncreasingNewton(d1, d2, lo, hi, 1e-13);
}

/** Quadratic-transform steps on α with the resources fixed: t update, then the convex α-problem. */
function transformSteps(ctx: PaperContext, server: number[], alpha: number[], res: Resources): number[] {
  const layers = ctx.instance.layers;
  const a = alpha.slice();
  const perLayer = ctx.devices.map((_, n) => ({
    A: localPerLayer(ctx, n, res.devices[n].f),
    E: edgePerLayer(ctx, n, server[n], res.devices[n].F),
    c: stabilityCost(ctx.instance, ctx.devices[n].model, 0, ctx.weights),
  }));
  for (let step = 0; step < MAX_TRANSFORM_STEPS; step++) {
    let moved = 0;
    for (let n = 0; n < a.length; n++) {
      const d = ctx.devices[n];
      const { A, E, c } = perLayer[n];
      const t1 = A / (2 * a[n]); // tight at the current α: t = y/(2x) with x = α, y = A
      const t2 = E / (2 * (layers - a[n])); // x = Υ−α, y = E
      const next = transformedSplit(d.lo, d.hi, layers, t1, t2, c);
      moved = Math.max(moved, Math.abs(next - a[n]));
      a[n] = next;
    }
    if (moved <= 1e-10) break;
  }
  return a;
}

/** evaluate()'s per-device terms, weighted as in the internal objective. */
function evaluatedDeviceCost(ctx: PaperContext, n: number, dec: DeviceDecision): number {
  const e = deviceTerms(ctx.instance, n, dec);
  const w = ctx.weights;
  return w.delay * e.delayS.total + w.energy * e.energyJ.total + w.stability * e.stabilityBound + ctx.mu[n] * e.physicalDelayS;
}

function neighbours(splits: number[], a: number): number[] {
  let below = splits[0];
  let above = splits[splits.length - 1];
  for (const s of splits) {
    if (s <= a + 1e-9 && s > below) below = s;
    if (s >= a - 1e-9 && s < above) above = s;
  }
  return below === above ? [below] : [below, above];
}

/**
 * Block 1 for a fixed association. `start` holds the split layers to start from (any values in
 * range); returns the best integer allocation found (exact resources, scored by evaluate()).
 */
export function optimiseSplits(ctx: PaperContext, server: number[], start: number[], deadlineAt: number): Block1Result {
  const bw = bandwidthSplits(ctx, server);
  let alpha = start.map((a, n) => Math.min(ctx.devices[n].hi, Math.max(ctx.devices[n].lo, a)));
  let res = exactResources(ctx, server, alpha, bw);
  let cost = internalCost(ctx, server, alpha, res);
  let stoppedByTime = false;
  for (let outer = 0; outer < MAX_OUTER; outer++) {
    if (expired(deadlineAt)) {
      stoppedByTime = true;
      break;
    }
    const nextAlpha = transformSteps(ctx, server, alpha, res);
    const nextRes = exactResources(ctx, server, nextAlpha, bw);
    const nextCost = internalCost(ctx, server, nextAlpha, nextRes);
    // Majorise–minimise: never accept an increase (guards against rounding noise).
    if (!(nextCost <= cost)) break;
    const converged = cost - nextCost <= CONTINUOUS_TOL * Math.abs(cost);
    alpha = nextAlpha;
    res = nextRes;
    cost = nextCost;
    if (converged) break;
  }

  // Rounding: floor or ceil per device, compared with evaluate()'s terms at the relaxed resources.
  const rounded = alpha.map((a, n) => {
    const options = neighbours(ctx.devices[n].splits, a);
    let best = options[0];
    let bestCost = Infinity;
    for (const s of options) {
      const r = res.devices[n];
      const c = evaluatedDeviceCost(ctx, n, {
        server: server[n],
        splitLayer: s,
        mode: ctx.devices[n].option.mode,
        cpuFrequencyHz: r.f,
        transmitPowerW: r.p,
        bandwidthHz: r.b,
        serverFrequencyHz: r.F,
      });
      if (c < bestCost) {
        bestCost = c;
        best = s;
      }
    }
    return best;
  });
  // The other neighbour of each fractional α, against the exact re-split of its server.
  const members = membersOf(ctx, server);
  const current = rounded.slice();
  const serverCosts = members.map((devs, m) => serverCost(ctx, m, devs, current, bw));
  for (let n = 0; n < alpha.length; n++) {
    const options = neighbours(ctx.devices[n].splits, alpha[n]);
    if (options.length < 2) continue;
    if (expired(deadlineAt)) {
      stoppedByTime = true;
      break;
    }
    const m = server[n];
    const keep = current[n];
    current[n] = options[0] === keep ? options[1] : options[0];
    const c = serverCost(ctx, m, members[m], current, bw);
    if (c < serverCosts[m]) serverCosts[m] = c;
    else current[n] = keep;
  }
  const best = score(ctx, server, current, exactResources(ctx, server, current, bw));
  return { best, relaxed: alpha, relaxedCost: cost, stoppedByTime };
}
