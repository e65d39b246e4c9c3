// Views of one POST /allocate/blocks answer: which device trains which block, each device's
// latency (compute + upload) against the round latency, and the baselines.
import * as Plot from '@observablehq/plot';
import { renderRatios } from './charts-allocate.js';
import { num } from './format.js';
import { SERVER_SCHEME, empty, legend, tagElements, widthOf } from './plot-kit.js';
import type { BlocksAnswer } from './types.js';

type Assignment = BlocksAnswer['assignments'][number];

/** The block-to-device map: one cell per block depth, on its device's row. */
export function renderBlockMap(el: HTMLElement, answer: BlocksAnswer): void {
  const cells = answer.assignments.flatMap((a) => a.blocks.map((depth) => ({ depth, deviceId: a.deviceId })));
  if (cells.length === 0) return empty(el, 'No block is assigned in this answer.');
  const ids = answer.assignments.map((a) => a.deviceId);
  const depths = Math.max(...cells.map((c) => c.depth));
  el.replaceChildren(
    Plot.plot({
      width: widthOf(el),
      height: 50 + 26 * ids.length,
      marginLeft: 90,
      style: { fontSize: '11px' },
      x: { type: 'band', domain: Array.from({ length: depths }, (_, k) => k + 1), label: 'block depth (1 = nearest the input)' },
      y: { domain: ids, label: null },
      color: { type: 'ordinal', domain: ids, scheme: SERVER_SCHEME },
      marks: [
        Plot.cell(cells, {
          x: 'depth',
          y: 'deviceId',
          fill: 'deviceId',
          inset: 1,
          title: (c: { depth: number; deviceId: string }) => `block ${c.depth} → ${c.deviceId}`,
        }),
      ],
    }),
  );
}

/** Each device's latency (compute then upload) with the round latency as a rule. */
export function renderBlockDevices(el: HTMLElement, answer: BlocksAnswer): void {
  const rows = answer.assignments;
  if (rows.length === 0) return empty(el, 'No assignment in this answer.');
  const parts = rows.flatMap((a) => [
    { deviceId: a.deviceId, part: 'compute', value: a.computeS },
    { deviceId: a.deviceId, part: 'upload', value: a.uploadS },
  ]);
  const round = answer.roundLatencyS;
  el.replaceChildren(
    legend([
      ['compute', '#4e79a7'],
      ['upload', '#f28e2b'],
      ['round latency', '#c0392b'],
    ]),
    Plot.plot({
      width: widthOf(el),
      height: 50 + 22 * rows.length,
      marginLeft: 90,
      style: { fontSize: '11px' },
      y: { domain: rows.map((a) => a.deviceId), label: null },
      x: { label: 'latency (s)', grid: true },
      color: { domain: ['compute', 'upload'], range: ['#4e79a7', '#f28e2b'] },
      marks: [
        Plot.barX(parts, {
          x: 'value',
          y: 'deviceId',
          fill: 'part',
          title: (d: { deviceId: string; part: string; value: number }) => `${d.deviceId} ${d.part}: ${num(d.value)} s`,
        }),
        Plot.tickX(rows, {
          x: 'latencyS',
          y: 'deviceId',
          stroke: '#1d2430',
          strokeWidth: 1.5,
          title: (a: Assignment) => `${a.deviceId}: blocks ${a.blocks.join(', ') || 'none'}, latency ${num(a.latencyS)} s`,
          render: tagElements(rows, 'data-device-id', (a) => a.deviceId),
        }),
        ...(round !== undefined ? [Plot.ruleX([round], { stroke: '#c0392b', strokeWidth: 2, strokeDasharray: '5,3' })] : []),
        Plot.ruleX([0]),
      ],
    }),
  );
}

export function renderBlockBaselines(el: HTMLElement, answer: BlocksAnswer): void {
  const ours = answer.roundLatencyS;
  if (ours === undefined || answer.baselines.length === 0) return empty(el, 'No baselines in this answer.');
  const rows = answer.baselines.map((b) => ({
    name: b.name,
    ratio: b.roundLatencyS === null ? null : b.roundLatencyS / ours,
    feasible: true,
  }));
  renderRatios(el, rows, 'round latency ÷ this answer’s (log scale)');
}
