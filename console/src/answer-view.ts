// One answer on screen: the summary (with the exact numbers in data-value), the five views, the
// per-device table and the downloads. Which charts draw it depends on the endpoint.
import { renderBaselines, renderDevices, renderMap, renderServers, renderSplits } from './charts-allocate.js';
import { renderCapacity } from './chart-capacity.js';
import { updateWhatIf } from './what-if-panel.js';
import { renderBlockBaselines, renderBlockDevices, renderBlockMap } from './charts-blocks.js';
import { $, charts, ui } from './dom.js';
import { showInfeasible } from './errors-view.js';
import { deviceTable, gapText, num, objectiveText, secondsText, toCsv } from './format.js';
import { empty } from './plot-kit.js';
import type { Shown } from './types.js';

let current: Shown | undefined;
let objectUrls: string[] = [];

/** The answer on screen no longer matches the last request (it failed): dim it and say so. */
export function markStale(stale: boolean, paretoOnScreen: boolean): void {
  $('output').classList.toggle('stale', stale && (current !== undefined || paretoOnScreen));
  $('stale-note')?.remove();
  if (stale && current) {
    const note = document.createElement('span');
    note.id = 'stale-note';
    note.className = 'stale-note';
    note.textContent = '(from an earlier run)';
    ui.summaryTitle.append(note);
  }
}

function setKpi(id: string, text: string, raw?: number | string): void {
  const el = $(id);
  el.textContent = text;
  el.title = raw === undefined ? '' : String(raw);
  if (raw === undefined) delete el.dataset.value;
  else el.dataset.value = String(raw);
}

export function clearAnswer(title: string): void {
  current = undefined;
  ui.summaryTitle.textContent = title;
  ui.summaryExtra.textContent = '';
  for (const id of ['kpi-status', 'kpi-objective', 'kpi-bound', 'kpi-gap', 'kpi-time', 'kpi-cache', 'kpi-hash']) setKpi(id, '–');
  $('kpi-status').className = '';
  for (const el of Object.values(charts)) empty(el, 'Click a point of the Pareto front to see its allocation.');
  ui.table.replaceChildren();
  setDownloads(undefined);
  updateWhatIf(undefined);
}

export function show(shown: Shown): void {
  current = shown;
  markStale(false, false);
  const a = shown.answer;
  ui.summaryTitle.textContent = shown.title;
  const status = $('kpi-status');
  setKpi('kpi-status', a.status + (a.limit ? ` (${a.limit} limit)` : ''), a.status);
  status.className = `status-${a.status}`;
  if (shown.kind === 'allocate') {
    $('kpi-objective-label').textContent = 'objective';
    setKpi('kpi-objective', objectiveText(shown.answer.objective), shown.answer.objective);
    setKpi('kpi-bound', objectiveText(a.bound), a.bound);
  } else {
    $('kpi-objective-label').textContent = 'round latency';
    setKpi('kpi-objective', secondsText(shown.answer.roundLatencyS), shown.answer.roundLatencyS);
    setKpi('kpi-bound', secondsText(a.bound), a.bound);
  }
  setKpi('kpi-gap', gapText(a.gap), a.gap);
  setKpi('kpi-time', secondsText(a.solver.solveTimeMs / 1000), a.solver.solveTimeMs);
  setKpi('kpi-cache', a.cache, a.cache);
  setKpi('kpi-hash', a.requestHash.slice(0, 16) + '…', a.requestHash);
  ui.summaryExtra.textContent = extraLine(shown);
  if (a.status === 'INFEASIBLE' || a.status === 'NO_SOLUTION_FOUND') showInfeasible(a.infeasibilities ?? [], a.status);
  renderViews(shown);
  renderTable(shown);
  setDownloads(shown);
  updateWhatIf(shown);
}

function extraLine(shown: Shown): string {
  const solver = `solver ${shown.answer.solver.algorithm} ${shown.answer.solver.version}`;
  if (shown.kind === 'blocks') {
    const used = shown.answer.assignments.filter((x) => x.blocks.length > 0).length;
    return `${shown.answer.assignments.length} devices, ${used} hold blocks · ${solver}`;
  }
  const t = shown.answer.totals;
  const servers = new Set(shown.answer.allocations.map((x) => x.serverId)).size;
  const totals = t ? `total delay ${num(t.delayS)} s · energy ${num(t.energyJ)} J · stability ${num(t.stability)} · ` : '';
  return `${totals}${shown.answer.allocations.length} devices on ${servers} of ${shown.request.servers.length} servers · ${solver}`;
}

function renderViews(shown: Shown): void {
  const titles: Record<string, string> =
    shown.kind === 'allocate'
      ? {
          map: 'Map: devices, servers and associations',
          servers: 'Servers: load against capacity',
          splits: 'Split layers and training modes',
          devices: 'Per device: delay and energy (local / uplink / edge)',
          baselines: 'Against the baselines',
          capacity: 'Where to add capacity: gain per +1% at each server',
        }
      : {
          map: 'Blocks: which device trains which block',
          servers: 'Servers',
          splits: 'Split layers',
          devices: "Per device: latency against the round's",
          baselines: 'Against the baselines (round latency)',
          capacity: 'Where to add capacity',
        };
  for (const [k, t] of Object.entries(titles)) $(`title-${k}`).textContent = t;
  // Block allocation has no servers or split layers to show: those cards step aside.
  document.querySelector('.charts')!.classList.toggle('blocks', shown.kind === 'blocks');
  // One failing view must not take the others (or the summary) down with it.
  const guard = (el: HTMLElement, draw: () => void) => {
    try {
      draw();
    } catch (err) {
      console.warn('chart failed', err);
      empty(el, `This view could not be drawn: ${(err as Error).message}`);
    }
  };
  if (shown.kind === 'allocate') {
    const { request: r, answer: a } = shown;
    guard(charts.map, () => renderMap(charts.map, r, a));
    guard(charts.servers, () => renderServers(charts.servers, r, a));
    guard(charts.splits, () => renderSplits(charts.splits, r, a));
    guard(charts.devices, () => renderDevices(charts.devices, r, a));
    guard(charts.baselines, () => renderBaselines(charts.baselines, r, a));
    guard(charts.capacity, () => renderCapacity(charts.capacity, r, a));
  } else {
    const a = shown.answer;
    guard(charts.map, () => renderBlockMap(charts.map, a));
    empty(charts.servers, 'Block allocation has one edge server: see the per-device view.');
    empty(charts.splits, 'Block allocation has no split layers: see the block map.');
    guard(charts.devices, () => renderBlockDevices(charts.devices, a));
    guard(charts.baselines, () => renderBlockBaselines(charts.baselines, a));
    empty(charts.capacity, 'Insights are for /allocate answers.');
  }
}

function renderTable(shown: Shown): void {
  const t = deviceTable(shown);
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const c of t.columns) {
    const th = document.createElement('th');
    th.textContent = c;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of t.rows) {
    const tr = body.insertRow();
    for (const v of row) tr.insertCell().textContent = typeof v === 'number' ? num(v) : v;
  }
  ui.table.replaceChildren(table);
}

function setDownloads(shown: Shown | undefined): void {
  for (const url of objectUrls) URL.revokeObjectURL(url);
  objectUrls = [];
  const links: [HTMLAnchorElement, string, string, string][] = shown
    ? [
        [ui.downloadJson, JSON.stringify(shown.answer, null, 2), 'application/json', 'json'],
        [ui.downloadCsv, toCsv(deviceTable(shown)), 'text/csv', 'csv'],
      ]
    : [];
  for (const a of [ui.downloadJson, ui.downloadCsv]) {
    a.removeAttribute('href');
    a.removeAttribute('download');
    a.classList.add('disabled');
    a.setAttribute('aria-disabled', 'true');
  }
  for (const [a, content, type, ext] of links) {
    const url = URL.createObjectURL(new Blob([content], { type }));
    objectUrls.push(url);
    a.href = url;
    a.download = `${shown!.kind}-${shown!.answer.requestHash.slice(0, 12)}.${ext}`;
    a.classList.remove('disabled');
    a.removeAttribute('aria-disabled');
  }
}
