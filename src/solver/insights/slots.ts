// The value of one more device slot on a server whose maxDevices binds: the best objective change
// of moving one device there from its own server, each device keeping its split and mode and both
// servers' budgets re-split exactly. Candidates are screened by their priced cost (the server's
// budget prices), then the few most promising are re-split for real.

import { uplinkCost } from '../resources/uplink.js';
import type { DeviceDecision, Instance, Weights } from '../../model/types.js';
import { bandwidthForPrice } from '../resources/uplink.js';
import { frequencyForPrice } from '../resources/shares.js';
import { budgetMember, resplit, type BudgetMember, type BudgetOutcome } from './server-budgets.js';

/** Candidate moves priced per full server: the devices whose channel gains most by the move. */
const PRICED_MOVES = 12;
/** Candidate moves re-split exactly per full server: the best priced ones. */
const EXACT_MOVES = 2;

export interface ServerState {
  members: BudgetMember[];
  outcome: BudgetOutcome;
}

function migrationCost(instance: Instance, weights: Weights, n: number, server: number): number {
  const prev = instance.previous;
  const before = prev?.server[n] ?? null;
  if (before === null || before === server) return 0;
  return weights.delay * prev!.migration.delayS + weights.energy * prev!.migration.energyJ;
}

/**
 * Objective change (≤ 0) of the best single move into `target`, or 0 when no move helps. `held`
 * devices (binding deadline, pinned) do not move.
 */
export function slotValue(
  instance: Instance,
  weights: Weights,
  target: number,
  decisions: DeviceDecision[],
  states: ServerState[],
  movable: boolean[],
): number {
  const s = instance.servers[target];
  const eKappa = weights.energy * s.kappa;
  const prices = states[target].outcome;
  // Pricing a device at a new server costs a power optimisation: only the devices whose channel
  // improves most by the move (gain there over gain on their own server) are priced.
  const movers: { n: number; ratio: number }[] = [];
  decisions.forEach((dec, n) => {
    const g = instance.devices[n].gains;
    if (dec.server !== target && movable[n] && g[target] > 0) movers.push({ n, ratio: g[target] / g[dec.server] });
  });
  movers.sort((a, b) => b.ratio - a.ratio);
  const estimates: { n: number; estimate: number }[] = [];
  for (const { n } of movers.slice(0, PRICED_MOVES)) {
    const dec = decisions[n];
    const from = states[dec.server];
    const mem = budgetMember(instance, weights, n, target, dec, false);
    // Priced cost at the target: a lower bound of its cost there (weak duality).
    const b = bandwidthForPrice(mem.uplink, prices.bandwidthPrice, s.bandwidthHz);
    const f = frequencyForPrice(mem.edge, eKappa, prices.frequencyPrice, s.frequencyHz);
    const there =
      uplinkCost(mem.uplink, b).cost +
      prices.bandwidthPrice * b +
      mem.edge.load * (mem.edge.delayWeight / f + eKappa * f * f) +
      prices.frequencyPrice * f;
    // What leaving saves at the source, to first order: its cost there and the value of the shares it frees.
    const own = from.members.find((m) => m.device === n)!;
    const srcKappa = weights.energy * instance.servers[dec.server].kappa;
    const here =
      uplinkCost(own.uplink, dec.bandwidthHz).cost +
      own.edge.load * (own.edge.delayWeight / dec.serverFrequencyHz + srcKappa * dec.serverFrequencyHz ** 2) +
      from.outcome.bandwidthPrice * dec.bandwidthHz +
      from.outcome.frequencyPrice * dec.serverFrequencyHz;
    const migration = migrationCost(instance, weights, n, target) - migrationCost(instance, weights, n, dec.server);
    estimates.push({ n, estimate: there - here + migration });
  }
  estimates.sort((a, b) => a.estimate - b.estimate);
  let best = 0;
  for (const { n } of estimates.slice(0, EXACT_MOVES)) {
    const dec = decisions[n];
    const from = states[dec.server];
    const into = [...states[target].members, budgetMember(instance, weights, n, target, dec, false)];
    const left = from.members.filter((m) => m.device !== n);
    const after = resplit(instance, weights, target, into).cost + (left.length > 0 ? resplit(instance, weights, dec.server, left).cost : 0);
    const before = states[target].outcome.cost + from.outcome.cost;
    const migration = migrationCost(instance, weights, n, target) - migrationCost(instance, weights, n, dec.server);
    best = Math.min(best, after - before + migration);
  }
  return best;
}
