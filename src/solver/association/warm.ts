// Warm start: the association an earlier allocation (`previous`) had, where it still holds. This
// is where re-solving a moving network enters the search: the search (balance, reassignment,
// moves and swaps) then starts from an association that is almost right instead of the greedy
// one, and on small instances enumeration is exact whatever the start.

import type { PlanContext } from '../pricing/member.js';
import { capacities, greedyAssociation } from './association.js';

/**
 * Every device on its previous server when it still reaches it and the server has room (pinned
 * devices first, they have no other choice); new and displaced devices on their strongest-gain
 * server with room. Null when `previous` is absent or some device finds no room.
 */
export function warmAssociation(ctx: PlanContext): number[] | null {
  const prev = ctx.instance.previous;
  if (!prev) return null;
  const cap = capacities(ctx);
  const out = new Array<number>(ctx.models.length).fill(-1);
  const keep = (n: number) => {
    const m = prev.server[n];
    if (m === null || out[n] >= 0 || cap[m] <= 0 || !ctx.models[n].servers.includes(m)) return;
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
