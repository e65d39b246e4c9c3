// Piscina's entry when running from TypeScript sources (vitest, tsx). Node 20 worker threads do not
// inherit tsx's loader hooks, so the TypeScript worker is loaded through tsx's programmatic API.
// Compiled builds point piscina straight at dist/src/backends/threads/solve-worker.js (tsc does not copy this
// .mjs file); the compiled branch below only serves a tree where both happen to sit side by side.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiledWorker = new URL('./solve-worker.js', import.meta.url);

const workerModule = existsSync(fileURLToPath(compiledWorker))
  ? await import(compiledWorker.href)
  : await (await import('tsx/esm/api')).tsImport('./solve-worker.ts', import.meta.url);

export default workerModule.default;
