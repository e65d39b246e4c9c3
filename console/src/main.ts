// The console's wiring: snapshot input (examples, upload, generator, paste), weights, runs,
// errors next to the fields they name, the answer's views, the Pareto sweep and the exports.
// Plain DOM; each view lives in its own module.
import { ApiFailure, apiKey, loadExamples, runAllocate, runBlocks, runPareto, setApiKey, type FailureInfo } from './api.js';
import { renderBaselines, renderDevices, renderMap, renderServers, renderSplits } from './charts-allocate.js';
import { renderBlockBaselines, renderBlockDevices, renderBlockMap } from './charts-blocks.js';
import { renderPareto } from './chart-pareto.js';
import { DEFAULTS } from '../../src/model/defaults.js';
import { generatedSnapshot } from './generate.js';
import { deviceTable, gapText, num, objectiveText, secondsText, toCsv } from './format.js';
import { lineOf, locateField, syntaxErrorOffset } from './json-locate.js';
import { empty } from './plot-kit.js';
import type { AllocateAnswer, AllocateRequest, BlocksAnswer, BlocksRequest, Example, ParetoResult, Shown, Weights } from './types.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  key: $<HTMLInputElement>('api-key'),
  keyError: $('key-error'),
  example: $<HTMLSelectElement>('example'),
  upload: $<HTMLInputElement>('upload'),
  snapshot: $<HTMLTextAreaElement>('snapshot'),
  snapshotInfo: $('snapshot-info'),
  snapshotError: $('snapshot-error'),
  weightsCard: $('weights-card'),
  weightsError: $('weights-error'),
  run: $<HTMLButtonElement>('run'),
  runEndpoint: $('run-endpoint'),
  runPareto: $<HTMLButtonElement>('run-pareto'),
  steps: $<HTMLSelectElement>('pareto-steps'),
  stepsError: $('steps-error'),
  progress: $('progress'),
  error: $('error'),
  summaryTitle: $('summary-title'),
  summaryExtra: $('summary-extra'),
  downloadJson: $<HTMLAnchorElement>('download-json'),
  downloadCsv: $<HTMLAnchorElement>('download-csv'),
  paretoCard: $('pareto-card'),
  chartPareto: $('chart-pareto'),
  table: $('device-table'),
};
const charts = {
  map: $('chart-map'),
  servers: $('chart-servers'),
  splits: $('chart-splits'),
  devices: $('chart-devices'),
  baselines: $('chart-baselines'),
};
const WEIGHTS = ['delay', 'energy', 'stability'] as const;
/** The service's default options.timeLimitMs (src/model/defaults.ts). */
const DEFAULT_TIME_LIMIT_MS = DEFAULTS.timeLimitMs;
const slider = (w: (typeof WEIGHTS)[number]) => $<HTMLInputElement>(`w-${w}`);

type Kind = 'allocate' | 'blocks';

const state: {
  kind: Kind;
  /** the user moved a slider since the snapshot was loaded: the sliders then override objective.weights */
  weightsTouched: boolean;
  /** objective.weights of the snapshot as last read (JSON), to tell a new snapshot from an edit */
  snapshotWeights?: string;
  shown?: Shown;
  pareto?: { result: ParetoResult; snapshot: AllocateRequest; selected?: number };
  busy: boolean;
  retryTimer?: number;
  urls: string[];
} = { kind: 'allocate', weightsTouched: false, busy: false, urls: [] };

// ---------------------------------------------------------------------------------------------
// Snapshot input

function kindOf(body: unknown): Kind {
  const o = body as Record<string, unknown> | null;
  return o !== null && typeof o === 'object' && !('servers' in o) && 'bandwidthHz' in o ? 'blocks' : 'allocate';
}

function parseSnapshot(): { ok: true; body: Record<string, unknown> } | { ok: false } {
  try {
    const body = JSON.parse(ui.snapshot.value) as unknown;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) return { ok: true, body: body as Record<string, unknown> };
  } catch {
    /* sent as is: the service names the problem */
  }
  return { ok: false };
}

/** After the snapshot text changes: endpoint, sliders (from objective.weights), a one-line description. */
function syncFromSnapshot(): void {
  clearFieldErrors();
  const parsed = parseSnapshot();
  if (!parsed.ok) {
    ui.snapshotInfo.textContent = ui.snapshot.value.trim() === '' ? '' : 'Not valid JSON yet: Solve sends it as is and shows what the service says.';
    return;
  }
  state.kind = kindOf(parsed.body);
  const body = parsed.body as { devices?: unknown[]; servers?: unknown[]; model?: { layers?: number }; objective?: { weights?: Partial<Weights> } };
  const weights = body.objective?.weights ?? {};
  // Editing other fields keeps the sliders; new weights in the text (or a new snapshot) reset them.
  if (JSON.stringify(weights) !== state.snapshotWeights) {
    state.snapshotWeights = JSON.stringify(weights);
    state.weightsTouched = false;
    for (const w of WEIGHTS) setSlider(w, typeof weights[w] === 'number' ? weights[w] : 1);
  }
  const devices = Array.isArray(body.devices) ? body.devices.length : 0;
  const servers = Array.isArray(body.servers) ? body.servers.length : 0;
  ui.snapshotInfo.textContent =
    state.kind === 'blocks'
      ? `Block allocation (SPEC §2): ${devices} devices${body.model?.layers ? `, ${body.model.layers} layers` : ''}.`
      : `${devices} devices, ${servers} servers${body.model?.layers ? `, ${body.model.layers} layers` : ''}.`;
  ui.runEndpoint.textContent = state.kind === 'blocks' ? 'POST /allocate/blocks' : 'POST /allocate';
  ui.weightsCard.hidden = state.kind === 'blocks';
  ui.runPareto.disabled = state.busy || state.kind === 'blocks';
  ui.runPareto.title = state.kind === 'blocks' ? 'The Pareto sweep is for /allocate snapshots' : '';
}

function setSnapshot(body: unknown): void {
  ui.snapshot.value = JSON.stringify(body, null, 2);
  state.snapshotWeights = undefined;
  syncFromSnapshot();
}

let syncTimer: number | undefined;
/** Reads the text now if an edit is still waiting for its debounce (a click on Run right after typing). */
function flushSnapshot(): void {
  if (syncTimer === undefined) return;
  window.clearTimeout(syncTimer);
  syncTimer = undefined;
  syncFromSnapshot();
}

function setSlider(w: (typeof WEIGHTS)[number], value: number): void {
  slider(w).value = String(value);
  $(`w-${w}-out`).textContent = value.toFixed(2);
}

function sliderWeights(): Weights {
  return { delay: Number(slider('delay').value), energy: Number(slider('energy').value), stability: Number(slider('stability').value) };
}

/** The /allocate body to send: the snapshot, with the sliders' weights when the user moved them. */
function allocateBodyText(): string {
  const parsed = parseSnapshot();
  if (!parsed.ok) return ui.snapshot.value;
  if (state.kind !== 'allocate' || !state.weightsTouched) return JSON.stringify(parsed.body);
  const objective = (parsed.body.objective ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...parsed.body, objective: { ...objective, weights: sliderWeights() } });
}

// ---------------------------------------------------------------------------------------------
// Errors: the box at the top, and the same message next to the field it names

function clearFieldErrors(): void {
  for (const el of [ui.snapshotError, ui.weightsError, ui.stepsError, ui.keyError]) {
    el.hidden = true;
    el.replaceChildren();
  }
  ui.snapshot.removeAttribute('aria-invalid');
  for (const w of WEIGHTS) slider(w).removeAttribute('aria-invalid');
}

function clearError(): void {
  window.clearInterval(state.retryTimer);
  ui.error.hidden = true;
  ui.error.className = 'error';
  ui.error.replaceChildren();
  clearFieldErrors();
}

function fieldMessage(field: string, reason: string, where?: string): HTMLElement[] {
  const code = document.createElement('code');
  code.textContent = field;
  const out: HTMLElement[] = [code];
  const span = document.createElement('span');
  span.textContent = `: ${reason}${where ? ` (${where})` : ''}`;
  out.push(span);
  return out;
}

/** Shows a 400's field and reason beside the control it names: a slider, the grid steps, or the snapshot text. */
function showFieldError(field: string, reason: string): void {
  if (field.startsWith('objective.weights')) {
    const w = WEIGHTS.find((name) => field.endsWith(`.${name}`));
    if (w) slider(w).setAttribute('aria-invalid', 'true');
    ui.weightsError.replaceChildren(...fieldMessage(field, reason));
    ui.weightsError.hidden = false;
    return;
  }
  if (field.startsWith('pareto')) {
    ui.stepsError.replaceChildren(...fieldMessage(field, reason));
    ui.stepsError.hidden = false;
    return;
  }
  const text = ui.snapshot.value;
  let start: number | undefined;
  let end: number | undefined;
  const offset = field === 'body' ? syntaxErrorOffset(reason) : undefined;
  if (offset !== undefined) {
    start = offset;
    end = Math.min(text.length, offset + 1);
  } else if (field !== 'body') {
    const span = locateField(text, field);
    if (span) ({ start, end } = span);
  }
  ui.snapshot.setAttribute('aria-invalid', 'true');
  ui.snapshotError.replaceChildren(...fieldMessage(field, reason, start !== undefined ? `line ${lineOf(text, start)}` : undefined));
  ui.snapshotError.hidden = false;
  if (start !== undefined && end !== undefined) {
    ui.snapshot.focus({ preventScroll: true });
    ui.snapshot.setSelectionRange(start, end);
    // Scroll the textarea so the selection is in view (about 17 px a line at 12 px / 1.4).
    const lineHeight = parseFloat(getComputedStyle(ui.snapshot).lineHeight) || 17;
    ui.snapshot.scrollTop = Math.max(0, (lineOf(text, start) - 4) * lineHeight);
  }
}

function showFailure(f: FailureInfo, retry: () => void): void {
  clearError();
  markStale(true);
  const head = document.createElement('strong');
  const statusText = f.status === 0 ? 'Unreachable' : `${f.status}${f.code ? ` ${f.code}` : ''}`;
  head.textContent = statusText;
  const body = document.createElement('span');
  ui.error.hidden = false;
  if (f.field !== undefined && f.reason !== undefined) {
    body.append(...fieldMessage(f.field, f.reason));
    ui.error.append(head, body);
    showFieldError(f.field, f.reason);
    return;
  }
  if (f.status === 401 || f.status === 403) {
    body.textContent = `${f.message}. Set the API key at the top right.`;
    ui.keyError.textContent = f.status === 401 ? 'key required' : 'key refused';
    ui.keyError.hidden = false;
    ui.error.append(head, body);
    return;
  }
  if ((f.status === 429 || f.status === 503) && f.retryAfterS !== undefined) {
    ui.error.className = 'error retry';
    let left = Math.max(1, Math.ceil(f.retryAfterS));
    const what = f.status === 429 ? 'Too many requests' : 'The service is busy';
    // The countdown says when; the service's own "retry after N s" would only repeat it.
    const reasonOnly = f.message.replace(/;?\s*retry after \d+ ?s\b/i, '');
    const tick = () => {
      body.textContent = left > 0 ? `${what}: ${reasonOnly}. Retry in ${left} s.` : `${what}: you can retry now.`;
      setRetryWait(left > 0);
      if (left <= 0) {
        window.clearInterval(state.retryTimer);
        const again = document.createElement('button');
        again.type = 'button';
        again.textContent = 'Retry';
        again.addEventListener('click', retry);
        body.append(' ', again);
      }
      left--;
    };
    ui.error.append(head, body);
    tick();
    state.retryTimer = window.setInterval(tick, 1000);
    return;
  }
  body.textContent = f.status === 413 ? 'The snapshot is larger than the service accepts (BODY_LIMIT_BYTES).' : f.message;
  ui.error.append(head, body);
}

let retryWait = false;
function setRetryWait(on: boolean): void {
  retryWait = on;
  updateButtons();
}

function updateButtons(): void {
  ui.run.disabled = state.busy || retryWait;
  ui.runPareto.disabled = state.busy || retryWait || state.kind === 'blocks';
}

// ---------------------------------------------------------------------------------------------
// Runs

/**
 * Runs `work` with the buttons held and the progress bar shown. With `limitMs` (the solve's time
 * limit, which the service keeps) the bar fills against it; without, it is indeterminate.
 */
async function busy<T>(label: string, work: () => Promise<T>, limitMs?: number): Promise<T> {
  state.busy = true;
  updateButtons();
  ui.progress.hidden = false;
  const labelEl = ui.progress.querySelector('.label')!;
  const bar = ui.progress.querySelector<HTMLElement>('.bar')!;
  ui.progress.classList.toggle('determinate', limitMs !== undefined);
  const t0 = performance.now();
  const tick = () => {
    const s = (performance.now() - t0) / 1000;
    labelEl.textContent = `${label} ${s.toFixed(1)} s${limitMs !== undefined ? ` (time limit ${num(limitMs / 1000, 3)} s)` : ''}`;
    if (limitMs !== undefined) bar.style.width = `${Math.min(100, (100 * s * 1000) / limitMs)}%`;
  };
  tick();
  const timer = window.setInterval(tick, 100);
  try {
    return await work();
  } finally {
    window.clearInterval(timer);
    ui.progress.hidden = true;
    bar.style.width = '';
    state.busy = false;
    updateButtons();
  }
}

/** The answer on screen no longer matches the last request (it failed): dim it and say so. */
function markStale(stale: boolean): void {
  $('output').classList.toggle('stale', stale && (state.shown !== undefined || state.pareto !== undefined));
  $('stale-note')?.remove();
  if (stale && state.shown) {
    const note = document.createElement('span');
    note.id = 'stale-note';
    note.className = 'stale-note';
    note.textContent = '(from an earlier run)';
    ui.summaryTitle.append(note);
  }
}

/** The snapshot's time limit (the service's default when absent): what a solve takes at most. */
function timeLimitMs(): number | undefined {
  const parsed = parseSnapshot();
  if (!parsed.ok) return undefined;
  const limit = (parsed.body.options as { timeLimitMs?: unknown } | undefined)?.timeLimitMs;
  return typeof limit === 'number' && limit > 0 ? limit : DEFAULT_TIME_LIMIT_MS;
}

async function solve(): Promise<void> {
  flushSnapshot();
  clearError();
  const kind = state.kind;
  const text = kind === 'allocate' ? allocateBodyText() : ui.snapshot.value;
  try {
    await busy(kind === 'blocks' ? 'Allocating blocks…' : 'Solving…', async () => {
      if (kind === 'blocks') {
        const { body } = await runBlocks(text);
        show({ kind: 'blocks', request: JSON.parse(text) as BlocksRequest, answer: body, title: 'Block allocation' });
      } else {
        const { body } = await runAllocate(text);
        show({ kind: 'allocate', request: JSON.parse(text) as AllocateRequest, answer: body, title: 'Allocation' });
      }
    }, timeLimitMs());
    hideParetoIfStale();
  } catch (err) {
    if (err instanceof ApiFailure) showFailure(err.info, () => void solve());
    else showFailure({ status: 0, message: String(err) }, () => void solve());
  }
}

function hideParetoIfStale(): void {
  ui.paretoCard.hidden = true;
  state.pareto = undefined;
}

function snapshotWithoutWeights(): AllocateRequest | undefined {
  const parsed = parseSnapshot();
  if (!parsed.ok) return undefined;
  const { weights: _w, ...objective } = (parsed.body.objective ?? {}) as Record<string, unknown>;
  return { ...(parsed.body as unknown as AllocateRequest), objective };
}

async function sweep(): Promise<void> {
  flushSnapshot();
  clearError();
  const snapshot = snapshotWithoutWeights();
  const steps = Number(ui.steps.value);
  // Totals only: one allocation is fetched when a point is clicked (a cache hit on the service).
  const text = snapshot ? JSON.stringify({ ...snapshot, pareto: { grid: { steps }, includeAllocations: false } }) : ui.snapshot.value;
  const points = ((steps + 1) * (steps + 2)) / 2;
  try {
    await busy(`Sweeping ${points} weight vectors…`, async () => {
      const { body } = await runPareto(text);
      state.pareto = { result: body, snapshot: snapshot! };
      markStale(false);
      ui.paretoCard.hidden = false;
      drawPareto();
      clearAnswer(`Pareto sweep: ${body.points.length} points, ${body.front.length} on the front, in ${secondsText(body.solveTimeMs / 1000)}`);
      ui.summaryExtra.textContent = 'Click a point of the chart above to see its allocation.';
      if (body.points.every((p) => p.status === 'INFEASIBLE')) showInfeasible(body.points[0]?.infeasibilities ?? []);
    });
  } catch (err) {
    if (err instanceof ApiFailure) showFailure(err.info, () => void sweep());
    else showFailure({ status: 0, message: String(err) }, () => void sweep());
  }
}

function drawPareto(): void {
  const p = state.pareto;
  if (p) renderPareto(ui.chartPareto, p.result, p.selected, (i) => void pickPoint(i), $<HTMLInputElement>('hide-extremes').checked);
}

/** One point's allocation: POST /allocate with its weights, the same request the sweep solved (so a cache hit). */
async function pickPoint(index: number): Promise<void> {
  const p = state.pareto;
  if (!p || state.busy) return;
  const point = p.result.points[index];
  p.selected = index;
  drawPareto();
  clearError();
  const request: AllocateRequest = { ...p.snapshot, objective: { ...p.snapshot.objective, weights: { ...point.weights } } };
  const text = JSON.stringify(request);
  try {
    await busy(`Fetching point ${index}…`, async () => {
      const { body } = await runAllocate(text);
      const w = point.weights;
      show({ kind: 'allocate', request, answer: body, title: `Pareto point ${index}: weights (delay ${num(w.delay, 3)}, energy ${num(w.energy, 3)}, stability ${num(w.stability, 3)})` });
    });
  } catch (err) {
    if (err instanceof ApiFailure) showFailure(err.info, () => void pickPoint(index));
  }
}

// ---------------------------------------------------------------------------------------------
// The answer's views

function setKpi(id: string, text: string, raw?: number | string): void {
  const el = $(id);
  el.textContent = text;
  el.title = raw === undefined ? '' : String(raw);
  if (raw === undefined) delete el.dataset.value;
  else el.dataset.value = String(raw);
}

function clearAnswer(title: string): void {
  state.shown = undefined;
  ui.summaryTitle.textContent = title;
  ui.summaryExtra.textContent = '';
  for (const id of ['kpi-status', 'kpi-objective', 'kpi-bound', 'kpi-gap', 'kpi-time', 'kpi-cache', 'kpi-hash']) setKpi(id, '–');
  $('kpi-status').className = '';
  for (const el of Object.values(charts)) empty(el, 'Click a point of the Pareto front to see its allocation.');
  ui.table.replaceChildren();
  setDownloads(undefined);
}

function showInfeasible(list: { constraint: string; deviceIds?: string[]; blocks?: number[]; detail: string }[]): void {
  ui.error.hidden = false;
  ui.error.className = 'error';
  const head = document.createElement('strong');
  head.textContent = '422 INFEASIBLE';
  const ul = document.createElement('ul');
  for (const i of list) {
    const li = document.createElement('li');
    const who = i.deviceIds ? ` devices ${i.deviceIds.join(', ')}` : i.blocks ? ` blocks ${i.blocks.join(', ')}` : '';
    li.textContent = `${i.constraint}${who}: ${i.detail}`;
    ul.append(li);
  }
  ui.error.append(head, document.createTextNode('No allocation satisfies every constraint.'), ul);
}

function show(shown: Shown): void {
  state.shown = shown;
  markStale(false);
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
  if (a.status === 'INFEASIBLE') showInfeasible(a.infeasibilities ?? []);
  renderViews(shown);
  renderTable(shown);
  setDownloads(shown);
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
      ? { map: 'Map: devices, servers and associations', servers: 'Servers: load against capacity', splits: 'Split layers and training modes', devices: 'Per device: delay and energy (local / uplink / edge)', baselines: 'Against the baselines' }
      : { map: 'Blocks: which device trains which block', servers: 'Servers', splits: 'Split layers', devices: "Per device: latency against the round's", baselines: 'Against the baselines (round latency)' };
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
  } else {
    const a = shown.answer;
    guard(charts.map, () => renderBlockMap(charts.map, a));
    empty(charts.servers, 'Block allocation has one edge server: see the per-device view.');
    empty(charts.splits, 'Block allocation has no split layers: see the block map.');
    guard(charts.devices, () => renderBlockDevices(charts.devices, a));
    guard(charts.baselines, () => renderBlockBaselines(charts.baselines, a));
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
  for (const url of state.urls) URL.revokeObjectURL(url);
  state.urls = [];
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
    state.urls.push(url);
    a.href = url;
    a.download = `${shown!.kind}-${shown!.answer.requestHash.slice(0, 12)}.${ext}`;
    a.classList.remove('disabled');
    a.removeAttribute('aria-disabled');
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up

async function init(): Promise<void> {
  ui.key.value = apiKey();
  $('key-form').addEventListener('submit', (e) => e.preventDefault());
  ui.key.addEventListener('input', () => {
    setApiKey(ui.key.value.trim());
    ui.keyError.hidden = true;
  });
  for (const w of WEIGHTS) {
    slider(w).addEventListener('input', () => {
      state.weightsTouched = true;
      $(`w-${w}-out`).textContent = Number(slider(w).value).toFixed(2);
    });
  }
  ui.snapshot.addEventListener('input', () => {
    window.clearTimeout(syncTimer);
    syncTimer = window.setTimeout(() => {
      syncTimer = undefined;
      syncFromSnapshot();
    }, 250);
  });
  ui.upload.addEventListener('change', async () => {
    const file = ui.upload.files?.[0];
    if (!file) return;
    ui.snapshot.value = await file.text();
    ui.example.value = '';
    state.snapshotWeights = undefined;
    syncFromSnapshot();
  });
  $('generate').addEventListener('click', () => {
    const devices = Number($<HTMLInputElement>('gen-devices').value);
    const servers = Number($<HTMLInputElement>('gen-servers').value);
    const seed = Number($<HTMLInputElement>('gen-seed').value);
    clearFieldErrors();
    const bad = (
      [
        ['devices', devices, 1, 1000],
        ['servers', servers, 1, 100],
        ['seed', seed, 0, 2 ** 32 - 1],
      ] as const
    ).find(([, v, lo, hi]) => !Number.isInteger(v) || v < lo || v > hi);
    if (bad) {
      ui.snapshotError.replaceChildren(...fieldMessage(`generate.${bad[0]}`, `must be an integer from ${bad[2]} to ${bad[3]}`));
      ui.snapshotError.hidden = false;
      return;
    }
    ui.example.value = '';
    setSnapshot(generatedSnapshot(devices, servers, seed));
  });
  $('hide-extremes').addEventListener('change', drawPareto);
  ui.run.addEventListener('click', () => void solve());
  ui.runPareto.addEventListener('click', () => void sweep());

  let examples: Example[] = [];
  try {
    examples = await loadExamples<Example[]>();
  } catch (err) {
    ui.snapshotInfo.textContent = `Examples unavailable: ${(err as Error).message}`;
  }
  for (const ex of examples) ui.example.add(new Option(ex.label, ex.id));
  ui.example.addEventListener('change', () => {
    const ex = examples.find((e) => e.id === ui.example.value);
    if (ex) setSnapshot(ex.body);
  });
  if (examples.length > 0) {
    ui.example.value = examples[0].id;
    setSnapshot(examples[0].body);
  }
  document.body.dataset.ready = 'true';
}

void init();
