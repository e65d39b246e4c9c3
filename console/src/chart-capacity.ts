// "Where to add capacity" (docs/insights.md): per server, the objective's decrease for +1% of its
// bandwidth and of its GPU frequency (and for one more device slot where maxDevices binds), from
// the answer's insights. Each bar carries data-capacity="serverId:resource".
import * as Plot from '@observablehq/plot';
import { num } from './format.js';
import { empty, legend, tagElements, widthOf } from './plot-kit.js';
import type { AllocateAnswer, AllocateRequest } from './types.js';

export const RESOURCE_COLOURS = { bandwidth: '#f28e2b', frequency: '#59a14f', slot: '#af7aa1' } as const;

export interface CapacityBar {
  serverId: string;
  resource: keyof typeof RESOURCE_COLOURS;
  /** objective decrease for +1% of the resource (one device for a slot), ≥ 0 */
  gain: number;
  /** the same per MHz, GHz or device */
  perUnit: string;
}

/** Every server's gains from the insights, largest first (ties in server order). */
export function capacityBars(request: AllocateRequest, answer: AllocateAnswer): CapacityBar[] {
  const insights = answer.insights;
  if (!insights) return [];
  const byId = new Map(request.servers.map((s) => [s.id, s]));
  const bars: CapacityBar[] = [];
  for (const s of insights.servers) {
    const server = byId.get(s.serverId);
    if (!server) continue;
    bars.push({
      serverId: s.serverId,
      resource: 'bandwidth',
      gain: (-s.marginal.bandwidthPerMHz * server.bandwidthHz) / 1e8,
      perUnit: `${num(-s.marginal.bandwidthPerMHz, 3)} per MHz`,
    });
    bars.push({
      serverId: s.serverId,
      resource: 'frequency',
      gain: (-s.marginal.frequencyPerGHz * server.frequencyHz) / 1e11,
      perUnit: `${num(-s.marginal.frequencyPerGHz, 3)} per GHz`,
    });
    if (s.marginal.slot !== null)
      bars.push({ serverId: s.serverId, resource: 'slot', gain: -s.marginal.slot, perUnit: `${num(-s.marginal.slot, 3)} per device` });
  }
  return bars.map((b) => ({ ...b, gain: Math.max(0, b.gain) })).sort((a, b) => b.gain - a.gain);
}

export function renderCapacity(el: HTMLElement, request: AllocateRequest, answer: AllocateAnswer): void {
  if (answer.allocations.length === 0) return empty(el, 'No allocation in this answer.');
  if (!answer.insights) return empty(el, 'This answer has no insights: solve with options.insights: true.');
  const bars = capacityBars(request, answer);
  const serverIds = request.servers.map((s) => s.id);
  // Servers ordered by their best gain, so the place to add capacity is on top.
  const best = new Map<string, number>();
  for (const b of bars) best.set(b.serverId, Math.max(best.get(b.serverId) ?? 0, b.gain));
  const order = serverIds.slice().sort((a, b) => (best.get(b) ?? 0) - (best.get(a) ?? 0));
  const resources = (Object.keys(RESOURCE_COLOURS) as CapacityBar['resource'][]).filter((r) => bars.some((b) => b.resource === r));
  const plot = Plot.plot({
    width: widthOf(el),
    height: 40 + 14 * resources.length * serverIds.length,
    marginLeft: 64,
    style: { fontSize: '11px' },
    // One band per server (best first), one bar per resource within it.
    fy: { domain: order, label: null },
    y: { domain: resources, axis: null },
    x: { label: 'objective decrease for +1% of capacity (one device for a slot)', grid: true, tickFormat: (v: number) => num(v, 2) },
    color: { domain: Object.keys(RESOURCE_COLOURS), range: Object.values(RESOURCE_COLOURS) },
    marks: [
      Plot.barX(bars, {
        x: 'gain',
        y: 'resource',
        fy: 'serverId',
        fill: 'resource',
        title: (b: CapacityBar) => `${b.serverId} ${b.resource}: ${num(b.gain, 3)} per +1% (${b.perUnit})`,
        render: tagElements(bars, 'data-capacity', (b) => `${b.serverId}:${b.resource}`),
      }),
      Plot.ruleX([0]),
    ],
  });
  const top = answer.insights.addCapacity[0];
  const note = document.createElement('p');
  note.className = 'hint';
  note.textContent = top
    ? `Most gain: ${top.resource} at ${top.serverId} (${num(top.gainPerUnit, 3)} per ${top.unit}). Marginal values hold the association and the objective's scales fixed (docs/insights.md).`
    : 'No added capacity would lower the objective at this allocation.';
  el.replaceChildren(legend(resources.map((r) => [r, RESOURCE_COLOURS[r]])), plot, note);
}
