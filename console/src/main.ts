// The console's wiring: snapshot input (examples, upload, generator, paste), weights, runs and
// the Pareto sweep. What is drawn lives in answer-view.ts and the chart modules; errors in
// errors-view.ts; the elements in dom.ts.
import { DEFAULTS } from '../../src/model/defaults.js';
import {
  ApiFailure,
  apiKey,
  loadExamples,
  runAllocate,
  runAsJob,
  runBlocks,
  runPareto,
  setApiKey,
  type Answered,
  type FailureInfo,
  type JobView,
} from './api.js';
import { clearAnswer, markStale, show } from './answer-view.js';
import { renderPareto } from './chart-pareto.js';
import { setupWhatIf } from './what-if-panel.js';
import { $, WEIGHTS, slider, ui, type WeightName } from './dom.js';
import { clearError, clearFieldErrors, fieldMessage, showFailure, showInfeasible } from './errors-view.js';
import { gapText, num, objectiveText, secondsText } from './format.js';
import { generatedSnapshot } from './generate.js';
import type { AllocateAnswer, AllocateRequest, BlocksAnswer, BlocksRequest, Example, ParetoResult, Weights } from './types.js';

/** The service's default options.timeLimitMs (src/model/defaults.ts). */
const DEFAULT_TIME_LIMIT_MS = DEFAULTS.timeLimitMs;
/**
 * Solve runs as an async job (progress from the service, Cancel) when the snapshot asks for more
 * than the default time limit; up to it, one POST answers: no polling delay on a 50 ms solve or a
 * cache hit, a full solver queue is a 503 at once, and a short solve never waits behind the jobs
 * (embedded mode runs at most SOLVER_THREADS − 1 of them at a time).
 */
const JOB_ABOVE_MS = DEFAULT_TIME_LIMIT_MS;

type Kind = 'allocate' | 'blocks';

const state: {
  kind: Kind;
  /** the user moved a slider since the snapshot was loaded: the sliders then override objective.weights */
  weightsTouched: boolean;
  /** objective.weights of the snapshot as last read (JSON), to tell a new snapshot from an edit */
  snapshotWeights?: string;
  pareto?: { result: ParetoResult; snapshot: AllocateRequest; selected?: number };
  busy: boolean;
} = { kind: 'allocate', weightsTouched: false, busy: false };

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
    ui.snapshotInfo.textContent =
      ui.snapshot.value.trim() === '' ? '' : 'Not valid JSON yet: Solve sends it as is and shows what the service says.';
    return;
  }
  state.kind = kindOf(parsed.body);
  const body = parsed.body as {
    devices?: unknown[];
    servers?: unknown[];
    model?: { layers?: number };
    objective?: { weights?: Partial<Weights> };
  };
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
      ? `Block allocation (docs/model.md §2): ${devices} devices${body.model?.layers ? `, ${body.model.layers} layers` : ''}.`
      : `${devices} devices, ${servers} servers${body.model?.layers ? `, ${body.model.layers} layers` : ''}.`;
  const limit = timeLimitMs();
  ui.runEndpoint.textContent =
    limit !== undefined && limit > JOB_ABOVE_MS
      ? `POST /jobs (${state.kind})`
      : state.kind === 'blocks'
        ? 'POST /allocate/blocks'
        : 'POST /allocate';
  ui.weightsCard.hidden = state.kind === 'blocks';
  updateButtons();
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

function setSlider(w: WeightName, value: number): void {
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

/**
 * With the insights box ticked, the solve asks for insights (the "where to add capacity" chart)
 * unless the snapshot says otherwise; unticked, or a body that is not JSON, it goes as it is.
 */
function withInsights(text: string): string {
  if (!ui.insights.checked) return text;
  try {
    const body = JSON.parse(text) as { options?: { insights?: unknown } };
    if (body.options?.insights !== undefined) return text;
    return JSON.stringify({ ...body, options: { ...body.options, insights: true } });
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Buttons: held while a request runs, and while a 429/503 asks to wait

/** A run failed: show why (beside the field it names), and dim what is still on screen. */
function failed(err: unknown, retry: () => void): void {
  const info: FailureInfo = err instanceof ApiFailure ? err.info : { status: 0, message: String(err) };
  showFailure(info, { retry, holdButtons: setRetryWait });
  markStale(true, state.pareto !== undefined);
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

/** What a job run tells the progress bar: the service's elapsed time and best numbers so far. */
interface ProgressSink {
  job(view: JobView): void;
}

/**
 * Runs `work` with the buttons held and the progress bar shown. With `limitMs` (the solve's time
 * limit, which the service keeps) the bar fills against it; without, it is indeterminate. A job
 * run reports through the sink: the bar then follows the service's clock and shows its best
 * objective, bound and gap.
 */
async function busy<T>(label: string, work: (sink: ProgressSink) => Promise<T>, limitMs?: number): Promise<T> {
  state.busy = true;
  updateButtons();
  ui.progress.hidden = false;
  const labelEl = ui.progress.querySelector('.label')!;
  const bar = ui.progress.querySelector<HTMLElement>('.bar')!;
  ui.progress.classList.toggle('determinate', limitMs !== undefined);
  for (const k of ['jobStatus', 'elapsedMs', 'objective', 'bound', 'gap']) delete ui.progress.dataset[k];
  const limitText = limitMs !== undefined ? ` of ${num(limitMs / 1000, 3)} s` : '';
  let t0 = performance.now();
  let job: JobView | undefined;
  const tick = () => {
    const ms = performance.now() - t0;
    if (job === undefined) {
      labelEl.textContent = `${label} ${(ms / 1000).toFixed(1)} s${limitMs !== undefined ? ` (time limit ${num(limitMs / 1000, 3)} s)` : ''}`;
    } else if (job.status === 'queued') {
      labelEl.textContent = `${label} queued, waiting for a solver…`;
      bar.style.width = '0%';
      return;
    } else {
      const p = job.progress;
      const best =
        p?.objective !== undefined
          ? ` · objective ${objectiveText(p.objective)}${p.bound !== undefined ? ` · bound ${objectiveText(p.bound)}` : ''}${p.gap !== undefined ? ` · gap ${gapText(p.gap)}` : ''}`
          : '';
      labelEl.textContent = `${label} ${(ms / 1000).toFixed(1)} s${limitText}${best}`;
    }
    if (limitMs !== undefined) bar.style.width = `${Math.min(100, (100 * ms) / limitMs)}%`;
  };
  const sink: ProgressSink = {
    job(view) {
      if (view.status === 'running' && (job === undefined || job.status === 'queued'))
        t0 = performance.now() - (view.progress?.elapsedMs ?? 0);
      // The service's elapsed time moves only with its progress updates; between them the page's clock runs on.
      if (view.progress !== undefined) t0 = Math.min(t0, performance.now() - view.progress.elapsedMs);
      job = view;
      const d = ui.progress.dataset;
      d.jobStatus = view.status;
      const p = view.progress;
      for (const [k, v] of [
        ['elapsedMs', p?.elapsedMs],
        ['objective', p?.objective],
        ['bound', p?.bound],
        ['gap', p?.gap],
      ] as const) {
        if (v === undefined) delete d[k];
        else d[k] = String(v);
      }
      tick();
    },
  };
  tick();
  const timer = window.setInterval(tick, 100);
  try {
    return await work(sink);
  } finally {
    window.clearInterval(timer);
    ui.progress.hidden = true;
    ui.cancel.hidden = true;
    bar.style.width = '';
    state.busy = false;
    updateButtons();
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
  const text = kind === 'allocate' ? withInsights(allocateBodyText()) : ui.snapshot.value;
  const limitMs = timeLimitMs();
  // The same rule as the button's label (syncFromSnapshot).
  const asJob = limitMs !== undefined && limitMs > JOB_ABOVE_MS;
  const showAnswer = (answer: Answered<AllocateAnswer | BlocksAnswer>, title: string) => {
    if (kind === 'blocks')
      show({
        kind: 'blocks',
        request: JSON.parse(text) as BlocksRequest,
        answer: answer.body as BlocksAnswer,
        title: `Block allocation${title}`,
      });
    else
      show({
        kind: 'allocate',
        request: JSON.parse(text) as AllocateRequest,
        answer: answer.body as AllocateAnswer,
        title: `Allocation${title}`,
      });
  };
  try {
    await busy(
      kind === 'blocks' ? 'Allocating blocks…' : 'Solving…',
      async (sink) => {
        if (!asJob) {
          showAnswer(kind === 'blocks' ? await runBlocks(text) : await runAllocate(text), '');
          return;
        }
        const run = runAsJob<AllocateAnswer | BlocksAnswer>(kind, text, (view) => sink.job(view));
        ui.cancel.disabled = false;
        ui.cancel.textContent = 'Cancel';
        ui.cancel.hidden = false;
        ui.cancel.onclick = () => {
          ui.cancel.disabled = true;
          ui.cancel.textContent = 'Cancelling…';
          run.cancel();
        };
        const out = await run.done;
        if (out.status === 'completed') showAnswer(out.answer, '');
        else if (out.answer !== undefined) showAnswer(out.answer, ' (cancelled: the best found before the stop)');
        else {
          showFailure(
            { status: 200, label: 'Cancelled', message: 'the job stopped before it had an allocation' },
            { retry: () => void solve(), holdButtons: setRetryWait },
          );
          markStale(true, state.pareto !== undefined);
        }
      },
      limitMs,
    );
    hideParetoIfStale();
  } catch (err) {
    failed(err, () => void solve());
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
      markStale(false, true);
      ui.paretoCard.hidden = false;
      drawPareto();
      clearAnswer(
        `Pareto sweep: ${body.points.length} points, ${body.front.length} on the front, in ${secondsText(body.solveTimeMs / 1000)}`,
      );
      ui.summaryExtra.textContent = 'Click a point of the chart above to see its allocation.';
      if (body.points.every((p) => p.status === 'INFEASIBLE')) showInfeasible(body.points[0]?.infeasibilities ?? []);
    });
  } catch (err) {
    failed(err, () => void sweep());
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
      show({
        kind: 'allocate',
        request,
        answer: body,
        title: `Pareto point ${index}: weights (delay ${num(w.delay, 3)}, energy ${num(w.energy, 3)}, stability ${num(w.stability, 3)})`,
      });
    });
  } catch (err) {
    failed(err, () => void pickPoint(index));
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
  setupWhatIf();
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
