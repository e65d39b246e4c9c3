// What-if scenarios warm from the base answer against cold solves of the same changed snapshot,
// side by side in one run (the machine is shared: compare ratios, not absolute times).
//
//   npx tsx bench/what-if.ts            (1000 × 50, five scenarios)
//   npx tsx bench/what-if.ts --quick    (300 × 20)
//
// The base snapshot is solved at the default limit. Each scenario's snapshot (src/what-if/changes.ts,
// previous = the base answer, as POST /allocate/what-if builds it) is solved cold (no previous) at
// the default limit, and warm on a ladder of limits; the smallest warm limit whose objective is
// within 1e-4 (relative) of the cold one, or better, is the scenario's time. Target: ≤ 1/3 of the
// cold solve's time.
import os from 'node:os';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { minTimeLimitMs } from '../src/model/time-floor.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { scenarioRequest } from '../src/model/scenarios.js';
import type { Scenario } from '../src/model/scenarios.js';

const quick = process.argv.includes('--quick');
const [DEVICES, SERVERS] = quick ? [300, 20] : [1000, 50];
const LIMIT_MS = 2000;
// From the size's floor (docs/time-limits.md) up to a third of the cold solve's limit.
const LADDER_MS = [50, 100, 150, 200, 300, 400, 500, 667].filter(
  (ms) => ms >= minTimeLimitMs({ devices: DEVICES, servers: SERVERS, layers: 32 }),
);
const AGREE = 1e-4;

await initGlpk();
console.log('# bench/what-if');
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${new Date().toISOString()}\n`,
);

async function solve(body: AllocateRequest, limitMs: number): Promise<{ r: AllocateResult; ms: number }> {
  const { instance, options } = normalize({ ...body, options: { ...body.options, timeLimitMs: limitMs, baselines: false } });
  const t = performance.now();
  const r = await solveAllocate(instance, options);
  return { r, ms: performance.now() - t };
}

const body = generateRequest(1, { devices: DEVICES, servers: SERVERS });
const base = await solve(body, LIMIT_MS);
if (base.r.objective === undefined) {
  console.log(
    `base ${base.r.status} after ${base.ms.toFixed(0)} ms: no allocation to start the scenarios from (a loaded machine?); nothing to compare`,
  );
  process.exit(1);
}
const load = new Map<string, number>();
for (const a of base.r.allocations) load.set(a.serverId, (load.get(a.serverId) ?? 0) + 1);
const busiest = [...load.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
const newServer = { ...body.servers[0], id: 'es-new', position: { xM: 250, yM: 250 } };
const scenarios: Scenario[] = [
  { name: `${busiest[0]} +5% bandwidth`, changes: [{ op: 'scaleBandwidth', serverId: busiest[0], factor: 1.05 }] },
  { name: `${busiest[0]} ×1.5 frequency`, changes: [{ op: 'scaleFrequency', serverId: busiest[0], factor: 1.5 }] },
  { name: `${busiest[1]} down`, changes: [{ op: 'removeServer', serverId: busiest[1] }] },
  { name: 'a server added at the centre', changes: [{ op: 'addServer', server: newServer }] },
  {
    name: '5% of devices leave',
    changes: [{ op: 'removeDevices', deviceIds: body.devices.filter((_, n) => n % 20 === 0).map((d) => d.id) }],
  },
];
console.log(`${DEVICES} × ${SERVERS}: base ${base.r.status} objective ${base.r.objective!.toFixed(6)} in ${base.ms.toFixed(0)} ms\n`);
console.log(
  '| scenario | cold ms | cold objective | warm limit reaching it (ms) | warm wall ms | ratio warm/cold | warm objective at 1/3 | migrations |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [i, scenario] of scenarios.entries()) {
  const warmBody = scenarioRequest(body, scenario, i, base.r);
  const { previous: _previous, ...coldBody } = warmBody;
  const cold = await solve(coldBody, LIMIT_MS);
  let reached: { limit: number; ms: number } | null = null;
  let third: AllocateResult | null = null;
  for (const limit of LADDER_MS) {
    const warm = await solve(warmBody, limit);
    if (limit === LADDER_MS[LADDER_MS.length - 1]) third = warm.r;
    if (reached === null && warm.r.objective !== undefined && warm.r.objective <= cold.r.objective! * (1 + AGREE)) {
      reached = { limit, ms: warm.ms };
    }
    if (reached !== null && third !== null) break;
    if (reached !== null) {
      third = (await solve(warmBody, LADDER_MS[LADDER_MS.length - 1])).r;
      break;
    }
  }
  const was = new Map(base.r.allocations.map((a) => [a.deviceId, a.serverId]));
  const migrations = third!.allocations.filter((a) => was.has(a.deviceId) && was.get(a.deviceId) !== a.serverId).length;
  console.log(
    `| ${scenario.name} | ${cold.ms.toFixed(0)} | ${cold.r.objective!.toFixed(6)} | ${reached ? reached.limit : `> ${LADDER_MS[LADDER_MS.length - 1]}`} | ${reached ? reached.ms.toFixed(0) : '—'} | ${reached ? (reached.ms / cold.ms).toFixed(2) : '—'} | ${third!.objective!.toFixed(6)} | ${migrations} |`,
  );
}
