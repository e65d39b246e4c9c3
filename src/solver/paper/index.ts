// The publication's method (Liu & Zhao, MobiHoc 2024; docs/model.md §1.7, §3), implemented faithfully as a
// baseline: starting from the strongest-gain association and the middle split, alternate
//   block 1 (fractional-programming / quadratic transform over split layers and resources, the
//            association fixed; then α rounded) — see fractional.ts, and
//   block 2 (association relaxed, exact penalty ϱ·Σχ(1−χ) linearised by the concave–convex
//            procedure, every iteration an LP solved with GLPK, several starts) — association-lp.ts,
// until the objective stops improving (relative 1e-6) or the deadline passes.
//
// Training modes (docs/model.md §1.5): the publication knows only backprop; a device that cannot use it gets
// the cheapest allowed zeroth-order variant (context.ts). Memory: splits are restricted to those
// that fit. Deadlines (not in the publication): when a device misses its deadline, its delay
// weight is raised by a multiplier (doubled while it stays late) and the method is re-run from
// the current point. The answer is the best allocation without violations that evaluate() saw.
//
// Pure and synchronous; needs GLPK initialised in the calling thread (`await initGlpk()` once).

import type { DeviceDecision, Instance, SolveOptions } from '../../model/types.js';
import { anyAssociation, improveAssociationLp } from './association-lp.js';
import { buildPaperContext, setMultipliers, type PaperContext, type Scored } from './context.js';
import { optimiseSplits } from './fractional.js';
import { expired } from '../clock.js';

/** Relative improvement of one alternation below which the method has converged. */
const OBJECTIVE_TOL = 1e-6;
const MAX_ALTERNATIONS = 100;
const MAX_DEADLINE_ROUNDS = 30;

export interface PaperResult {
  decisions: DeviceDecision[];
  /** alternations (block 1 + block 2) performed, over all deadline rounds */
  iterations: number;
  stoppedByTime: boolean;
}

/** The publication's starting association: strongest gain, devices with fewest options first. */
function strongestGainAssociation(ctx: PaperContext): number[] | null {
  const N = ctx.devices.length;
  const cap = ctx.instance.servers.map((s) => Math.min(N, s.maxDevices ?? N));
  const reach = ctx.devices.map((d) => d.model.serversByGain);
  const order = reach.map((_, n) => n).sort((a, b) => reach[a].length - reach[b].length || a - b);
  const out = new Array<number>(N).fill(-1);
  for (const n of order) {
    const m = reach[n].find((s) => cap[s] > 0);
    if (m === undefined) return null;
    out[n] = m;
    cap[m] -= 1;
  }
  return out;
}

interface Alternation {
  last: Scored;
  iterations: number;
  stoppedByTime: boolean;
}

function alternate(ctx: PaperContext, server: number[], alpha: number[], deadlineAt: number, consider: (s: Scored) => void): Alternation {
  let cur: Scored | null = null;
  let iterations = 0;
  let stoppedByTime = false;
  let previous = Infinity;
  for (let it = 0; it < MAX_ALTERNATIONS; it++) {
    if (it > 0 && expired(deadlineAt)) {
      stoppedByTime = true;
      break;
    }
    // Block 1: splits and resources for the current association.
    const b1 = optimiseSplits(ctx, server, alpha, deadlineAt);
    consider(b1.best);
    if (cur === null || b1.best.internal < cur.internal) cur = b1.best;
    iterations += 1;
    if (b1.stoppedByTime) {
      stoppedByTime = true;
      break;
    }
    // Block 2: association for the current splits and resources.
    const b2 = improveAssociationLp(ctx, cur, deadlineAt);
    consider(b2.best);
    const improvedBy = previous - b2.best.internal;
    cur = b2.best;
    if (b2.stoppedByTime) {
      stoppedByTime = true;
      break;
    }
    if (Number.isFinite(previous) && improvedBy <= OBJECTIVE_TOL * Math.abs(previous)) break;
    previous = cur.internal;
    server = cur.server;
    alpha = cur.alpha;
  }
  return { last: cur!, iterations, stoppedByTime };
}

export function solvePaper(instance: Instance, options: SolveOptions, deadlineAt: number): PaperResult {
  void options; // deterministic: no seed, no time limit beyond deadlineAt
  const ctx = buildPaperContext(instance);
  let server = strongestGainAssociation(ctx) ?? anyAssociation(ctx, deadlineAt);
  if (!server) throw new Error('paper: no feasible allocation');
  const half = Math.ceil(instance.layers / 2);
  let alpha = ctx.devices.map((d) => d.splits.reduce((b, s) => (Math.abs(s - half) < Math.abs(b - half) ? s : b), d.splits[0]));

  let best: Scored | null = null;
  const consider = (s: Scored) => {
    if (s.ev.violations.length === 0 && (best === null || s.ev.objective < best.ev.objective)) best = s;
  };
  const hasDeadlines = instance.devices.some((d) => d.deadlineS !== null);
  let iterations = 0;
  let stoppedByTime = false;
  for (let round = 0; round < (hasDeadlines ? MAX_DEADLINE_ROUNDS : 1); round++) {
    if (round > 0 && expired(deadlineAt)) {
      stoppedByTime = true;
      break;
    }
    const r = alternate(ctx, server, alpha, deadlineAt, consider);
    iterations += r.iterations;
    if (r.stoppedByTime) {
      stoppedByTime = true;
      break;
    }
    const ev = r.last.ev;
    const late = instance.devices.map((d, n) => d.deadlineS !== null && ev.devices[n].physicalDelayS > d.deadlineS);
    if (!late.some(Boolean)) break;
    const w = ctx.weights;
    setMultipliers(
      ctx,
      ctx.mu.map((mu, n) => {
        if (!late[n]) return mu;
        if (mu > 0) return 2 * mu;
        const e = ev.devices[n];
        const cost = w.delay * e.delayS.total + w.energy * e.energyJ.total + w.stability * e.stabilityBound;
        return cost / instance.devices[n].deadlineS!;
      }),
    );
    server = r.last.server;
    alpha = r.last.alpha;
  }
  const found = best as Scored | null;
  if (!found) throw new Error('paper: no feasible allocation');
  return { decisions: found.decisions, iterations, stoppedByTime };
}
