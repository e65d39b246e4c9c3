// The operator console in a real browser: Debian's chromium driven by playwright-core against the
// real app (real worker pool, in-memory cache) on a free loopback port. The console is built first
// (scripts/build-console.ts, about a second). Screenshots go to test-artifacts/ (git-ignored).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSnapshot } from '../console/src/generate.js';
import { buildConsole } from '../scripts/build-console.js';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { packageRoot } from '../src/routes/console.js';
import { SKIP_BROWSER, chromiumPath, warnIfSkipped } from './fixtures/chromium.js';

const root = packageRoot();
const artifacts = join(root, 'test-artifacts');
const paperScale = JSON.parse(readFileSync(join(root, 'examples', 'paper-scale.json'), 'utf8'));
const small = JSON.parse(readFileSync(join(root, 'examples', 'small.json'), 'utf8'));

warnIfSkipped('console.browser.test.ts');

const config = { ...loadConfig({}), logLevel: 'silent' as const, solverThreads: 2, solverMaxQueue: 12 };
let app: App;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  mkdirSync(artifacts, { recursive: true });
  await buildConsole();
  app = buildApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function api(path: string, body?: unknown, headers: Record<string, string> = {}, at = base) {
  const res = await fetch(at + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

/** A generated snapshot (the page's own generator) with a time limit of its own. */
const withLimit = (devices: number, servers: number, seed: number, timeLimitMs: number, extra: { relativeGap?: number } = {}) => {
  const body = generatedSnapshot(devices, servers, seed);
  return { ...body, options: { ...body.options, timeLimitMs, ...extra } };
};

// Chromium logs every 4xx/5xx response as a console error; the 400, 422 and 503 these tests provoke are expected.
const unexpectedProblems = () =>
  problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|422|503)/.test(p));

const value = (testId: string) => page.getAttribute(`[data-testid=${testId}]`, 'data-value');
const text = (testId: string) => page.textContent(`[data-testid=${testId}]`);
const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

async function pickExample(labelPart: string): Promise<void> {
  const option = page.locator('[data-testid=example] option', { hasText: labelPart });
  await page.selectOption('[data-testid=example]', (await option.getAttribute('value'))!);
}

/** Puts a large snapshot in the text as a paste would (typing 100s of KB through fill() takes minutes). */
async function paste(body: unknown): Promise<void> {
  await page.$eval(
    '[data-testid=snapshot]',
    (t, v) => {
      (t as HTMLTextAreaElement).value = v;
      t.dispatchEvent(new Event('input', { bubbles: true }));
    },
    JSON.stringify(body),
  );
}

/** Clicks Run and waits for the answer to be on screen (status text set). */
async function runAndWait(): Promise<void> {
  await page.evaluate(() => (document.querySelector('[data-testid=status]')!.textContent = ''));
  await page.click('[data-testid=run]');
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid=status]')!.textContent !== '' ||
      !document.querySelector('[data-testid=error]')!.hasAttribute('hidden'),
    null,
    { timeout: 30_000 },
  );
}

describe.skipIf(SKIP_BROWSER)('operator console in chromium', () => {
  it('GET / redirects to /console; the page loads its assets with no console errors', async () => {
    const redirect = await fetch(base + '/', { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/console/');
    const response = await page.goto(base + '/console');
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-ready=true]');
    for (const id of [
      'snapshot',
      'example',
      'run',
      'run-pareto',
      'status',
      'objective',
      'gap',
      'error',
      'chart-map',
      'chart-servers',
      'chart-splits',
      'chart-devices',
      'chart-baselines',
      'chart-pareto',
      'download-json',
      'download-csv',
    ]) {
      expect(await page.locator(`[data-testid=${id}]`).count(), id).toBe(1);
    }
    expect(await page.locator('[data-testid=example] option', { hasText: 'paper' }).count()).toBe(1);
    expect(await page.evaluate(() => document.querySelector('[data-testid=example]')!.tagName)).toBe('SELECT');
    expect(problems).toEqual([]);
  });

  it('the paper-scale example shows the objective and gap the API answers for the same body, and every chart', async () => {
    await pickExample('paper');
    const answered = page.waitForResponse((r) => r.url().endsWith('/allocate'), { timeout: 30_000 });
    await runAndWait();
    const response = await answered;
    expect(await text('error')).toBe('');
    // The page sent the example as it is, and shows exactly what the API answered.
    expect(response.request().postDataJSON()).toEqual(paperScale);
    const answer = await response.json();
    expect(response.status()).toBe(200);
    expect(Number(await value('objective'))).toBe(answer.objective);
    expect(Number(await value('gap'))).toBe(answer.gap);
    expect(await value('status')).toBe(answer.status);
    expect(await page.getAttribute('#kpi-hash', 'data-value')).toBe(answer.requestHash);
    // What an operator reads: six significant digits of the objective, the gap in percent.
    expect(await text('objective')).toBe(String(Number(answer.objective.toPrecision(6))));
    expect(await text('gap')).toBe(`${Number((answer.gap * 100).toPrecision(3))}%`);
    // Asked again outside the browser: the same request hash, and (unless the solve was cut by the
    // time limit, which is not cached because it depends on load) the same answer from the cache.
    const again = await api('/allocate', paperScale);
    expect(again.status).toBe(200);
    expect(again.body.requestHash).toBe(answer.requestHash);
    if (answer.limit === undefined) expect(again.body).toMatchObject({ cache: 'hit', objective: answer.objective, gap: answer.gap });
    for (const id of ['chart-map', 'chart-servers', 'chart-splits', 'chart-devices', 'chart-baselines']) {
      expect(await page.locator(`[data-testid=${id}] svg`).count(), id).toBeGreaterThan(0);
    }
    // One mark per device in the per-device chart, in request order.
    const ids = await page.$$eval('[data-testid=chart-devices] [data-device-id]', (els) =>
      els.map((e) => e.getAttribute('data-device-id')),
    );
    expect(ids).toEqual(paperScale.devices.map((d: { id: string }) => d.id));
    // The map draws one association line per device and one square per server.
    expect(await page.locator('[data-testid=chart-map] svg [aria-label=link] path').count()).toBe(50);
    // The baselines chart labels every baseline the answer carries.
    const baselineText = await page.textContent('[data-testid=chart-baselines]');
    for (const b of answer.baselines) expect(baselineText).toContain(b.name);
    expect(problems).toEqual([]);
    await shot('console-paper-scale');
  });

  it('with the insights box ticked, asks for insights and draws where to add capacity, best server on top', async () => {
    await page.check('[data-testid=insights]');
    try {
      await pickExample('paper');
      const answered = page.waitForResponse((r) => r.url().endsWith('/allocate'), { timeout: 30_000 });
      await runAndWait();
      const response = await answered;
      expect(response.request().postDataJSON()).toEqual({ ...paperScale, options: { ...paperScale.options, insights: true } });
      const answer = await response.json();
      expect(answer.insights.servers).toHaveLength(paperScale.servers.length);
      // A bar per server and resource (slots only where maxDevices binds), tagged with both.
      const tags = await page.$$eval('[data-testid=chart-capacity] [data-capacity]', (els) =>
        els.map((e) => e.getAttribute('data-capacity')!),
      );
      const slots = answer.insights.servers.filter((s: { marginal: { slot: number | null } }) => s.marginal.slot !== null).length;
      expect(tags).toHaveLength(2 * paperScale.servers.length + slots);
      for (const s of paperScale.servers) expect(tags).toContain(`${s.id}:bandwidth`);
      // The note names the answer's first suggestion; the top band is that server.
      const top = answer.insights.addCapacity[0];
      if (top) {
        expect(await page.textContent('[data-testid=chart-capacity]')).toContain(`Most gain: ${top.resource} at ${top.serverId}`);
        const firstBand = await page.$eval('[data-testid=chart-capacity] svg [aria-label="fy-axis tick label"] text', (t) => t.textContent);
        expect(firstBand).toBe(top.serverId);
      }
      expect(unexpectedProblems()).toEqual([]);
      await shot('console-capacity');
    } finally {
      await page.uncheck('[data-testid=insights]');
    }
  });

  it('the what-if panel scales or removes a server of the answer on screen and shows the change against it', async () => {
    expect(await page.isVisible('[data-testid=whatif-card]')).toBe(true);
    const servers = await page.$$eval('[data-testid=whatif-server] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(servers).toEqual(paperScale.servers.map((s: { id: string }) => s.id));
    await page.selectOption('[data-testid=whatif-server]', servers[1]);
    await page.selectOption('[data-testid=whatif-op]', 'removeServer');
    const answered = page.waitForResponse((r) => r.url().endsWith('/allocate/what-if'), { timeout: 30_000 });
    await page.click('[data-testid=whatif-run]');
    const response = await answered;
    expect(response.status()).toBe(200);
    const sent = response.request().postDataJSON();
    expect(sent.scenarios).toEqual([{ name: `${servers[1]} down`, changes: [{ op: 'removeServer', serverId: servers[1] }] }]);
    const answer = await response.json();
    await page.waitForSelector('[data-testid=whatif-table]');
    const rows = await page.$$eval('[data-testid=whatif-table] tr[data-status]', (trs) =>
      trs.map((tr) => ({
        status: tr.getAttribute('data-status'),
        delta: tr.getAttribute('data-delta-objective'),
        cells: Array.from(tr.children).map((c) => c.textContent),
      })),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe(answer.scenarios[0].status);
    expect(Number(rows[0].delta)).toBe(answer.scenarios[0].delta.objective);
    expect(rows[0].cells[5]).toBe(String(answer.scenarios[0].migrations.length));
    // Every device of the removed server moved.
    const moved = answer.base.allocations.filter((a: { serverId: string }) => a.serverId === servers[1]).length;
    expect(answer.scenarios[0].migrations.length).toBeGreaterThanOrEqual(moved);
    expect(unexpectedProblems()).toEqual([]);
    await page.locator('[data-testid=whatif-card]').screenshot({ path: join(artifacts, 'console-what-if.png') });
  });

  it('exports the answer as JSON and the per-device table as CSV', async () => {
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-json]')]);
    const answer = JSON.parse(readFileSync((await jsonDownload.path())!, 'utf8'));
    expect(answer.requestHash).toBe(await page.getAttribute('#kpi-hash', 'data-value'));
    expect(answer.allocations).toHaveLength(50);
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-csv]')]);
    const lines = readFileSync((await csvDownload.path())!, 'utf8')
      .trim()
      .split(/\r\n/);
    expect(lines).toHaveLength(51);
    const header = lines[0].split(',');
    const first = lines[1].split(',');
    expect(first[header.indexOf('deviceId')]).toBe(answer.allocations[0].deviceId);
    expect(Number(first[header.indexOf('delayTotalS')])).toBe(answer.allocations[0].delayS.total);
    expect(Number(first[header.indexOf('bandwidthHz')])).toBe(answer.allocations[0].bandwidthHz);
  });

  it("an invalid paste shows the 400's field and reason, in the error box and beside the snapshot", async () => {
    const bad = structuredClone(small);
    bad.devices[2].kappa = 'fast';
    await page.fill('[data-testid=snapshot]', JSON.stringify(bad, null, 2));
    const expected = await api('/allocate', bad);
    expect(expected.status).toBe(400);
    expect(expected.body).toMatchObject({ field: 'devices[2].kappa', reason: 'must be number' });
    await page.click('[data-testid=run]');
    await page.waitForSelector('[data-testid=error]:not([hidden])');
    const box = await text('error');
    expect(box).toContain('400');
    expect(box).toContain('devices[2].kappa');
    expect(box).toContain('must be number');
    const beside = await page.textContent('#snapshot-error');
    expect(beside).toContain('devices[2].kappa');
    expect(beside).toMatch(/line \d+/);
    // The offending property is selected in the text.
    const selected = await page.$eval('[data-testid=snapshot]', (t) =>
      (t as HTMLTextAreaElement).value.slice((t as HTMLTextAreaElement).selectionStart, (t as HTMLTextAreaElement).selectionEnd),
    );
    expect(selected).toBe('"kappa": "fast"');
    await shot('console-invalid-paste');

    // Not JSON at all: the service's INVALID_JSON reason, shown as it is.
    await page.fill('[data-testid=snapshot]', '{"model": {"layers": 8,}');
    await page.click('[data-testid=run]');
    await page.waitForFunction(() => document.querySelector('[data-testid=error]')!.textContent!.includes('invalid JSON'));
    expect(await text('error')).toContain('body');
    expect(unexpectedProblems()).toEqual([]);
  });

  it('an infeasible snapshot (422) shows INFEASIBLE and the infeasibilities the service names', async () => {
    const tight = structuredClone(small);
    tight.devices = tight.devices.map((d: object) => ({ ...d, memoryBytes: 1 }));
    await page.fill('[data-testid=snapshot]', JSON.stringify(tight, null, 2));
    await runAndWait();
    const expected = await api('/allocate', tight);
    expect(expected.status).toBe(422);
    expect(await value('status')).toBe('INFEASIBLE');
    const box = await text('error');
    expect(box).toContain('422 INFEASIBLE');
    for (const i of expected.body.infeasibilities) {
      expect(box).toContain(i.constraint);
      for (const id of i.deviceIds) expect(box).toContain(id);
    }
  });

  it("a Pareto sweep plots its points (totals only) and a click shows that point's allocation", async () => {
    await pickExample('small');
    await page.selectOption('#pareto-steps', '2');
    await page.click('[data-testid=run-pareto]');
    await page.waitForSelector('[data-testid=chart-pareto] [data-point-index]', { timeout: 30_000 });
    // The same sweep through the API: all cache hits now, the same points.
    const { weights: _w, ...objective } = small.objective;
    const sweep = await api('/allocate/pareto', { ...small, objective, pareto: { grid: { steps: 2 }, includeAllocations: false } });
    expect(sweep.status).toBe(200);
    const points = sweep.body.points as { requestHash: string; objective: number; totals?: unknown; weights: unknown }[];
    const plotted = await page.$$eval('[data-testid=chart-pareto] [data-point-index]', (els) =>
      els.map((e) => Number(e.getAttribute('data-point-index'))).sort((a, b) => a - b),
    );
    expect(plotted).toEqual(points.flatMap((p, i) => (p.totals ? [i] : [])));
    expect(plotted).toHaveLength(6);
    await shot('console-pareto-sweep');

    await page.click('[data-testid=chart-pareto] [data-point-index="4"]');
    await page.waitForFunction(() => document.querySelector('#summary-title')!.textContent!.startsWith('Pareto point 4'), null, {
      timeout: 30_000,
    });
    expect(await page.getAttribute('#kpi-hash', 'data-value')).toBe(points[4].requestHash);
    // The sweep cached the point (unless the time limit cut it, which depends on load): a cache hit.
    if ((points[4] as { limit?: string }).limit === undefined) {
      expect(Number(await value('objective'))).toBe(points[4].objective);
      expect(await page.getAttribute('#kpi-cache', 'data-value')).toBe('hit');
    }
    expect(await page.locator('[data-testid=chart-devices] [data-device-id]').count()).toBe(small.devices.length);
    expect(unexpectedProblems()).toEqual([]);
    await shot('console-pareto-point');

    // Hiding the points with a zero delay or energy weight (their totals run to extremes) and back.
    const interior = points.flatMap((p, i) =>
      (p.weights as { delay: number; energy: number }).delay > 0 && (p.weights as { energy: number }).energy > 0 ? [i] : [],
    );
    await page.check('#hide-extremes');
    const kept = await page.$$eval('[data-testid=chart-pareto] [data-point-index]', (els) =>
      els.map((e) => Number(e.getAttribute('data-point-index'))).sort((a, b) => a - b),
    );
    expect(kept).toEqual(interior);
    await page.uncheck('#hide-extremes');
    expect(await page.locator('[data-testid=chart-pareto] [data-point-index]').count()).toBe(6);
  });

  it('the block allocation example shows the block map and each device against the round latency', async () => {
    await pickExample('block');
    await runAndWait();
    expect(await text('error')).toBe('');
    const ids = await page.$$eval('[data-testid=chart-devices] [data-device-id]', (els) =>
      els.map((e) => e.getAttribute('data-device-id')),
    );
    expect(ids).toEqual(['jetson-orin', 'laptop', 'phone-1', 'phone-2']);
    expect(await page.locator('[data-testid=chart-map] svg rect').count()).toBeGreaterThanOrEqual(12);
    expect(await value('status')).toMatch(/OPTIMAL|FEASIBLE/);
    await shot('console-blocks');
  });

  it('sends the API key as Authorization: Bearer once set, and keeps it in sessionStorage only', async () => {
    await page.fill('[data-testid=api-key]', 'k-123');
    await pickExample('small');
    const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/allocate')), page.click('[data-testid=run]')]);
    expect(request.headers().authorization).toBe('Bearer k-123');
    expect(await page.evaluate(() => [sessionStorage.getItem('edge-allocator.apiKey'), localStorage.length])).toEqual(['k-123', 0]);
    await page.fill('[data-testid=api-key]', '');
  });
});

describe.skipIf(SKIP_BROWSER)('operator console: other ways in', () => {
  it("generates a snapshot with the service's seeded generator and solves it", async () => {
    await page.click('#generate-box summary');
    await page.fill('#gen-devices', '8');
    await page.fill('#gen-servers', '3');
    await page.fill('#gen-seed', '5');
    await page.click('#generate');
    const generated = JSON.parse(await page.inputValue('[data-testid=snapshot]'));
    expect(generated).toEqual(generatedSnapshot(8, 3, 5));
    await page.waitForSelector('[data-testid=run]:not([disabled])', { timeout: 30_000 });
    const answered = page.waitForResponse((r) => r.url().endsWith('/allocate'), { timeout: 30_000 });
    await runAndWait();
    const response = await answered;
    expect(response.request().postDataJSON()).toEqual(generated);
    expect(await page.locator('[data-testid=chart-devices] [data-device-id]').count()).toBe(8);
    expect(Number(await value('objective'))).toBe((await response.json()).objective);
  });

  it('uploads a snapshot file', async () => {
    await page.setInputFiles('#upload', { name: 'small.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(small)) });
    await page.waitForFunction(() => (document.querySelector('[data-testid=snapshot]') as HTMLTextAreaElement).value.includes('"ue-6"'));
    expect(JSON.parse(await page.inputValue('[data-testid=snapshot]'))).toEqual(small);
    await runAndWait();
    expect(await page.locator('[data-testid=chart-devices] [data-device-id]').count()).toBe(6);
  });
});

describe.skipIf(SKIP_BROWSER)('operator console: long time limits run as async jobs', () => {
  it("a job run fills the bar from the service's progress and ends with the job's answer, the API's", async () => {
    const snapshot = withLimit(400, 30, 3, 6000); // more than the default 2 s: a job
    await paste(snapshot);
    await page.waitForFunction(() => document.querySelector('#run-endpoint')!.textContent === 'POST /jobs (allocate)');
    const submitted = page.waitForResponse((r) => r.url().endsWith('/jobs') && r.request().method() === 'POST', { timeout: 30_000 });
    await page.evaluate(() => (document.querySelector('[data-testid=status]')!.textContent = ''));
    await page.click('[data-testid=run]');
    const post = await submitted;
    expect(post.status()).toBe(202);
    expect(post.request().postDataJSON()).toEqual({ kind: 'allocate', input: snapshot });
    const jobId = (await post.json()).id as string;
    // While it runs: the service's best objective so far on the bar, and Cancel offered.
    await page.waitForFunction(
      () => {
        const d = (document.querySelector('[data-testid=progress]') as HTMLElement).dataset;
        return d.jobStatus === 'running' && d.objective !== undefined;
      },
      null,
      { timeout: 30_000 },
    );
    expect(await page.isVisible('[data-testid=cancel]')).toBe(true);
    expect(await page.isDisabled('[data-testid=run]')).toBe(true);
    const label = await page.textContent('[data-testid=progress] .label');
    expect(label).toMatch(/Solving… \d+\.\d s of 6 s · objective \d/);
    const shownObjective = Number(await page.getAttribute('[data-testid=progress]', 'data-objective'));
    expect(shownObjective).toBeGreaterThan(0);
    await shot('console-job-running');
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')!.textContent !== '', null, { timeout: 30_000 });
    // The run is over: Cancel gone, the buttons back.
    await page.waitForSelector('[data-testid=cancel]', { state: 'hidden', timeout: 5000 });
    await page.waitForSelector('[data-testid=run]:not([disabled])', { timeout: 5000 });
    expect(await text('error')).toBe('');
    // The page shows exactly the job's result, which is exactly what POST /allocate answers.
    const job = await api(`/jobs/${jobId}`);
    expect(job.body.status).toBe('completed');
    expect(Number(await value('objective'))).toBe(job.body.result.objective);
    expect(Number(await value('gap'))).toBe(job.body.result.gap);
    expect(await page.getAttribute('#kpi-hash', 'data-value')).toBe(job.body.result.requestHash);
    // The answer is at least as good as what the bar showed (up to re-evaluation rounding).
    expect(job.body.result.objective).toBeLessThanOrEqual(shownObjective * (1 + 1e-12));
    const sync = await api('/allocate', snapshot);
    expect(sync.body.requestHash).toBe(job.body.result.requestHash);
    // Not cut by the time limit (which depends on load): cached, so the same answer again.
    if (job.body.result.limit === undefined)
      expect(sync.body).toMatchObject({ cache: 'hit', objective: job.body.result.objective, gap: job.body.result.gap });
    expect(await page.locator('[data-testid=chart-devices] [data-device-id]').count()).toBe(400);
  });

  it("a job's 400 and 422 are shown as the sync ones are: the field beside the snapshot, the infeasibilities", async () => {
    const bad = structuredClone(small);
    bad.options = { ...bad.options, timeLimitMs: 5000 };
    bad.devices[2].kappa = 'fast';
    await page.fill('[data-testid=snapshot]', JSON.stringify(bad, null, 2));
    const refused = page.waitForResponse((r) => r.url().endsWith('/jobs') && r.request().method() === 'POST', { timeout: 30_000 });
    await page.click('[data-testid=run]');
    const post = await refused;
    expect(post.status()).toBe(400);
    expect(await post.json()).toMatchObject({ field: 'input.devices[2].kappa', reason: 'must be number' });
    await page.waitForSelector('[data-testid=error]:not([hidden])');
    // Named as in the snapshot, and located in its text.
    expect(await text('error')).toContain('devices[2].kappa: must be number');
    expect(await text('error')).not.toContain('input.');
    expect(await page.textContent('#snapshot-error')).toMatch(/devices\[2\]\.kappa.*line \d+/);

    const tight = structuredClone(small);
    tight.options = { ...tight.options, timeLimitMs: 5000 };
    tight.devices = tight.devices.map((d: object) => ({ ...d, memoryBytes: 1 }));
    await page.fill('[data-testid=snapshot]', JSON.stringify(tight, null, 2));
    await runAndWait();
    expect(await value('status')).toBe('INFEASIBLE');
    const expected = await api('/allocate', tight);
    expect(expected.status).toBe(422);
    for (const i of expected.body.infeasibilities) expect(await text('error')).toContain(i.constraint);
    expect(unexpectedProblems()).toEqual([]);
  });

  it('Cancel stops the job and shows the best allocation DELETE returns (a 90 s limit, past what a sync body takes)', async () => {
    // (relativeGap 0: runs until cancelled; at the default tolerance 1,000 × 50 is proven in under a second.)
    const snapshot = withLimit(1000, 50, 4, 90_000, { relativeGap: 0 });
    await paste(snapshot);
    const submitted = page.waitForResponse((r) => r.url().endsWith('/jobs') && r.request().method() === 'POST', { timeout: 30_000 });
    await page.evaluate(() => (document.querySelector('[data-testid=status]')!.textContent = ''));
    await page.click('[data-testid=run]');
    const post = await submitted;
    expect(post.status()).toBe(202);
    // Above the 60 s a sync body may ask for: the limit moves to the job's own timeLimitMs.
    const { timeLimitMs: _t, ...options } = snapshot.options;
    expect(post.request().postDataJSON()).toEqual({ kind: 'allocate', input: { ...snapshot, options }, timeLimitMs: 90_000 });
    const jobId = (await post.json()).id as string;
    await page.waitForFunction(
      () => (document.querySelector('[data-testid=progress]') as HTMLElement).dataset.objective !== undefined,
      null,
      { timeout: 30_000 },
    );
    const t0 = Date.now();
    const deleted = page.waitForResponse((r) => r.url().endsWith(`/jobs/${jobId}`) && r.request().method() === 'DELETE', {
      timeout: 30_000,
    });
    await page.click('[data-testid=cancel]');
    const del = await deleted;
    expect(del.status()).toBe(200);
    const cancelled = await del.json();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.result.limit).toBe('TIME');
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')!.textContent !== '', null, { timeout: 30_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(Number(await value('objective'))).toBe(cancelled.result.objective);
    expect(await value('status')).toBe(cancelled.result.status);
    expect(await page.textContent('#summary-title')).toContain('cancelled');
    expect(await page.locator('[data-testid=chart-devices] [data-device-id]').count()).toBe(1000);
    expect((await api(`/jobs/${jobId}`)).body.status).toBe('cancelled');
    await page.waitForSelector('[data-testid=cancel]', { state: 'hidden', timeout: 5000 });
    await page.waitForSelector('[data-testid=run]:not([disabled])', { timeout: 5000 });
    await shot('console-job-cancelled');
  });
});

describe.skipIf(SKIP_BROWSER)('operator console: overload', () => {
  it('a full solver queue: 503 shown with the time to retry, the buttons held until then', async () => {
    // One thread and one queue place: long solves sent from here fill it; the page's run is refused.
    const tiny = buildApp({ ...config, solverThreads: 1, solverMaxQueue: 1 });
    await tiny.listen({ host: '127.0.0.1', port: 0 });
    const tinyBase = `http://127.0.0.1:${(tiny.server.address() as { port: number }).port}`;
    const stop = new AbortController();
    const long: Promise<unknown>[] = [];
    try {
      // The thread up first, so the first long solve goes straight to it.
      expect((await api('/allocate', withLimit(6, 2, 99, 2000), {}, tinyBase)).status).toBe(200); // not the page's example (a cache hit)
      // Distinct long solves until one is refused while one is held (admission refuses a solve that
      // cannot start within its limit, before the queue itself is full).
      let held = 0;
      for (let seed = 21, refused = false; !(refused && held >= 1); seed++) {
        expect(seed).toBeLessThan(41);
        // (relativeGap 0: each holds its thread or place for its limit; at the default tolerance it is proven in under a second.)
        const body = JSON.stringify(withLimit(1000, 50, seed, 20_000, { relativeGap: 0 }));
        held++;
        const status = fetch(tinyBase + '/allocate', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: stop.signal,
        }).then(
          (r) => r.status,
          () => 0,
        );
        void status.then(() => held--);
        long.push(status);
        refused = (await Promise.race([status, new Promise((resolve) => setTimeout(resolve, 500, 0))])) === 503;
      }
      await page.goto(tinyBase + '/console');
      await page.waitForSelector('body[data-ready=true]');
      await pickExample('small');
      const answered = page.waitForResponse((r) => r.url().endsWith('/allocate'), { timeout: 30_000 });
      await page.click('[data-testid=run]');
      expect((await answered).status()).toBe(503);
      await page.waitForSelector('[data-testid=error].retry:not([hidden])', { timeout: 30_000 });
      expect(await text('error')).toMatch(/503.*Retry in \d+ s/);
      expect(await page.isDisabled('[data-testid=run]')).toBe(true);
      expect(await page.isDisabled('[data-testid=run-pareto]')).toBe(true);
      await shot('console-overloaded');
      // Nothing in the whole session logged an error beyond the responses the tests provoked.
      expect(unexpectedProblems()).toEqual([]);
    } finally {
      stop.abort(); // the service stops a solve whose client left
      await Promise.all(long);
      await tiny.close();
    }
  });
});
