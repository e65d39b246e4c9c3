// GET /console without a browser: the static routes, the redirect, a checkout that was not built,
// and that none of it appears in the OpenAPI document.
import Fastify from 'fastify';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { consoleRoutes, packageRoot } from '../src/routes/console.js';
import { consoleExamples } from '../scripts/build-console.js';

function appWith(dir: string) {
  const app = Fastify();
  void app.register(consoleRoutes, { dir });
  return app;
}

describe('console routes', () => {
  it('serves index.html at /console and /console/, assets under /console/, and redirects /', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'app.js'), 'export {};');
    const app = appWith(dir);
    try {
      for (const url of ['/console', '/console/']) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.body).toContain('<title>x</title>');
      }
      const js = await app.inject({ url: '/console/app.js' });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
      const root = await app.inject({ url: '/' });
      expect(root.statusCode).toBe(302);
      expect(root.headers.location).toBe('/console/');
      expect((await app.inject({ url: '/console/missing.js' })).statusCode).toBe(404);
      expect((await app.inject({ url: '/console/../package.json' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('a checkout that was not built answers /console with a 404 that says how to build it', async () => {
    const app = appWith(join(tmpdir(), 'no-such-console-dir'));
    try {
      for (const url of ['/console', '/console/app.js']) {
        const res = await app.inject({ url });
        expect(res.statusCode).toBe(404);
        expect(res.body).toContain('npm run build');
      }
    } finally {
      await app.close();
    }
  });

  it('is not part of the API: no console route in the OpenAPI document', async () => {
    const app = buildApp({ ...loadConfig({}), logLevel: 'silent' });
    try {
      await app.ready();
      const paths = Object.keys((app.swagger() as { paths: Record<string, unknown> }).paths);
      expect(paths.some((p) => p === '/' || p.startsWith('/console'))).toBe(false);
      expect(paths).toContain('/allocate');
    } finally {
      await app.close();
    }
  });

  it("names the repository's own model document, never the specification it was written from", () => {
    const labels = consoleExamples().map((e) => e.label);
    expect(labels.find((l) => /block/i.test(l))).toContain('docs/model.md §2');
    const dir = join(packageRoot(), 'console');
    const shipped = ['index.html', ...readdirSync(join(dir, 'src')).map((f) => join('src', f))];
    for (const text of [...labels, ...shipped.map((f) => readFileSync(join(dir, f), 'utf8'))]) expect(text).not.toMatch(/\bSPEC\b/);
  });
});
