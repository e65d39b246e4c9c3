// Writes the OpenAPI 3.1 document the service serves at /docs/json to openapi/openapi.json, so the
// contract is reviewed in diffs. test/openapi.test.ts fails when the two drift: run `npm run openapi`.
// The document depends only on the route schemas, so a stub service stands in (no workers, no Redis).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { SolveService } from '../src/solve/types.js';

const outputPath = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

const documentOnlyService: SolveService = {
  solve: () => Promise.reject(new Error('document-only service')),
  allocatePareto: () => Promise.reject(new Error('document-only service')),
  allocateWhatIf: () => Promise.reject(new Error('document-only service')),
  readiness: () => Promise.resolve({ ready: false, workers: { threads: 0, queued: 0, maxQueue: 0 }, redis: 'disabled' }),
  close: () => Promise.resolve(),
};

const app = buildApp({ ...loadConfig({}), logLevel: 'silent' }, { service: documentOnlyService });
try {
  await app.ready();
  await writeFile(outputPath, `${JSON.stringify(app.swagger(), null, 2)}\n`);
  console.log(`wrote ${outputPath}`);
} finally {
  await app.close();
}
