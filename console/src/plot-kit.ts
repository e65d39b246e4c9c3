// Small helpers shared by the charts: mounting, legends, colours, and the render transform that
// tags each SVG element of a mark with a data attribute (data-device-id, data-point-index).
import type { RenderFunction } from '@observablehq/plot';
import { num } from './format.js';

/** One colour per server (ordinal, repeats after ten). */
export const SERVER_SCHEME = 'observable10' as const;
export const PART_COLOURS = { local: '#4e79a7', uplink: '#f28e2b', edge: '#59a14f' } as const;
export const MODE_COLOURS = { backprop: '#4e79a7', 'zeroth-order': '#e15759' } as const;

/** Axis labels for physical quantities: four significant digits, exponent form when large or small. */
export const tick = (v: number) => num(v, 3);
/** On a log axis, label the powers of ten only (the minor ticks stay as grid lines). */
export const logTick = (v: number) => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? num(v, 3) : '');

/** A linear axis, or a log one when the values span more than `spread` (delays can span 10^12 when a weight is 0). */
export function autoScale(values: number[], spread = 100): { type: 'linear' | 'log'; tickFormat: (v: number) => string } {
  const positive = values.filter((v) => v > 0);
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  return positive.length === values.length && positive.length > 1 && hi / lo > spread
    ? { type: 'log', tickFormat: logTick }
    : { type: 'linear', tickFormat: tick };
}

export function clear(el: HTMLElement): void {
  el.replaceChildren();
}

export function empty(el: HTMLElement, text: string): void {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = text;
  el.replaceChildren(p);
}

/** Width available inside a chart container (it may be hidden while rendering: fall back). */
export function widthOf(el: HTMLElement, fallback = 560): number {
  return Math.max(240, Math.floor(el.clientWidth || fallback));
}

export function legend(items: [label: string, colour: string][]): HTMLElement {
  const div = document.createElement('div');
  div.className = 'legend';
  for (const [label, colour] of items) {
    const span = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = colour;
    span.append(i, label);
    div.append(span);
  }
  return div;
}

export function subplot(title: string, node: Element): HTMLElement {
  const div = document.createElement('div');
  div.className = 'subplot';
  const h = document.createElement('h3');
  h.textContent = title;
  div.append(h, node);
  return div;
}

export function subplots(...nodes: HTMLElement[]): HTMLElement {
  const div = document.createElement('div');
  div.className = 'subplots';
  div.append(...nodes);
  return div;
}

/**
 * A render transform setting `attribute` on each element the mark draws, from its datum; `onClick`
 * (optional) makes each element clickable. Plot draws one element per index entry, in index order.
 */
export function tagElements<T>(
  data: readonly T[],
  attribute: string,
  valueOf: (d: T, i: number) => string,
  onClick?: (d: T, i: number) => void,
): RenderFunction {
  return (index, scales, values, dimensions, context, next) => {
    const g = next!(index, scales, values, dimensions, context);
    if (g === null) return g;
    const elements = Array.from(g.children).filter((c) => c.tagName !== 'title');
    elements.forEach((el, k) => {
      const i = index[k];
      if (i === undefined) return;
      el.setAttribute(attribute, valueOf(data[i], i));
      if (onClick) {
        // Mouse clicks are handled by pickNearest; the keyboard reaches every mark, overlapped or not.
        el.setAttribute('role', 'button');
        el.setAttribute('tabindex', '0');
        el.addEventListener('keydown', (e) => {
          if ((e as KeyboardEvent).key === 'Enter' || (e as KeyboardEvent).key === ' ') onClick(data[i], i);
        });
      }
    });
    return g;
  };
}

/**
 * A click on a mark picks it; a click beside the marks picks the circle (carrying `attribute`) whose
 * centre is nearest, within `radiusPx`, so small or faded points need no pixel-exact aim.
 */
export function pickNearest(svg: Element, attribute: string, onPick: (value: string) => void, radiusPx = 24): void {
  svg.addEventListener('click', (e) => {
    // Client coordinates on both sides: right whatever the SVG's scaling or the marks' transforms.
    const hit = (e.target as Element).closest?.(`[${attribute}]`);
    if (hit) return onPick(hit.getAttribute(attribute)!); // a direct hit: the mark on top
    const { clientX, clientY } = e as MouseEvent;
    let best: { d: number; value: string } | undefined;
    for (const c of svg.querySelectorAll(`circle[${attribute}]`)) {
      const r = c.getBoundingClientRect();
      const d = Math.hypot(r.left + r.width / 2 - clientX, r.top + r.height / 2 - clientY);
      if (d <= radiusPx && (best === undefined || d < best.d)) best = { d, value: c.getAttribute(attribute)! };
    }
    if (best) onPick(best.value);
  });
}
