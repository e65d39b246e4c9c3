// The operator console: static files under /console (index.html, the esbuild bundle with Observable
// Plot, style sheet, bundled examples), built by `npm run build` into dist/console
// (scripts/build-console.ts). `/` redirects here. Every route is hidden from the OpenAPI document
// and needs no API key: the page asks for the key and sends it with each API call itself.
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONSOLE_PREFIX = '/console';

/** The package root: the nearest directory above this module holding package.json (works from src/ and dist/src/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Where the build puts the console: dist/console under the package root. */
function defaultConsoleDir(): string {
  return join(packageRoot(), 'dist', 'console');
}

interface ConsoleRoutesOptions {
  /** Directory holding index.html and the bundle; defaults to dist/console. */
  dir?: string;
}

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  const dir = opts.dir ?? defaultConsoleDir();
  const built = existsSync(join(dir, 'index.html'));

  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect(`${CONSOLE_PREFIX}/`, 302));

  if (!built) {
    // A source checkout that has not run the build yet: say how to get the page, not a bare 404.
    const notBuilt = (_request: unknown, reply: FastifyReply) =>
      reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send(`The console is not built here (${dir} has no index.html): run \`npm run build\`.\n`);
    app.get(CONSOLE_PREFIX, { schema: { hide: true } }, notBuilt);
    app.get(`${CONSOLE_PREFIX}/*`, { schema: { hide: true } }, notBuilt);
    return;
  }

  // index.html names its assets with absolute /console/… paths, so /console and /console/ both work.
  void app.register(fastifyStatic, {
    root: dir,
    prefix: `${CONSOLE_PREFIX}/`,
    schemaHide: true,
    // The bundle's name does not change between builds: let browsers revalidate instead of guessing.
    cacheControl: true,
    maxAge: 0,
  });
  app.get(CONSOLE_PREFIX, { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
};
