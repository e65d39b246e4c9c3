// Regenerates docs/console.png, the README's screenshot of the operator console: the paper-scale
// example solved, top of the page. Needs Debian's chromium (CHROMIUM_PATH or `which chromium`).
//   npx tsx scripts/screenshot-console.ts
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { packageRoot } from '../src/routes/console.js';
import { buildConsole } from './build-console.js';

const out = join(packageRoot(), 'docs', 'console.png');
await buildConsole();
const app = buildApp({ ...loadConfig({}), logLevel: 'silent' });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
const executablePath = process.env.CHROMIUM_PATH ?? execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`http://127.0.0.1:${port}/console`);
  await page.waitForSelector('body[data-ready=true]');
  await page.selectOption('[data-testid=example]', 'paper-scale');
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=chart-devices] [data-device-id]', { state: 'attached', timeout: 30_000 });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await app.close();
}
