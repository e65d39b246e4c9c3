// What-if scenarios as POST /allocate/what-if answers them, against cold solves of the same changed
// snapshot, side by side in one run (the machine is shared: compare ratios, not absolute times).
//
//   npx tsx bench/what-if.ts            (1000 × 50, five scenarios)
//   npx tsx bench/what-if.ts --quick    (300 × 20)
//   add --certified to solve the scenarios with the bound as well (how they were solved before the
//   scenario solve became search-only): before/after in one run
//
// The base snapshot is solved at the default limit (2000 ms), as POST /allocate would. Per scenario:
// - cold: the changed snapshot without `previous`, solved as POST /allocate solves it (search and
//   bound; baselines off, so all of its time goes to the search and the bound: the stronger cold);
//   its time is the wall time of that solve (it stops at the proven gap or its limit);
// - warm: the scenario's snapshot and options exactly as the service builds them
//   (scenarioSolve in src/solve/what-if.ts: `previous` = the base answer, baselines off,
//   certify false), due at the end of the slot the service would give it in this request (five
//   scenarios at the default limit, two solver threads, base a cache hit: three rounds of ~667 ms).
//   Its time is the wall time of that solve: it stops where its search converges, else at the slot.
// The scenario meets the target when warm time ≤ cold time / 3 and the warm objective is
// within 1e-4 (relative) of the cold one, or better.
//
// Why not the former method (the smallest limit on a ladder whose warm objective reached the cold
// one): the service cannot pick that limit in hindsight, so it measured a time no request gets.
// Scenarios run here one at a time (each alone, like the cold solve), not two at once as the
// service runs them: the ratio compares solve times, not how the cores are shared.
import os from 'node:os';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import type { Scenario } from '../src/model/scenarios.js';
import { scenarioSolve } from '../src/solve/what-if.js';
import { answerReserveMs } from '../src/solve/time-budget.js';

const quick = process.argv.includes('--quick');
const certified = process.argv.includes('--certified');
const [DEVICES, SERVERS] = quick ? [300, 20] : [1000, 50];
const LIMIT_MS = 2000;
const AGREE = 1e-4;
/** Scenario solves at once in the service (PARETO_MAX_PARALLEL and threads, both 2 by default here). */
const PARALLEL = 2;

await initGlpk();
console.log('# bench/what-if');
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${new Date().toISOString()}\n`,
);

async function solve(body: AllocateRequest, limitMs: number, certify = true): Promise<{ r: AllocateResult; ms: number }> {
  const { instance, options } = normalize({ ...body, options: { ...body.options, timeLimitMs: limitMs } });
  const t = performance.now();
  const r = await solveAllocate(instance, { ...options, ...(certify ? {} : { certify: false as const }) });
  return { r, ms: performance.now() - t };
}

const body = generateRequest(1, { devices: DEVICES, servers: SERVERS });
body.options = { ...body.options, baselines: false };
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
// The service's slot (solveWhatIf): the limit less the answer's reserve, in equal rounds of PARALLEL.
const rounds = Math.ceil(scenarios.length / PARALLEL);
const slotMs = Math.floor((LIMIT_MS - answerReserveMs((scenarios.length + 1) * DEVICES)) / rounds);
console.log(
  `${DEVICES} × ${SERVERS}: base ${base.r.status} objective ${base.r.objective.toFixed(6)} in ${base.ms.toFixed(0)} ms; ` +
    `scenarios ${certified ? 'certified (search + bound)' : 'search-only'}, each due in its slot of ${slotMs} ms\n`,
);
console.log('| scenario | cold ms | cold objective | warm ms | ratio warm/cold | warm objective | warm vs cold | warm ends | migrations | meets ≤ 1/3 |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [i, scenario] of scenarios.entries()) {
  const { body: warmBody, certify } = scenarioSolve(body, scenario, i, base.r);
  const { previous: _previous, ...coldBody } = warmBody;
  const cold = await solve({ ...coldBody, options: { ...coldBody.options, baselines: false } }, LIMIT_MS);
  const warm = await solve(warmBody, slotMs, certified || certify);
  const was = new Map(base.r.allocations.map((a) => [a.deviceId, a.serverId]));
  const migrations = warm.r.allocations.filter((a) => was.has(a.deviceId) && was.get(a.deviceId) !== a.serverId).length;
  const rel = warm.r.objective !== undefined && cold.r.objective !== undefined ? warm.r.objective / cold.r.objective - 1 : NaN;
  const ratio = warm.ms / cold.ms;
  const meets = ratio <= 1 / 3 && rel <= AGREE;
  console.log(
    `| ${scenario.name} | ${cold.ms.toFixed(0)} | ${cold.r.objective?.toFixed(6) ?? cold.r.status} | ${warm.ms.toFixed(0)} | ${ratio.toFixed(2)} | ${
      warm.r.objective?.toFixed(6) ?? warm.r.status
    } | ${rel >= 0 ? '+' : ''}${rel.toExponential(1)} | ${warm.r.solver.statistics?.termination ?? warm.r.termination} | ${migrations} | ${meets ? 'yes' : 'no'} |`,
  );
}
