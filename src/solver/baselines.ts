// The publication's comparison points (docs/model.md §1.7), each a full feasible allocation scored by the
// same evaluate(): fixed splits with optimised resources, equal resources with optimised
// splits, and greedy / random association with everything else optimised.

import { deviceTerms, effectiveWeights, referenceDecisions } from '../model/evaluate.js';
import type { DeviceDecision, Instance, Totals } from '../model/types.js';
import { greedyAssociation, planAll, randomAssociation, type Solution } from './association/association.js';
import type { DeviceModel } from './pricing/device-model.js';
import { mulberry32 } from '../model/random.js';
import { choicesOf, newMemberCache, type PlanContext } from './pricing/member.js';
import { expired, remainingMs } from './clock.js';
import { decisionsOfPlans } from './resources/decisions.js';

interface BaselineSolution {
  name: string;
  decisions: DeviceDecision[];
}

export function decisionsOf(ctx: PlanContext, sol: Solution): DeviceDecision[] {
  return decisionsOfPlans(ctx, sol.plans);
}

function withSplits(ctx: PlanContext, pick: (splits: number[], dm: DeviceModel) => number): PlanContext {
  const models = ctx.models.map((dm) => ({ ...dm, options: dm.options.map((o) => ({ ...o, splits: [pick(o.splits, dm)] })) }));
  return { ...ctx, models, members: newMemberCache() };
}

function fixedSplitBaseline(
  ctx: PlanContext,
  name: string,
  pick: (splits: number[], dm: DeviceModel) => number,
  deadlineAt: number,
  planMs: number,
): BaselineSolution | null {
  if (remainingMs(deadlineAt) < planMs) return null; // planning all servers would not fit
  const c = withSplits(ctx, pick);
  const assignment = greedyAssociation(c);
  return assignment ? { name, decisions: decisionsOf(c, planAll(c, assignment, deadlineAt)) } : null;
}

/** Equal shares, f = f^max, p = p^max (the reference resources); each device's split and mode optimised. */
function splitOnly(instance: Instance, ctx: PlanContext, scales: Totals, deadlineAt: number): BaselineSolution | null {
  const assignment = expired(deadlineAt) ? null : greedyAssociation(ctx);
  if (!assignment) return null;
  const ref = referenceDecisions(instance);
  const count = new Array<number>(instance.servers.length).fill(0);
  assignment.forEach((m) => count[m]++);
  const w = effectiveWeights(instance, scales);
  const decisions: DeviceDecision[] = [];
  for (let n = 0; n < ctx.models.length; n++) {
    // Every candidate of every device is evaluated: with many layers that is long, so it is timed.
    if ((n & 63) === 63 && expired(deadlineAt)) return null;
    const dm = ctx.models[n];
    const m = assignment[n];
    let best: DeviceDecision | null = null;
    let bestCost = Infinity;
    // Zeroth-order variants dominated by backprop for any resources (member.ts) cannot win here either.
    for (const { option, split } of choicesOf(ctx, n).candidates) {
      const dec: DeviceDecision = {
        ...ref[n],
        server: m,
        splitLayer: split,
        mode: dm.options[option].mode,
        bandwidthHz: instance.servers[m].bandwidthHz / count[m],
        serverFrequencyHz: instance.servers[m].frequencyHz / count[m],
      };
      const e = deviceTerms(instance, n, dec);
      const cost = w.delay * e.delayS.total + w.energy * e.energyJ.total + w.stability * e.stabilityBound;
      if (cost < bestCost) {
        bestCost = cost;
        best = dec;
      }
    }
    decisions.push(best!);
  }
  return { name: 'split-only', decisions };
}

/**
 * `greedyPlan`: the greedy association already planned (the search starts from it too).
 * `planMs`: what planning every server took for it, the estimate of what each baseline's planning
 * takes; a baseline that would not finish by `deadlineAt` is left out.
 */
export function computeBaselines(
  instance: Instance,
  ctx: PlanContext,
  scales: Totals,
  seed: number,
  deadlineAt: number,
  greedyPlan: Solution | null,
  planMs = 0,
): BaselineSolution[] {
  const half = Math.ceil(instance.layers / 2);
  const nearest = (splits: number[]) => splits.reduce((b, s) => (Math.abs(s - half) < Math.abs(b - half) ? s : b), splits[0]);
  const out: (BaselineSolution | null)[] = [
    fixedSplitBaseline(ctx, 'edge-heavy', (s) => s[0], deadlineAt, planMs),
    fixedSplitBaseline(ctx, 'local-heavy', (s) => s[s.length - 1], deadlineAt, planMs),
    splitOnly(instance, ctx, scales, deadlineAt),
    fixedSplitBaseline(ctx, 'resources-only', nearest, deadlineAt, planMs),
  ];
  if (greedyPlan) out.push({ name: 'greedy-association', decisions: decisionsOf(ctx, greedyPlan) });
  const random = remainingMs(deadlineAt) < planMs ? null : randomAssociation(ctx, mulberry32(seed));
  if (random) out.push({ name: 'random-association', decisions: decisionsOf(ctx, planAll(ctx, random, deadlineAt)) });
  return out.filter((b): b is BaselineSolution => b !== null);
}
