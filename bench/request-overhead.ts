// Where a large allocate request's time goes outside the solver's own phases (issue 18): each piece
// of the service's path timed alone on this thread, then whole solves through the service's thread
// pool split into wall − solveTimeMs (outside the solver) and solveTimeMs − Σ phasesMs (inside it,
// outside its phases). The same generated bodies on any checkout: imports resolve against the
// working directory, so run it in two checkouts, interleaved, to compare them.
//
//   SIZES=1000x50,5000x100 SEEDS=1,2,3 REPS=5 POOL=1 CLOCK=cpu npx tsx bench/request-overhead.ts
//
// Pieces (median of REPS, ms): fingerprint = the service's body fingerprint when no byte digest is
// given (JSON text + sha256); normalize; hash = the request hash (cache key); toThread = the kind's
// packing for the thread; clone = structuredClone of the packed input (what postMessage does);
// unpack = the thread's unpacking; back = structuredClone of an answer as the thread returns it;
// finite = the service's NaN check of the answer; encode = the cache entry's text.
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

const at = (path: string) => pathToFileURL(`${process.cwd()}/${path}`).href;
const { generateRequest } = await import(at('src/model/generator.ts'));
const { PROBLEM_KINDS } = await import(at('src/solve/kinds/index.ts'));
const { unpackInstance } = await import(at('src/solve/transfer.ts'));
const { solveAllocate } = await import(at('src/solver/index.ts'));
const { firstNonFinite } = await import(at('src/solve/finite.ts'));
const { encodeAnswer } = await import(at('src/cache/stored-answer.ts'));
const { createHash } = await import('node:crypto');
// The service's fingerprint of a body that comes without a digest of its bytes (solve/service.ts).
const fingerprintOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64');

const sizes = (process.env.SIZES ?? '1000x50,5000x100').split(',');
const seeds = (process.env.SEEDS ?? '1,2,3').split(',').map(Number);
const reps = Number(process.env.REPS ?? 5);
const pool = process.env.POOL !== '0';
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
// CLOCK=cpu: the pieces in this process's CPU time (no pool runs meanwhile), less moved by a loaded machine.
const now =
  process.env.CLOCK === 'cpu'
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();
function timed<T>(run: () => T): { value: T; ms: number } {
  const t0 = now();
  const value = run();
  return { value, ms: now() - t0 };
}

const kind = PROBLEM_KINDS.allocate;
console.log(`checkout ${process.cwd()}, clock ${process.env.CLOCK === 'cpu' ? 'cpu' : 'wall'}, load ${load()}`);
const pieces = ['fingerprint', 'normalize', 'hash', 'toThread', 'clone', 'unpack', 'back', 'finite', 'encode'] as const;
console.log(`| size | seed | ${pieces.join(' | ')} | sum |`);
console.log(`|---|---|${pieces.map(() => '---|').join('')}---|`);
for (const size of sizes) {
  const [devices, servers] = size.split('x').map(Number);
  for (const seed of seeds) {
    const generated = generateRequest(seed, { devices, servers });
    const body = { ...generated, options: { ...generated.options, baselines: false, timeLimitMs: 2000 } };
    // One real answer of this body (its shape and size are what crosses back), found quickly.
    const instance = kind.normalize(body).instance;
    const result = await solveAllocate(instance, { ...kind.normalize(body).options, timeLimitMs: 1000 });
    const ms: Record<string, number[]> = Object.fromEntries(pieces.map((p) => [p, []]));
    for (let r = 0; r < reps; r++) {
      ms.fingerprint.push(timed(() => fingerprintOf(body)).ms);
      const n = timed(() => kind.normalize(body));
      ms.normalize.push(n.ms);
      ms.hash.push(timed(() => kind.hash(n.value)).ms);
      const packed = timed(() => kind.toThread(n.value, n.value.options));
      ms.toThread.push(packed.ms);
      const cloned = timed(() => structuredClone(packed.value));
      ms.clone.push(cloned.ms);
      ms.unpack.push(timed(() => unpackInstance(cloned.value.packed)).ms);
      // A fresh copy each time: answerJson remembers the text of a result object it has seen.
      const fresh = structuredClone(result);
      ms.back.push(timed(() => structuredClone(fresh)).ms);
      ms.finite.push(timed(() => firstNonFinite(fresh)).ms);
      ms.encode.push(timed(() => encodeAnswer(fresh)).ms);
    }
    const med = pieces.map((p) => median(ms[p]));
    console.log(`| ${size} | ${seed} | ${med.map((x) => x.toFixed(1)).join(' | ')} | ${med.reduce((a, b) => a + b, 0).toFixed(1)} |`);
  }
}

if (pool) {
  const { createSolveService } = await import(at('src/compose.ts'));
  const service = createSolveService({ redisUrl: undefined, solverThreads: 2, solverMaxQueue: 4, cacheTtlS: 1, cacheMaxEntries: 1 });
  const readyBy = Date.now() + 60_000;
  while (!(await service.readiness()).ready && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 50));
  console.log('\nThrough the pool (LIMIT ms, default gap): wall, outside = wall − solveTimeMs, inside = solveTimeMs − Σ phasesMs');
  console.log('| size | seed | wall ms | solveTimeMs | Σ phases | outside | inside | gap |');
  console.log('|---|---|---|---|---|---|---|---|');
  const limitMs = Number(process.env.LIMIT ?? 2000);
  for (const size of sizes) {
    const [devices, servers] = size.split('x').map(Number);
    for (const seed of [99, ...seeds]) {
      const generated = generateRequest(seed, { devices, servers });
      const request = { ...generated, options: { ...generated.options, baselines: false, timeLimitMs: limitMs } };
      const t0 = performance.now();
      const { result } = await service.solve('allocate', request, { receivedAt: Date.now() });
      const wallMs = performance.now() - t0;
      if (seed === 99) continue; // warm-up
      const phases = Object.values(result.solver.statistics.phasesMs as Record<string, number>).reduce((a, b) => a + b, 0);
      const solveMs = result.solver.solveTimeMs as number;
      console.log(
        `| ${size} | ${seed} | ${wallMs.toFixed(0)} | ${solveMs.toFixed(0)} | ${phases.toFixed(0)} | ${(wallMs - solveMs).toFixed(1)} | ${(solveMs - phases).toFixed(1)} | ${result.gap?.toExponential(2) ?? '—'} |`,
      );
    }
  }
  await service.close();
}
console.log(`load ${load()}`);
