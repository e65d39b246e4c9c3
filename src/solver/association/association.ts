// Device-to-server association. Small instances: every association is enumerated over memoised
// per-server plans (exact). Larger ones: start from a feasible association, reassign devices by
// their priced cost on each server (a transportation problem when servers have capacities),
// then move/swap devices with exact re-planning of the two servers involved.

import type { PlanContext, ServerPlan } from '../resources/server-plan.js';
import { planServer, pricedDeviceCost, pricedRow } from '../resources/server-plan.js';
import { solveTransportation } from './transportation.js';
import { expired, now } from '../clock.js';
import { reportProgress } from '../control.js';
import { decisionsOfPlans } from '../resources/decisions.js';

export interface Solution {
  assignment: number[];
  plans: ServerPlan[];
  cost: number;
  exact: boolean;
  /** priced costs (device × server) at exactly these plans' prices, when the search has them */
  priced?: number[][];
}

/**
 * Asked by the search after each step it takes: true when the solution at hand is proven good
 * enough, and the search returns it at once. `priced`, when given, is every pair priced at exactly
 * this solution's plans' prices (a bound then costs no pricing pass). `settled`: this stage of the
 * search found nothing more to do (its prices are as good a start for the bound as any later's).
 */
export interface SearchMonitor {
  proven(sol: Solution, priced?: number[][], settled?: boolean): boolean;
  /**
   * The search's exact quotes, per device (its candidate servers), when it has them: each a real
   * decision of the pair, so its cost is an affine function of the server's prices (a cut of the
   * dual: bound/bundle.ts). Offered before the search's settled step.
   */
  offerQuotes?(quotes: readonly (readonly QuotedPair[])[]): void;
}

/** A (device, server) decision: its price-free cost and what it uses of the server's budgets. */
export interface QuotedPair {
  server: number;
  /** cost at zero prices: at prices (λ, μ) the decision costs fixedCost + λ·bandwidthHz + μ·frequencyHz */
  fixedCost: number;
  bandwidthHz: number;
  frequencyHz: number;
}

/** A search nobody watches: it runs until it ends or its deadline passes. */
export const UNWATCHED: SearchMonitor = { proven: () => false };

export function capacities(ctx: PlanContext): number[] {
  const N = ctx.models.length;
  return ctx.instance.servers.map((s) => Math.min(N, s.maxDevices ?? N));
}

export function planAll(ctx: PlanContext, assignment: number[], deadlineAt = Infinity): Solution {
  const members: number[][] = ctx.instance.servers.map(() => []);
  assignment.forEach((m, n) => members[m].push(n));
  const plans = members.map((devs, m) => planServer(ctx, m, devs, deadlineAt));
  return { assignment, plans, cost: plans.reduce((s, p) => s + p.cost, 0), exact: plans.every((p) => p.exact) };
}

/**
 * planAll with the time shared fairly: each server may polish its plan for an equal part of what
 * is left (the first would otherwise take it all), and the whole is given up (null) when
 * `abortAt` passes between two servers: the caller then says so rather than answer late.
 */
export function planAllBefore(ctx: PlanContext, assignment: number[], deadlineAt: number, abortAt: number): Solution | null {
  const members: number[][] = ctx.instance.servers.map(() => []);
  assignment.forEach((m, n) => members[m].push(n));
  const plans: ServerPlan[] = [];
  const M = members.length;
  for (let m = 0; m < M; m++) {
    if (expired(abortAt)) return null;
    const share = Math.max(0, deadlineAt - now()) / (M - m);
    plans.push(planServer(ctx, m, members[m], Math.min(deadlineAt, now() + share)));
  }
  return { assignment, plans, cost: plans.reduce((s, p) => s + p.cost, 0), exact: plans.every((p) => p.exact) };
}

/** Each device on its strongest-gain server with room left (devices with fewest options first). */
export function greedyAssociation(ctx: PlanContext): number[] | null {
  const cap = capacities(ctx);
  const order = ctx.models.map((_, n) => n).sort((a, b) => ctx.models[a].servers.length - ctx.models[b].servers.length);
  const out = new Array<number>(ctx.models.length).fill(-1);
  for (const n of order) {
    const m = ctx.models[n].serversByGain.find((s) => cap[s] > 0);
    if (m === undefined) return null;
    out[n] = m;
    cap[m] -= 1;
  }
  return out;
}

/** Seeded random association respecting capacities (a baseline). */
export function randomAssociation(ctx: PlanContext, rand: () => number): number[] | null {
  const cap = capacities(ctx);
  const out = new Array<number>(ctx.models.length).fill(-1);
  for (let n = 0; n < ctx.models.length; n++) {
    const choices = ctx.models[n].servers.filter((m) => cap[m] > 0);
    if (choices.length === 0) return greedyAssociation(ctx);
    out[n] = choices[Math.floor(rand() * choices.length)];
    cap[out[n]] -= 1;
  }
  return out;
}

function* allAssociations(ctx: PlanContext): Generator<number[]> {
  const N = ctx.models.length;
  const cap = capacities(ctx);
  const cur = new Array<number>(N).fill(-1);
  function* rec(n: number): Generator<number[]> {
    if (n === N) {
      yield cur.slice();
      return;
    }
    for (const m of ctx.models[n].servers) {
      if (cap[m] === 0) continue;
      cap[m] -= 1;
      cur[n] = m;
      yield* rec(n + 1);
      cap[m] += 1;
    }
  }
  yield* rec(0);
}

export function associationCount(ctx: PlanContext): number {
  return ctx.models.reduce((p, dm) => p * Math.max(1, dm.servers.length), 1);
}

/** Exhaustive association search over memoised server plans. */
export function enumerateAssociations(ctx: PlanContext, deadlineAt = Infinity): Solution | null {
  const memo = new Map<string, ServerPlan>();
  let best: Solution | null = null;
  let complete = true;
  for (const assignment of allAssociations(ctx)) {
    if (best !== null && expired(deadlineAt)) {
      complete = false;
      break;
    }
    const members: number[][] = ctx.instance.servers.map(() => []);
    assignment.forEach((m, n) => members[m].push(n));
    let cost = 0;
    const plans = members.map((devs, m) => {
      const key = `${m}:${devs.join(',')}`;
      let p = memo.get(key);
      if (!p) {
        p = planServer(ctx, m, devs, deadlineAt);
        memo.set(key, p);
      }
      cost += p.cost;
      return p;
    });
    if (best === null || cost < best.cost) best = { assignment, plans, cost, exact: plans.every((p) => p.exact) };
  }
  return best && { ...best, exact: best.exact && complete };
}

/** priced[n][m]: Lagrangian cost of device n on server m at the servers' current prices. */
export function pricedCosts(ctx: PlanContext, plans: ServerPlan[]): number[][];
export function pricedCosts(ctx: PlanContext, plans: ServerPlan[], deadlineAt: number): number[][] | null;
/** With a deadline, gives up (null) once it passes: a partial matrix is of no use to the search. */
export function pricedCosts(ctx: PlanContext, plans: ServerPlan[], deadlineAt = Infinity): number[][] | null {
  const bandwidth = plans.map((p) => p.bandwidthPrice);
  const frequency = plans.map((p) => p.frequencyPrice);
  const rows: number[][] = [];
  for (let n = 0; n < ctx.models.length; n++) {
    if ((n & 31) === 31 && expired(deadlineAt)) return null;
    rows.push(pricedRow(ctx, n, bandwidth, frequency));
  }
  return rows;
}

function updatePricedColumn(ctx: PlanContext, plan: ServerPlan, priced: number[][]): void {
  const m = plan.server;
  ctx.models.forEach((dm, n) => {
    priced[n][m] = dm.servers.includes(m) ? pricedDeviceCost(ctx, m, n, plan.bandwidthPrice, plan.frequencyPrice) : Infinity;
  });
}

/** Re-plan only the servers whose members changed. */
function replan(ctx: PlanContext, sol: Solution, assignment: number[], deadlineAt: number): Solution {
  const changed = new Set<number>();
  assignment.forEach((m, n) => {
    if (m !== sol.assignment[n]) {
      changed.add(m);
      changed.add(sol.assignment[n]);
    }
  });
  const plans = sol.plans.slice();
  for (const m of changed) {
    const devs = assignment.flatMap((mm, n) => (mm === m ? [n] : []));
    plans[m] = planServer(ctx, m, devs, deadlineAt);
  }
  return { assignment, plans, cost: plans.reduce((s, p) => s + p.cost, 0), exact: false };
}

/** Price-guided reassignment followed by move/swap local search, all within the deadline. */
export function improveAssociation(ctx: PlanContext, start: Solution, deadlineAt: number, monitor: SearchMonitor = UNWATCHED): Solution {
  let best = start;
  const cap = capacities(ctx);
  // Reassignment by priced costs (a transportation problem under capacities). Moving every
  // device that wants to move at once overshoots (prices were set by the old loads), so move the
  // largest priced gains first, in a batch that doubles after a round that improves and halves
  // after one that does not.
  // Rounds start only if a pricing pass and a re-plan, as long as they last took, still fit.
  let pricingMs = 0;
  let replanMs = 0;
  const timed = <T>(f: () => T): [T, number] => {
    const t = now();
    const v = f();
    return [v, now() - t];
  };
  let batch = Infinity;
  for (let round = 0; round < 16 && batch >= 1 && now() + pricingMs + replanMs < deadlineAt; round++) {
    let pricedOrNull: number[][] | null;
    [pricedOrNull, pricingMs] = timed(() => pricedCosts(ctx, best.plans, deadlineAt));
    if (!pricedOrNull) return best;
    const priced = pricedOrNull;
    best = { ...best, priced };
    if (monitor.proven(best, priced)) return best;
    const target = solveTransportation(priced, cap);
    if (!target) break;
    const movers = target
      .map((m, n) => ({ n, m, gain: priced[n][best.assignment[n]] - priced[n][m] }))
      .filter((mv) => mv.m !== best.assignment[mv.n])
      .sort((a, b) => b.gain - a.gain);
    if (movers.length === 0) break;
    batch = Math.min(batch === Infinity ? Math.ceil(movers.length / 8) : batch, movers.length);
    const assignment = best.assignment.slice();
    const load = new Array<number>(cap.length).fill(0);
    assignment.forEach((m) => load[m]++);
    for (const mv of movers.slice(0, batch)) {
      if (load[mv.m] >= cap[mv.m]) continue;
      load[assignment[mv.n]]--;
      load[mv.m]++;
      assignment[mv.n] = mv.m;
    }
    let cand: Solution;
    [cand, replanMs] = timed(() => replan(ctx, best, assignment, deadlineAt));
    if (cand.cost < best.cost * (1 - 1e-12)) {
      best = cand;
      batch *= 2;
    } else batch = Math.floor(batch / 2);
  }
  if (now() + pricingMs >= deadlineAt) return best;
  // Local search: move a device to a server where its priced cost is lower, or swap. Prices
  // change only on the two servers a move touches, so only their columns are re-priced.
  const priced = best.priced ?? pricedCosts(ctx, best.plans, deadlineAt);
  if (!priced) return best;
  best = { ...best, priced };
  if (monitor.proven(best, priced)) return best;
  let improved = true;
  while (improved && !expired(deadlineAt)) {
    reportProgress({ phase: 'search', objective: best.cost, incumbent: () => decisionsOfPlans(ctx, best.plans) });
    improved = false;
    const load = new Array<number>(cap.length).fill(0);
    best.assignment.forEach((m) => load[m]++);
    const moves: { n: number; m: number; gain: number }[] = [];
    priced.forEach((row, n) => {
      const cur = best.assignment[n];
      row.forEach((c, m) => {
        if (m !== cur && Number.isFinite(c)) moves.push({ n, m, gain: row[cur] - c });
      });
    });
    moves.sort((a, b) => b.gain - a.gain);
    for (const mv of moves.slice(0, Math.max(20, ctx.models.length))) {
      if (expired(deadlineAt)) break;
      const assignment = best.assignment.slice();
      const from = assignment[mv.n];
      if (load[mv.m] < cap[mv.m]) {
        assignment[mv.n] = mv.m;
      } else {
        // Swap with the device on the target server that gains most (or loses least) by moving back.
        let partner = -1;
        let partnerGain = -Infinity;
        assignment.forEach((m, j) => {
          if (m === mv.m && ctx.models[j].servers.includes(from)) {
            const g = priced[j][mv.m] - priced[j][from];
            if (g > partnerGain) {
              partnerGain = g;
              partner = j;
            }
          }
        });
        if (partner < 0) continue;
        assignment[mv.n] = mv.m;
        assignment[partner] = from;
      }
      const cand = replan(ctx, best, assignment, deadlineAt);
      if (cand.cost < best.cost * (1 - 1e-12)) {
        updatePricedColumn(ctx, cand.plans[from], priced);
        updatePricedColumn(ctx, cand.plans[mv.m], priced);
        best = { ...cand, priced };
        improved = true;
        if (monitor.proven(best, priced)) return best;
        break;
      }
    }
  }
  return best;
}
