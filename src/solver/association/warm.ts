// Warm start: the association an earlier allocation (`previous`) had, where it still holds. This
// is where re-solving a moving network enters the search: the search (balance, reassignment,
// moves and swaps) then starts from an association that is almost right instead of the greedy
// one, and on small instances enumeration is exact whatever the start.

import { newPairPrice, pricePair, type PairPrice } from '../pricing/kernel.js';
import { memberOf, type Choice, type PlanContext } from '../pricing/member.js';
import { expired } from '../clock.js';
import { assembleServer, planServer, type ServerPlan } from '../resources/server-plan.js';
import { capacities, greedyAssociation, type Solution } from './association.js';

/** A device's previous server still counts as near when it is among this many strongest (the servers balance quotes). */
const NEAR_SERVERS = 12;

/**
 * Every device on its previous server when it still reaches it and the server has room (pinned
 * devices first, they have no other choice); new and displaced devices on their strongest-gain
 * server with room. Without a migration cost, a device that has moved so far that its previous
 * server is no longer among its nearest is displaced too: it starts where a fresh start would
 * put it (with a cost, staying may pay, and the search can still move it). Null when `previous`
 * is absent or some device finds no room.
 */
export function warmAssociation(ctx: PlanContext): number[] | null {
  const prev = ctx.instance.previous;
  if (!prev) return null;
  const cap = capacities(ctx);
  const out = new Array<number>(ctx.models.length).fill(-1);
  const free = prev.migration.delayS === 0 && prev.migration.energyJ === 0;
  const keep = (n: number) => {
    const m = prev.server[n];
    if (m === null || out[n] >= 0 || cap[m] <= 0 || !ctx.models[n].servers.includes(m)) return;
    if (free && !prev.pinned[n] && !ctx.models[n].serversByGain.slice(0, NEAR_SERVERS).includes(m)) return;
    out[n] = m;
    cap[m] -= 1;
  };
  for (let n = 0; n < out.length; n++) if (prev.pinned[n]) keep(n);
  for (let n = 0; n < out.length; n++) keep(n);
  const rest = ctx.models.map((_, n) => n).filter((n) => out[n] < 0);
  rest.sort((a, b) => ctx.models[a].servers.length - ctx.models[b].servers.length);
  for (const n of rest) {
    const m = ctx.models[n].serversByGain.find((s) => cap[s] > 0);
    if (m === undefined) return greedyAssociation(ctx);
    out[n] = m;
    cap[m] -= 1;
  }
  return out;
}

/** The (mode, split) candidate device n used before, on `server`, when it is still one. */
function previousChoice(ctx: PlanContext, server: number, n: number): Choice | null {
  const prev = ctx.instance.previous;
  const split = prev?.splitLayer[n] ?? null;
  if (split === null) return null;
  const mode = prev!.trainingMode[n];
  const mem = memberOf(ctx, server, n);
  return mem.candidates.find((c) => c.split === split && (mode === null || mem.model.options[c.option].mode.kind === mode)) ?? null;
}

/**
 * Plans of the warm association that reuse the previous (mode, split) choices: a server whose
 * devices all kept a usable choice is only re-split (its choices were optimal for nearly the same
 * network); the devices new to a server take their best choice at the prices of the others. The
 * search re-plans in full every server whose members it changes. Like planAllBefore: past `abortAt`
 * (the limit's give-up point) there is no start plan in time (null).
 */
export function warmPlans(ctx: PlanContext, assignment: number[], deadlineAt: number, abortAt = Infinity): Solution | null {
  const members: number[][] = ctx.instance.servers.map(() => []);
  assignment.forEach((m, n) => members[m].push(n));
  const scratch = newPairPrice();
  const plans: ServerPlan[] = [];
  for (let m = 0; m < members.length; m++) {
    if (expired(abortAt)) return null;
    plans.push(warmServer(ctx, m, members[m], deadlineAt, scratch));
  }
  return { assignment, plans, cost: plans.reduce((s, p) => s + p.cost, 0), exact: false };
}

/** Server m's warm plan for its devices `devs` (warmPlans); `scratch` is reused pair to pair. */
function warmServer(ctx: PlanContext, m: number, devs: number[], deadlineAt: number, scratch: PairPrice): ServerPlan {
  const kept: { device: number; choice: Choice }[] = [];
  const fresh: number[] = [];
  for (const n of devs) {
    const c = previousChoice(ctx, m, n);
    if (c) kept.push({ device: n, choice: c });
    else fresh.push(n);
  }
  if (kept.length === 0) return planServer(ctx, m, devs, deadlineAt);
  const base = assembleServer(ctx, m, kept);
  if (fresh.length === 0) return base;
  for (const n of fresh) {
    const pair = pricePair(ctx, m, n, base.bandwidthPrice, base.frequencyPrice, Infinity, scratch);
    kept.push({ device: n, choice: memberOf(ctx, m, n).candidates[pair.candidate] });
  }
  return assembleServer(ctx, m, kept);
}

/**
 * The devices a warm search quotes first: those not on their previous server (moved away, new,
 * displaced) and those whose cheapest server at an earlier answer's prices (`cheapest`, from the
 * bound's exact pass at them; −1 where it has none) is not where the warm start put them. The others
 * were where those prices wanted them and stay so: at 1,000 × 50 with 5% of the devices moved,
 * 15–30% of the devices are named, and they made most of the moves a full search made.
 */
export function warmFocus(ctx: PlanContext, assignment: readonly number[], cheapest: ArrayLike<number>): Uint8Array {
  const prev = ctx.instance.previous;
  const focus = new Uint8Array(assignment.length);
  for (let n = 0; n < assignment.length; n++) {
    const m = assignment[n];
    if (!prev || prev.server[n] !== m || cheapest[n] !== m) focus[n] = 1;
  }
  return focus;
}
