// The pass helper's entry when running from TypeScript sources (vitest, tsx): worker threads do not
// inherit tsx's loader hooks (see worker-entry.mjs). Compiled builds start pass-helper.js directly.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('./pass-helper.js', import.meta.url);

if (existsSync(fileURLToPath(compiled))) await import(compiled.href);
else await (await import('tsx/esm/api')).tsImport('./pass-helper.ts', import.meta.url);
