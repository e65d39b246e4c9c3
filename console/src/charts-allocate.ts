// Views of one POST /allocate answer: map, servers, split layers, per device, baselines.
import * as Plot from '@observablehq/plot';
import { num } from './format.js';
import { MODE_COLOURS, PART_COLOURS, SERVER_SCHEME, empty, legend, subplot, subplots, tagElements, tick, widthOf } from './plot-kit.js';
import type { AllocateAnswer, AllocateRequest } from './types.js';

type Allocation = AllocateAnswer['allocations'][number];

const serverColour = (serverIds: string[]) => ({ type: 'ordinal' as const, domain: serverIds, scheme: SERVER_SCHEME });

/** Devices and servers on the plane, a line from each device to its server, one colour per server. */
export function renderMap(el: HTMLElement, request: AllocateRequest, answer: AllocateAnswer): void {
  const serverIds = request.servers.map((s) => s.id);
  const serverPos = new Map(request.servers.map((s) => [s.id, s.position]));
  const devicePos = new Map(request.devices.map((d) => [d.id, d.position]));
  if (answer.allocations.length === 0) return empty(el, 'No allocation in this answer.');
  if (request.servers.some((s) => !s.position) || answer.allocations.some((a) => !devicePos.get(a.deviceId))) {
    return empty(el, 'This snapshot gives channel gains, not positions: there is no map to draw.');
  }
  const devices = answer.allocations.map((a) => {
    const p = devicePos.get(a.deviceId)!;
    const s = serverPos.get(a.serverId)!;
    return { ...a, x: p.xM, y: p.yM, sx: s.xM, sy: s.yM };
  });
  const servers = request.servers.map((s) => ({
    id: s.id,
    x: s.position!.xM,
    y: s.position!.yM,
    devices: answer.allocations.filter((a) => a.serverId === s.id).length,
  }));
  const width = Math.min(widthOf(el), 620);
  el.replaceChildren(
    Plot.plot({
      width,
      aspectRatio: 1,
      inset: 14,
      style: { fontSize: '11px' },
      x: { label: 'x (m)', grid: true },
      y: { label: 'y (m)', grid: true },
      color: serverColour(serverIds),
      marks: [
        Plot.link(devices, { x1: 'x', y1: 'y', x2: 'sx', y2: 'sy', stroke: 'serverId', strokeOpacity: 0.55, strokeWidth: 1.2 }),
        Plot.dot(devices, {
          x: 'x',
          y: 'y',
          r: 4,
          fill: 'serverId',
          stroke: 'white',
          strokeWidth: 0.8,
          title: (d: (typeof devices)[number]) =>
            `${d.deviceId} → ${d.serverId}\nsplit ${d.splitLayer}, ${d.trainingMode}\ndelay ${num(d.delayS.total)} s, energy ${num(d.energyJ.total)} J`,
        }),
        Plot.dot(servers, {
          x: 'x',
          y: 'y',
          r: 9,
          symbol: 'square',
          fill: 'id',
          stroke: '#1d2430',
          strokeWidth: 1.5,
          title: (s: (typeof servers)[number]) => `${s.id}: ${s.devices} devices`,
        }),
        Plot.text(servers, {
          x: 'x',
          y: 'y',
          text: 'id',
          dy: -15,
          fontWeight: 600,
          stroke: 'white',
          strokeWidth: 3,
          fill: '#1d2430',
          paintOrder: 'stroke',
        }),
      ],
    }),
  );
}

/** Per server: devices against capacity, and the bandwidth and server-frequency shares stacked by device. */
export function renderServers(el: HTMLElement, request: AllocateRequest, answer: AllocateAnswer): void {
  if (answer.allocations.length === 0) return empty(el, 'No allocation in this answer.');
  const serverIds = request.servers.map((s) => s.id);
  const frequencyHz = new Map(request.servers.map((s) => [s.id, s.frequencyHz]));
  const stats = request.servers.map((s) => {
    const mine = answer.allocations.filter((a) => a.serverId === s.id);
    return { id: s.id, devices: mine.length, capacity: s.maxDevices ?? null };
  });
  const seen = new Map<string, number>();
  const shares = answer.allocations.map((a) => ({
    deviceId: a.deviceId,
    serverId: a.serverId,
    // Neighbouring segments of one server alternate in shade, so each device's share reads apart.
    shade: seen.set(a.serverId, (seen.get(a.serverId) ?? 0) + 1).get(a.serverId)! % 2 === 0 ? 0.62 : 1,
    bandwidth: a.bandwidthShare,
    frequency: a.serverFrequencyHz / frequencyHz.get(a.serverId)!,
  }));
  const height = 34 + 22 * serverIds.length;
  const w = widthOf(el);
  const small = Math.max(200, Math.floor((w - 44) / 3));
  const y = { domain: serverIds, label: null };
  const color = serverColour(serverIds);
  const capacityMax = Math.max(1, ...stats.map((s) => Math.max(s.devices, s.capacity ?? 0)));
  const load = Plot.plot({
    width: small,
    height,
    marginLeft: 56,
    style: { fontSize: '11px' },
    y,
    x: { label: 'devices', domain: [0, capacityMax * 1.15], grid: true },
    color,
    marks: [
      Plot.barX(stats, {
        x: 'devices',
        y: 'id',
        fill: 'id',
        title: (s: (typeof stats)[number]) => `${s.id}: ${s.devices} devices${s.capacity !== null ? ` of ${s.capacity}` : ''}`,
      }),
      Plot.tickX(
        stats.filter((s) => s.capacity !== null),
        { x: 'capacity', y: 'id', stroke: '#1d2430', strokeWidth: 2.5 },
      ),
      Plot.text(stats, {
        x: 'devices',
        y: 'id',
        text: (s: (typeof stats)[number]) => (s.capacity !== null ? `${s.devices}/${s.capacity}` : String(s.devices)),
        dx: 4,
        textAnchor: 'start',
        fill: '#1d2430',
      }),
    ],
  });
  const stacked = (key: 'bandwidth' | 'frequency', label: string) =>
    Plot.plot({
      width: small,
      height,
      marginLeft: 56,
      style: { fontSize: '11px' },
      y,
      x: { label, domain: [0, 100], percent: true, grid: true },
      color,
      marks: [
        Plot.barX(shares, {
          x: key,
          y: 'serverId',
          fill: 'serverId',
          fillOpacity: (d: (typeof shares)[number]) => d.shade,
          stroke: 'white',
          strokeWidth: 1,
          title: (d: (typeof shares)[number]) => `${d.deviceId} on ${d.serverId}: ${num(d[key] * 100, 3)}%`,
        }),
        Plot.ruleX([0]),
      ],
    });
  el.replaceChildren(
    subplots(
      subplot('devices (black tick: maxDevices)', load),
      subplot('bandwidth share, one segment per device', stacked('bandwidth', 'bandwidth (%)')),
      subplot('server frequency share, per device', stacked('frequency', 'frequency (%)')),
    ),
  );
}

/** Histogram of split layers, coloured by training mode. */
export function renderSplits(el: HTMLElement, request: AllocateRequest, answer: AllocateAnswer): void {
  if (answer.allocations.length === 0) return empty(el, 'No allocation in this answer.');
  const layers = request.model.layers;
  const splits = answer.allocations.map((a) => a.splitLayer);
  // The whole range of split layers when it is readable, so "all at layer 1" looks like it.
  const lo = layers <= 64 ? 1 : Math.max(1, Math.min(...splits) - 2);
  const hi = layers <= 64 ? Math.max(layers - 1, ...splits) : Math.min(layers, Math.max(...splits) + 2);
  const domain = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
  const modes = [...new Set(answer.allocations.map((a) => a.trainingMode))];
  el.replaceChildren(
    legend(modes.map((m) => [m, MODE_COLOURS[m]])),
    Plot.plot({
      width: widthOf(el),
      height: 230,
      style: { fontSize: '11px' },
      x: {
        type: 'band',
        domain,
        label: `split layer (of ${layers})`,
        tickFormat: (v: number) => (domain.length > 24 && v % 2 && v !== domain[0] ? '' : String(v)),
      },
      y: { label: 'devices', grid: true, tickFormat: (v: number) => (Number.isInteger(v) ? String(v) : '') },
      color: { domain: Object.keys(MODE_COLOURS), range: Object.values(MODE_COLOURS) },
      marks: [
        Plot.barY(answer.allocations, Plot.groupX({ y: 'count' }, { x: 'splitLayer', fill: 'trainingMode', tip: true })),
        Plot.ruleY([0]),
      ],
    }),
  );
}

const PARTS = ['local', 'uplink', 'edge'] as const;

/** Per device, delay and energy split into local / uplink / edge; each device's total tick carries data-device-id. */
export function renderDevices(el: HTMLElement, _request: AllocateRequest, answer: AllocateAnswer): void {
  const allocations = answer.allocations;
  if (allocations.length === 0) return empty(el, 'No allocation in this answer.');
  const ids = allocations.map((a) => a.deviceId);
  const n = ids.length;
  const row = n <= 60 ? 14 : Math.max(3, Math.floor(900 / n));
  const height = 40 + row * n;
  const labels = n <= 120;
  const parts = (key: 'delayS' | 'energyJ') =>
    allocations.flatMap((a) => PARTS.map((part) => ({ deviceId: a.deviceId, part, value: a[key][part], serverId: a.serverId })));
  const w = widthOf(el);
  const half = Math.max(260, Math.floor((w - 30) / 2));
  const chart = (key: 'delayS' | 'energyJ', label: string, tagged: boolean) =>
    Plot.plot({
      width: half,
      height,
      marginLeft: labels ? 60 : 20,
      style: { fontSize: '10px' },
      // Past ~120 rows a gap between bars would be wider than the bars.
      y: { domain: ids, label: null, axis: labels ? 'left' : null, padding: labels ? 0.1 : 0 },
      x: { label, grid: true, tickFormat: tick, ticks: Math.max(3, Math.floor(half / 90)) },
      color: { domain: [...PARTS], range: PARTS.map((p) => PART_COLOURS[p]) },
      marks: [
        Plot.barX(parts(key), {
          x: 'value',
          y: 'deviceId',
          fill: 'part',
          order: [...PARTS],
          title: (d: { deviceId: string; part: string; value: number; serverId: string }) =>
            `${d.deviceId} (${d.serverId}) ${d.part}: ${num(d.value)}`,
        }),
        Plot.tickX(allocations, {
          x: (a: Allocation) => a[key].total,
          y: 'deviceId',
          stroke: '#1d2430',
          strokeWidth: 1.5,
          title: (a: Allocation) => `${a.deviceId} → ${a.serverId}, split ${a.splitLayer}: total ${num(a[key].total)}`,
          ...(tagged ? { render: tagElements(allocations, 'data-device-id', (a) => a.deviceId) } : {}),
        }),
        Plot.ruleX([0]),
      ],
    });
  el.replaceChildren(
    legend(PARTS.map((p) => [p, PART_COLOURS[p]])),
    subplots(subplot('delay (s)', chart('delayS', 'delay (s)', true)), subplot('energy (J)', chart('energyJ', 'energy (J)', false))),
  );
}

/** Every baseline's objective as a ratio to this answer's (log scale, 1 = this answer). */
export function renderBaselines(el: HTMLElement, _request: AllocateRequest, answer: AllocateAnswer): void {
  const ours = answer.objective;
  if (ours === undefined || answer.baselines.length === 0) {
    return empty(
      el,
      answer.baselines.length === 0 ? 'No baselines in this answer (options.baselines is false).' : 'No objective to compare with.',
    );
  }
  const rows = answer.baselines.map((b) => ({ name: b.name, ratio: b.objective / ours, feasible: b.feasible }));
  renderRatios(el, rows, 'objective ÷ this answer’s (log scale)');
}

/** Shared with the block view: bars from 1 to each ratio, labelled; infeasible ones greyed. */
export function renderRatios(el: HTMLElement, rows: { name: string; ratio: number | null; feasible: boolean }[], label: string): void {
  const finite = rows.filter(
    (r): r is { name: string; ratio: number; feasible: boolean } => r.ratio !== null && Number.isFinite(r.ratio) && r.ratio > 0,
  );
  const lo = Math.min(1, ...finite.map((r) => r.ratio));
  const hi = Math.max(1, ...finite.map((r) => r.ratio));
  const text = (r: { ratio: number | null; feasible: boolean }) => {
    if (r.ratio === null || !Number.isFinite(r.ratio)) return 'no assignment fits';
    const pct = (r.ratio - 1) * 100;
    const rel = Math.abs(pct) < 100 ? `${pct >= 0 ? '+' : ''}${num(pct, 3)}%` : `${num(r.ratio, 3)}×`;
    return r.feasible ? rel : `${rel} (misses a constraint: not comparable)`;
  };
  el.replaceChildren(
    Plot.plot({
      width: widthOf(el),
      height: 40 + 30 * rows.length,
      marginLeft: 120,
      marginRight: 20,
      style: { fontSize: '11px' },
      x: { type: 'log', domain: [lo / 1.02, hi * (hi > 2 ? 3 : 1.08)], label, grid: true },
      y: { domain: rows.map((r) => r.name), label: null },
      marks: [
        Plot.barX(finite, {
          x1: 1,
          x2: 'ratio',
          y: 'name',
          fill: (r: { feasible: boolean }) => (r.feasible ? '#8aa4c8' : '#d3d6db'),
          insetTop: 4,
          insetBottom: 4,
        }),
        Plot.ruleX([1], { stroke: '#c0392b', strokeWidth: 2 }),
        Plot.text([1], { x: 1, frameAnchor: 'top', text: () => 'this answer', dy: -2, fill: '#c0392b', textAnchor: 'start', dx: 4 }),
        Plot.text(rows, {
          x: (r: { ratio: number | null }) => (r.ratio !== null && r.ratio > 0 ? Math.max(1, r.ratio) : 1),
          y: 'name',
          text,
          dx: 6,
          textAnchor: 'start',
          fill: '#1d2430',
        }),
      ],
    }),
  );
}
