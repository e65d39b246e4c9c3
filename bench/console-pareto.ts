// A large Pareto sweep through the console: the paper-scale example (50 devices) over the k = 10
// grid (66 points). Prints the response size with and without allocations, and in chromium the
// time from "Sweep" to 66 plotted points and from a click to that point's allocation on screen.
// Loopback only; bounded (one sweep of 66 solves, then cache hits).
//   npx tsx bench/console-pareto.ts        (needs Debian's chromium, or CHROMIUM_PATH)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildConsole } from '../scripts/build-console.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { packageRoot } from '../src/routes/console.js';

const root = packageRoot();
const paper = JSON.parse(readFileSync(join(root, 'examples', 'paper-scale.json'), 'utf8'));
const { weights: _w, ...objective } = paper.objective;
const sweepBody = (includeAllocations: boolean) =>
  JSON.stringify({ ...paper, objective, pareto: { grid: { steps: 10 }, includeAllocations } });

await buildConsole();
const app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverMaxQueue: 128 });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

async function post(body: string) {
  const t0 = performance.now();
  const res = await fetch(`${base}/allocate/pareto`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  const ms = performance.now() - t0;
  const t1 = performance.now();
  const parsed = JSON.parse(text) as { points: { cache: string }[] };
  const hits = parsed.points.filter((p) => p.cache === 'hit').length;
  return { status: res.status, bytes: Buffer.byteLength(text), ms, parseMs: performance.now() - t1, points: parsed.points.length, hits };
}

const executablePath = process.env.CHROMIUM_PATH ?? execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const cold = await post(sweepBody(false));
  console.log(`cold sweep (66 solves, 2 threads), totals only: HTTP ${cold.status}, ${(cold.ms / 1000).toFixed(1)} s`);
  const full = await post(sweepBody(true));
  const lean = await post(sweepBody(false));
  // Points the time limit cut are not cached (they depend on load) and are solved again.
  console.log(
    `again, with allocations:             ${(full.bytes / 1024).toFixed(0)} KiB, ${full.ms.toFixed(0)} ms (${full.hits}/66 cache hits), JSON.parse ${full.parseMs.toFixed(1)} ms`,
  );
  console.log(
    `again, includeAllocations false:     ${(lean.bytes / 1024).toFixed(0)} KiB, ${lean.ms.toFixed(0)} ms (${lean.hits}/66 cache hits), JSON.parse ${lean.parseMs.toFixed(1)} ms`,
  );
  console.log(`size ratio with/without allocations: ${(full.bytes / lean.bytes).toFixed(0)}×`);

  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${base}/console`);
  await page.waitForSelector('body[data-ready=true]');
  await page.selectOption('[data-testid=example]', 'paper-scale');
  await page.selectOption('#pareto-steps', '10');
  let t0 = performance.now();
  await page.click('[data-testid=run-pareto]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=chart-pareto] [data-point-index]').length === 66, null, {
    timeout: 120_000,
  });
  console.log(`chromium: Sweep click → 66 points plotted (third time): ${(performance.now() - t0).toFixed(0)} ms`);
  t0 = performance.now();
  // Points overlap in a dense sweep: reach this one with the keyboard (focus, Enter).
  await page.focus('[data-testid=chart-pareto] [data-point-index="30"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#summary-title')!.textContent!.startsWith('Pareto point 30'), null, {
    timeout: 60_000,
  });
  await page.waitForSelector('[data-testid=chart-devices] [data-device-id]', { state: 'attached' });
  console.log(`chromium: click → point 30's allocation and charts on screen: ${(performance.now() - t0).toFixed(0)} ms`);
} finally {
  await browser.close();
  await app.close();
}
