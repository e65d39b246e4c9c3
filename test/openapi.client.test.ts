// The committed OpenAPI document is usable by client generators: types generated from it with
// openapi-typescript must accept every operation's documented example through openapi-fetch, and
// expose the answers' fields (no `Record<string, never>` where a body has two forms).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside node_modules so that `openapi-fetch` resolves from the generated client.
const workDir = `${root}node_modules/.cache/typed-client-test-${process.pid}`;

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

type Doc = { paths: Record<string, Record<string, { operationId?: string; requestBody?: { content: Record<string, { example?: unknown }> } }>> };

/** A call per operation with its documented example body, and reads of fields only a precise type has. */
function clientSource(doc: Doc): string {
  const calls: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const example = operation.requestBody?.content['application/json']?.example;
      // Path parameters ({id}) get a placeholder value; the call only has to type-check.
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => `${name}: 'example'`);
      const parts = [...(example === undefined ? [] : [`body: ${JSON.stringify(example)}`]), ...(pathParams.length > 0 ? [`params: { path: { ${pathParams.join(', ')} } }`] : [])];
      const init = parts.length === 0 ? '' : `, { ${parts.join(', ')} }`;
      calls.push(`  const ${operation.operationId} = await client.${method.toUpperCase()}('${path}'${init});`);
    }
  }
  return `import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });

export async function everyOperation(): Promise<void> {
${calls.join('\n')}
  // Answers are typed field by field.
  const serverId: string | undefined = allocate.data?.allocations[0].serverId;
  const gap: number | undefined = allocate.data?.gap;
  const front: number[] | undefined = allocatePareto.data?.front;
  const blocks: number[] | undefined = allocateBlocks.data?.assignments[0].blocks;
  // Errors are the ErrorResponse envelope or, for 422, the infeasible answer.
  const failure = allocate.error;
  const retryAfter: number | undefined = failure !== undefined && 'retryAfterS' in failure ? failure.retryAfterS : undefined;
  const unreachable: number | undefined = getHealth.data?.status === 'ok' ? undefined : 0;
  void [serverId, gap, front, blocks, retryAfter, unreachable, getReadiness.data?.workers.queued];
}

// Both forms of a two-form body are accepted, and a mix is not.
export async function forms(): Promise<void> {
  type Pareto = paths['/allocate/pareto']['post']['requestBody']['content']['application/json']['pareto'];
  const list: Pareto = { weights: [{ delay: 1, energy: 0, stability: 0 }] };
  const grid: Pareto = { grid: { steps: 3 } };
  // @ts-expect-error a weight vector needs all three weights
  const wrong: Pareto = { weights: [{ delay: 1 }] };
  type Model = paths['/allocate/blocks']['post']['requestBody']['content']['application/json']['model'];
  const explicit: Model = { blocks: [{ forwardFlops: 1, backwardFlops: 2, activationBytes: 3, bits: 4 }], weightBytes: 5 };
  const transformer: Model = { layers: 12, hiddenSize: 768, tokens: 128, batchSize: 16 };
  void [list, grid, wrong, explicit, transformer];
}
`;
}

describe('openapi/openapi.json', () => {
  it('passes redocly lint (recommended rules; the ignored problems are listed with reasons)', async () => {
    const cli = `${root}node_modules/@redocly/cli/bin/cli.js`;
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    // Rejects (and so fails the test) on a non-zero exit: any error.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, 'lint', 'openapi/openapi.json'], { cwd: root, env });
    expect(stdout + stderr).toMatch(/Your API description is valid/);
    expect(stdout + stderr).not.toMatch(/\d+ warnings?\b/); // lint warnings (not the CLI's Node 20 notice)
  });
});

describe('typed client generated from openapi/openapi.json', () => {
  it('type-checks a call to every operation with its documented example', async () => {
    const doc = JSON.parse(await readFile(`${root}openapi/openapi.json`, 'utf8')) as Doc;
    const operationIds = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(operationIds.every((id) => typeof id === 'string' && /^[a-zA-Z]+$/.test(id))).toBe(true);
    expect(operationIds).toEqual(expect.arrayContaining(['allocate', 'allocateBlocks', 'allocatePareto', 'getHealth', 'getReadiness']));

    // defaultNonNullable off: request fields with a documented `default` stay optional (the
    // generator's default makes them required, which suits responses, not request bodies).
    const types = astToString(await openapiTS(doc as never, { defaultNonNullable: false }));
    // What if/then/else used to generate for the two-form bodies.
    expect(types).not.toMatch(/\b(pareto|model)\??: Record<string, never>/);
    await mkdir(workDir, { recursive: true });
    await writeFile(`${workDir}/schema.ts`, types);
    await writeFile(`${workDir}/client.ts`, clientSource(doc));

    const program = ts.createProgram([`${workDir}/client.ts`], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
