// The Pareto sweep: total delay against total energy, stability as colour, the front joined by a
// line; each point carries data-point-index and is clickable (the console then fetches its allocation).
import * as Plot from '@observablehq/plot';
import { num } from './format.js';
import { autoScale, empty, pickNearest, tagElements, widthOf } from './plot-kit.js';
import type { ParetoResult } from './types.js';

type Point = ParetoResult['points'][number] & { index: number };

/** A zero delay or energy weight drives frequencies or powers to their floor: totals run to extremes. */
const extreme = (p: ParetoResult['points'][number]) => p.weights.delay === 0 || p.weights.energy === 0;

export function renderPareto(
  el: HTMLElement,
  result: ParetoResult,
  selected: number | undefined,
  onPick: (index: number) => void,
  hideExtremes = false,
): void {
  const shown = (p: ParetoResult['points'][number]) => p.totals !== undefined && !(hideExtremes && extreme(p));
  const points: Point[] = result.points.map((p, index) => ({ ...p, index })).filter(shown);
  if (points.length === 0) return empty(el, 'No point of the sweep to plot (with these filters).');
  const front = result.front
    .map((i) => ({ ...result.points[i], index: i }))
    .filter(shown)
    .sort((a, b) => a.totals!.energyJ - b.totals!.energyJ);
  const chosen = points.filter((p) => p.index === selected);
  const w = (p: Point) => `(${num(p.weights.delay, 3)}, ${num(p.weights.energy, 3)}, ${num(p.weights.stability, 3)})`;
  const plot = Plot.plot({
    width: Math.min(widthOf(el), 900),
    height: 340,
    marginLeft: 70,
    marginRight: 20,
    inset: 12,
    style: { fontSize: '11px' },
    x: { label: 'total energy (J)', grid: true, ...autoScale(points.map((p) => p.totals!.energyJ)) },
    y: { label: 'total delay (s)', grid: true, ...autoScale(points.map((p) => p.totals!.delayS)) },
    color: { type: 'linear', scheme: 'viridis', label: 'total stability bound', legend: true },
    marks: [
      Plot.line(front, {
        x: (p: Point) => p.totals!.energyJ,
        y: (p: Point) => p.totals!.delayS,
        stroke: '#8a94a3',
        strokeDasharray: '4,3',
      }),
      Plot.dot(chosen, {
        x: (p: Point) => p.totals!.energyJ,
        y: (p: Point) => p.totals!.delayS,
        r: 12,
        stroke: '#c0392b',
        strokeWidth: 2.5,
      }),
      ...[false, true].map((onFront) => {
        const data = points.filter((p) => p.dominated !== onFront);
        return Plot.dot(data, {
          x: (p: Point) => p.totals!.energyJ,
          y: (p: Point) => p.totals!.delayS,
          fill: (p: Point) => p.totals!.stability,
          r: onFront ? 7 : 4.5,
          stroke: onFront ? '#1d2430' : '#8a94a3',
          fillOpacity: onFront ? 1 : 0.5,
          title: (p: Point) =>
            `point ${p.index}: weights (delay, energy, stability) ${w(p)}${p.dominated ? ', dominated' : ', on the front'}\n` +
            `delay ${num(p.totals!.delayS)} s, energy ${num(p.totals!.energyJ)} J, stability ${num(p.totals!.stability)}\nclick for its allocation`,
          render: tagElements(
            data,
            'data-point-index',
            (p) => String(p.index),
            (p) => onPick(p.index),
          ),
        });
      }),
    ],
  });
  const svg = plot.tagName.toLowerCase() === 'svg' ? plot : plot.querySelector(':scope > svg:last-of-type');
  if (svg) pickNearest(svg, 'data-point-index', (v) => onPick(Number(v)));
  el.replaceChildren(plot);
}
