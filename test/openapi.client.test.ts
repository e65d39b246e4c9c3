// The committed OpenAPI document is usable by client generators: types generated from it with
// openapi-typescript's default settings must accept every operation's documented example through
// openapi-fetch under tsc --strict, expose the answers' fields (no `Record<string, never>` where a
// body has two forms; a job's result typed by its kind), and the client must call every operation
// of a running service successfully.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Under the repository so that `openapi-fetch` resolves from the generated client (and outside
// node_modules so that the test can import it).
const workDir = `${root}test-artifacts/typed-client-test-${process.pid}`;

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        requestBody?: { content: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }> };
      }
    >
  >;
};

/** A call per operation with its documented example body, and reads of fields only a precise type has. */
function clientSource(doc: Doc): string {
  const calls: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const media = operation.requestBody?.content['application/json'];
      // One example, or named ones (POST /allocate): the first is what Swagger UI fills in.
      const example = media?.example ?? Object.values(media?.examples ?? {})[0]?.value;
      // Path parameters ({id}) get a placeholder value; the call only has to type-check.
      // Path parameters ({id}): the job submitted before.
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => `${name}: jobId`);
      const parts = [
        ...(example === undefined ? [] : [`body: ${JSON.stringify(example)}`]),
        ...(pathParams.length > 0 ? [`params: { path: { ${pathParams.join(', ')} } }`] : []),
      ];
      const init = parts.length === 0 ? '' : `, { ${parts.join(', ')} }`;
      calls.push(`  const ${operation.operationId} = await client.${method.toUpperCase()}('${path}'${init});`);
      calls.push(`  statuses.${operation.operationId} = ${operation.operationId}.response.status;`);
      if (operation.operationId === 'submitJob') calls.push(`  if (submitJob.data !== undefined) jobId = submitJob.data.id;`);
    }
  }
  return `import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

/** Calls every operation; answers each one's status code. */
export async function everyOperation(baseUrl: string): Promise<Record<string, number>> {
  const client = createClient<paths>({ baseUrl });
  const statuses: Record<string, number> = {};
  let jobId = 'none-yet';
${calls.join('\n')}
  // Answers are typed field by field.
  const serverId: string | undefined = allocate.data?.allocations[0].serverId;
  const gap: number | undefined = allocate.data?.gap;
  const front: number[] | undefined = allocatePareto.data?.front;
  const blocks: number[] | undefined = allocateBlocks.data?.assignments[0].blocks;
  // Errors are problems (RFC 9457): the Problem component or, for 422, the infeasible answer.
  const failure = allocate.error;
  const retryAfter: number | undefined = failure !== undefined && 'retryAfterS' in failure ? failure.retryAfterS : undefined;
  const problemType: string | undefined = failure?.type;
  const infeasibleCode: 'INFEASIBLE' | undefined = failure !== undefined && 'infeasibilities' in failure ? failure.code : undefined;
  // A job's result is typed by its kind: the sync answer or its 422 problem.
  const job = getJob.data;
  if (job?.kind === 'allocate' && job.result !== undefined) {
    const result = job.result;
    const objective: number | undefined = result.status === 422 ? result.infeasibilities[0]?.detail.length : result.objective;
    const incumbent: number | undefined = job.best?.allocations[0].cpuFrequencyHz;
    void [objective, incumbent];
  }
  if (job?.kind === 'pareto' && job.result !== undefined && !('code' in job.result)) {
    const front: number[] = job.result.front;
    void front;
  }
  const location: string | undefined = submitJob.response.headers.get('location') ?? undefined;
  const listed: string[] | undefined = listJobs.data?.jobs.map((j) => j.status);
  const unreachable: number | undefined = getHealth.data?.status === 'ok' ? undefined : 0;
  void [serverId, gap, front, blocks, retryAfter, unreachable, getReadiness.data?.workers.queued];
  void [problemType, infeasibleCode, location, listed];
  return statuses;
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
    expect(operationIds).toEqual(
      expect.arrayContaining([
        'allocate',
        'allocateBlocks',
        'allocatePareto',
        'getHealth',
        'getReadiness',
        'submitJob',
        'getJob',
        'listJobs',
        'cancelJob',
      ]),
    );

    // The generator's default settings, as a user would run it.
    const types = astToString(await openapiTS(doc as never));
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

    // And it works: every operation called on a running service answers 200 (202 for a new job).
    const app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 2 });
    try {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      // /ready says ready only after the solver threads' warm-up (SOLVER_WARMUP): wait for it, bounded.
      const readyBy = Date.now() + 60_000;
      while ((await fetch(`${address}/ready`)).status !== 200) {
        if (Date.now() > readyBy) throw new Error('the service did not become ready within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const client = (await import(`${workDir}/client.ts`)) as { everyOperation(baseUrl: string): Promise<Record<string, number>> };
      const statuses = await client.everyOperation(address);
      expect(Object.keys(statuses).sort()).toEqual([...operationIds].sort());
      for (const [operation, status] of Object.entries(statuses)) expect(status, operation).toBe(operation === 'submitJob' ? 202 : 200);
    } finally {
      await app.close();
    }
  }, 120_000);
});
