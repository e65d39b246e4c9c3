// The committed openapi/openapi.json must be exactly what the service serves at /docs/json.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';
import { PARETO_REQUEST_EXAMPLE } from '../src/schemas/pareto.js';
import type { SolveService } from '../src/solve/types.js';

const committedPath = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

const stubService: SolveService = {
  solve: () => Promise.reject(new Error('not used')),
  allocatePareto: () => Promise.reject(new Error('not used')),
  allocateWhatIf: () => Promise.reject(new Error('not used')),
  readiness: () => Promise.resolve({ ready: true, workers: { threads: 1, queued: 0, maxQueue: 1 }, redis: 'disabled' }),
  close: () => Promise.resolve(),
};

let app: App;
beforeAll(async () => {
  app = buildApp({ ...loadConfig({}), logLevel: 'silent' }, { service: stubService });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

describe('OpenAPI document', () => {
  it('served at /docs/json equals the committed openapi/openapi.json', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const committed = JSON.parse(await readFile(committedPath, 'utf8'));
    expect(res.json(), 'openapi/openapi.json is stale: run `npm run openapi` and commit the result').toEqual(committed);
  });

  it('is OpenAPI 3.1 with components named after schema $ids and the request example', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['DeviceSpec', 'ServerSpec', 'Allocation', 'Totals', 'Position']),
    );
    expect(Object.keys(doc.components.schemas).some((name) => name.startsWith('def-'))).toBe(false);
    const post = doc.paths['/allocate'].post;
    expect(post.tags).toEqual(['allocation']);
    // Named examples: the snapshot, and the same with insights (Swagger UI's drop-down).
    const examples = post.requestBody.content['application/json'].examples;
    expect(examples.snapshot.value).toEqual(ALLOCATE_REQUEST_EXAMPLE);
    expect(examples.insights.value).toEqual({
      ...ALLOCATE_REQUEST_EXAMPLE,
      options: { ...ALLOCATE_REQUEST_EXAMPLE.options, insights: true },
    });
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '400', '422', '503']));
  });

  it('documents POST /allocate/blocks with its example and the 422 INFEASIBLE answer', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const post = doc.paths['/allocate/blocks'].post;
    expect(post.tags).toEqual(['allocation']);
    expect(post.requestBody.content['application/json'].example).toEqual(BLOCKS_REQUEST_EXAMPLE);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '400', '422', '503']));
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['BlockAssignment', 'BlocksBaseline', 'BlocksInfeasibility', 'ExplicitBlocksModel', 'TransformerBlocksModel']),
    );
  });

  it('documents POST /allocate/pareto with its example (grid k = 2) and the 422 INFEASIBLE answer', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const post = doc.paths['/allocate/pareto'].post;
    expect(post.tags).toEqual(['allocation']);
    expect(post.requestBody.content['application/json'].example).toEqual(PARETO_REQUEST_EXAMPLE);
    expect(PARETO_REQUEST_EXAMPLE.pareto).toEqual({ grid: { steps: 2 } });
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '400', '422', '503']));
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ParetoWeights', 'ParetoWeightList', 'ParetoGrid', 'ParetoObjectiveSpec', 'ParetoPoint']),
    );
    // The objective of a Pareto request takes no weights: they come from `pareto`.
    expect(Object.keys(doc.components.schemas.ParetoObjectiveSpec.properties)).not.toContain('weights');
  });
});
