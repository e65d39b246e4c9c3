// Re-allocation as the network moves: warm starts from the previous answer, with and without a
// migration cost, against cold solves, side by side in one run (the machine is shared: compare
// ratios, not absolute times).
//
//   npx tsx bench/incremental.ts            (target check on 1000×50, 3 seeds; traces 200×20 and 1000×50, 20 snapshots)
//   npx tsx bench/incremental.ts --quick    (target check on 1 seed; trace 200×20, 6 snapshots)
//   --no-trace: the target check only
//   --migration-share x: a migration costs x of a device's mean delay and energy at the reference point (default 0.0005)
//
// 1. Target: a 1000×50 instance is solved cold (the previous answer), then 5% of its devices move
//    to random places. The moved instance is solved cold at the default limit; the warm re-solve
//    (previous = the first answer, no migration cost) runs on a ladder of time limits, and the
//    smallest limit whose objective is within 1e-4 (relative) of the cold one gives the warm time.
//    Times are wall-clock times of the solver call, cold and warm measured alternately.
// 2. Trace: random-waypoint mobility over 60 s (speed 1–5 m/s, pause 0–5 s), a snapshot every
//    3 s (20 snapshots). Each snapshot is solved cold, warm (previous = the warm chain's last
//    answer) and warm with a migration cost (its own chain), all at the default limit, and warm
//    at a fifth of it (its own chain: the control loop that re-solves 5× faster). Per step: wall
//    time, objective relative to cold (cold scored with the same migration term against the same
//    previous answer for the costly chain), and migrations.
import os from 'node:os';
import { normalize } from '../src/model/normalize.js';
import { minTimeLimitMs } from '../src/model/time-floor.js';
import { evaluate, referenceTotals } from '../src/model/evaluate.js';
import { generateRequest } from '../src/model/generator.js';
import { mulberry32 } from '../src/model/random.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, DeviceDecision, Instance } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { initGlpk } from '../src/solver/math/glpk.js';

const quick = process.argv.includes('--quick');
const LIMIT_MS = 2000;
const LADDER_MS = [25, 50, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2000];
const AGREE = 1e-4;
const AREA_M = 500;

await initGlpk();
console.log('# bench/incremental');
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${new Date().toISOString()}\n`,
);

async function solve(body: AllocateRequest): Promise<{ res: AllocateResult; ms: number; instance: Instance }> {
  const { instance, options } = normalize(body);
  const t = performance.now();
  const res = await solveAllocate(instance, options);
  return { res, ms: performance.now() - t, instance };
}

function withLimit(body: AllocateRequest, timeLimitMs: number, extra: AllocateRequest['options'] = {}): AllocateRequest {
  return { ...body, options: { ...body.options, baselines: false, timeLimitMs, ...extra } };
}

/** An answer's allocations as decisions of `instance` (by ids), to score them under another objective. */
function decisionsOf(instance: Instance, res: AllocateResult): DeviceDecision[] {
  const byId = new Map(res.allocations.map((a) => [a.deviceId, a]));
  const serverIndex = new Map(instance.servers.map((s, m) => [s.id, m]));
  return instance.devices.map((d) => {
    const a = byId.get(d.id)!;
    return {
      server: serverIndex.get(a.serverId)!,
      splitLayer: a.splitLayer,
      mode:
        a.trainingMode === 'backprop' ? { kind: 'backprop' } : { kind: 'zeroth-order', queries: a.queries!, parallelism: a.parallelism! },
      cpuFrequencyHz: a.cpuFrequencyHz,
      transmitPowerW: a.transmitPowerW,
      bandwidthHz: a.bandwidthHz,
      serverFrequencyHz: a.serverFrequencyHz,
    };
  });
}

function changedServers(before: AllocateResult, after: AllocateResult): number {
  const was = new Map(before.allocations.map((a) => [a.deviceId, a.serverId]));
  return after.allocations.filter((a) => was.get(a.deviceId) !== a.serverId).length;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------------------------------------
// 1. The target: 1000 × 50, 5% of the devices moved.

console.log(`## 1000×50, 5% of the devices moved: warm (no migration cost) against cold at the default ${LIMIT_MS} ms limit\n`);
console.log('previous: the answer before the move, from a cold solve at the default limit or from a converged one (4× the limit)\n');
console.log(
  '| seed | previous | cold objective | cold ms | warm limit | warm objective | warm/cold − 1 | warm ms | speed-up | migrations |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
const speedups = new Map<string, number[]>();
for (const [seed, previousLimitMs] of (quick ? [1] : [1, 2, 3]).flatMap((s) => [
  [s, LIMIT_MS],
  [s, 4 * LIMIT_MS],
])) {
  const N = 1000;
  const body = generateRequest(seed, { devices: N, servers: 50 });
  const first = (await solve(withLimit(body, previousLimitMs))).res;
  const previousLabel = previousLimitMs === LIMIT_MS ? 'cold' : 'converged';
  const moved: AllocateRequest = structuredClone(body);
  const rand = mulberry32(seed + 100);
  const order = moved.devices.map((_, n) => n).sort(() => rand() - 0.5);
  for (const n of order.slice(0, N / 20)) moved.devices[n].position = { xM: rand() * AREA_M, yM: rand() * AREA_M };
  const cold = await solve(withLimit(moved, LIMIT_MS));
  const target = cold.res.objective! * (1 + AGREE);
  let hit: { limitMs: number; ms: number; res: AllocateResult } | null = null;
  // Limits below the size's floor are refused (docs/time-limits.md): the ladder starts at the floor.
  const floorMs = minTimeLimitMs({ devices: N, servers: 50, layers: body.model.layers });
  for (const limitMs of LADDER_MS.filter((l) => l >= floorMs)) {
    const warm = await solve({ ...withLimit(moved, limitMs), previous: { allocations: first.allocations } });
    if (warm.res.objective! <= target) {
      hit = { limitMs, ms: warm.ms, res: warm.res };
      break;
    }
  }
  if (hit) speedups.set(previousLabel, [...(speedups.get(previousLabel) ?? []), cold.ms / hit.ms]);
  console.log(
    `| ${seed} | ${previousLabel} | ${cold.res.objective!.toFixed(6)}${cold.res.limit ? ' (TIME)' : ''} | ${cold.ms.toFixed(0)} | ${hit ? hit.limitMs : '—'} | ${hit ? hit.res.objective!.toFixed(6) : '—'} | ${hit ? (hit.res.objective! / cold.res.objective! - 1).toExponential(2) : '—'} | ${hit ? hit.ms.toFixed(0) : '—'} | ${hit ? `${(cold.ms / hit.ms).toFixed(1)}×` : '—'} | ${hit ? hit.res.totals!.migrations : '—'} |`,
  );
}
for (const [label, xs] of speedups)
  console.log(
    `\nprevious ${label}: median speed-up to reach the cold objective ${median(xs).toFixed(1)}× over ${xs.length} seeds (target ≥ 5×)`,
  );
console.log('');

// ---------------------------------------------------------------------------------------------
// 2. Traces: random-waypoint mobility.

interface Walker {
  x: number;
  y: number;
  toX: number;
  toY: number;
  speed: number;
  pauseS: number;
}

function walkers(body: AllocateRequest, rand: () => number): Walker[] {
  return body.devices.map((d) => ({
    x: d.position!.xM,
    y: d.position!.yM,
    toX: rand() * AREA_M,
    toY: rand() * AREA_M,
    speed: 1 + 4 * rand(),
    pauseS: 0,
  }));
}

/** Advance every walker by dt seconds: towards its waypoint, pause 0–5 s there, pick the next. */
function advance(ws: Walker[], dtS: number, rand: () => number): void {
  for (const w of ws) {
    let left = dtS;
    while (left > 0) {
      if (w.pauseS > 0) {
        const p = Math.min(w.pauseS, left);
        w.pauseS -= p;
        left -= p;
        continue;
      }
      const dist = Math.hypot(w.toX - w.x, w.toY - w.y);
      const step = w.speed * left;
      if (step < dist) {
        w.x += ((w.toX - w.x) * step) / dist;
        w.y += ((w.toY - w.y) * step) / dist;
        left = 0;
      } else {
        w.x = w.toX;
        w.y = w.toY;
        left -= dist / w.speed;
        w.pauseS = 5 * rand();
        w.toX = rand() * AREA_M;
        w.toY = rand() * AREA_M;
        w.speed = 1 + 4 * rand();
      }
    }
  }
}

const SNAPSHOTS = quick ? 6 : 20;
const STEP_S = 3;
/** The control loop re-solving warm at a fifth of the default limit. */
const FAST_LIMIT_MS = LIMIT_MS / 5;
const shareArg = process.argv.indexOf('--migration-share');
const MIGRATION_SHARE = shareArg > 0 ? Number(process.argv[shareArg + 1]) : 0.0005;
const traces = process.argv.includes('--no-trace')
  ? []
  : quick
    ? [[200, 20]]
    : [
        [200, 20],
        [1000, 50],
      ];
for (const [N, M] of traces) {
  const rand = mulberry32(N + M);
  const base = generateRequest(7, { devices: N, servers: M });
  const ws = walkers(base, rand);
  // A migration costs MIGRATION_SHARE (default 0.05%) of a device's mean delay and energy at the reference point.
  const ref = referenceTotals(normalize(base).instance);
  const migration = { delayS: (MIGRATION_SHARE * ref.delayS) / N, energyJ: (MIGRATION_SHARE * ref.energyJ) / N };
  console.log(
    `## trace ${N}×${M}: ${SNAPSHOTS} snapshots ${STEP_S} s apart, limit ${LIMIT_MS} ms, migration cost ${migration.delayS.toPrecision(3)} s + ${migration.energyJ.toPrecision(3)} J\n`,
  );
  console.log(
    `| t (s) | cold ms | warm ms | warm+cost ms | warm at ${FAST_LIMIT_MS} ms: ms | warm/cold obj | warm+cost/cold obj (with cost) | warm ${FAST_LIMIT_MS} ms/cold obj | migrations cold / warm / warm+cost / warm ${FAST_LIMIT_MS} ms |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  let prevCold: AllocateResult | null = null;
  let prevWarm: AllocateResult | null = null;
  let prevCostly: AllocateResult | null = null;
  let prevFast: AllocateResult | null = null;
  const sums = {
    cold: [] as number[],
    warm: [] as number[],
    costly: [] as number[],
    fast: [] as number[],
    ratioWarm: [] as number[],
    ratioCostly: [] as number[],
    ratioFast: [] as number[],
    migCold: 0,
    migWarm: 0,
    migCostly: 0,
    migFast: 0,
  };
  for (let k = 0; k < SNAPSHOTS; k++) {
    if (k > 0) advance(ws, STEP_S, rand);
    const body: AllocateRequest = structuredClone(base);
    body.devices.forEach((d, n) => (d.position = { xM: ws[n].x, yM: ws[n].y }));
    const cold = await solve(withLimit(body, LIMIT_MS));
    const warm = await solve({ ...withLimit(body, LIMIT_MS), ...(prevWarm ? { previous: { allocations: prevWarm.allocations } } : {}) });
    const costly = await solve({
      ...withLimit(body, LIMIT_MS, { migration }),
      ...(prevCostly ? { previous: { allocations: prevCostly.allocations } } : {}),
    });
    // The control loop at a fifth of the limit: its own warm chain (the first snapshot cold at the full limit).
    const fast = await solve(
      prevFast ? { ...withLimit(body, FAST_LIMIT_MS), previous: { allocations: prevFast.allocations } } : withLimit(body, LIMIT_MS),
    );
    // Cold scored under the costly chain's objective: the migrations it would make from that chain's last answer.
    const coldWithCost = evaluate(costly.instance, decisionsOf(costly.instance, cold.res)).objective;
    const mig = {
      cold: prevCold ? changedServers(prevCold, cold.res) : 0,
      warm: prevWarm ? changedServers(prevWarm, warm.res) : 0,
      costly: prevCostly ? changedServers(prevCostly, costly.res) : 0,
      fast: prevFast ? changedServers(prevFast, fast.res) : 0,
    };
    const ratioFast = fast.res.objective! / cold.res.objective!;
    const ratioWarm = warm.res.objective! / cold.res.objective!;
    const ratioCostly = costly.res.objective! / coldWithCost;
    console.log(
      `| ${k * STEP_S} | ${cold.ms.toFixed(0)} | ${warm.ms.toFixed(0)} | ${costly.ms.toFixed(0)} | ${fast.ms.toFixed(0)} | ${ratioWarm.toFixed(5)} | ${ratioCostly.toFixed(5)} | ${ratioFast.toFixed(5)} | ${mig.cold} / ${mig.warm} / ${mig.costly} / ${mig.fast} |`,
    );
    if (k > 0) {
      sums.cold.push(cold.ms);
      sums.warm.push(warm.ms);
      sums.costly.push(costly.ms);
      sums.fast.push(fast.ms);
      sums.ratioFast.push(ratioFast);
      sums.migFast += mig.fast;
      sums.ratioWarm.push(ratioWarm);
      sums.ratioCostly.push(ratioCostly);
      sums.migCold += mig.cold;
      sums.migWarm += mig.warm;
      sums.migCostly += mig.costly;
    }
    prevCold = cold.res;
    prevWarm = warm.res;
    prevCostly = costly.res;
    prevFast = fast.res;
  }
  const steps = SNAPSHOTS - 1;
  console.log(
    `\n${N}×${M} over the ${steps} re-solves: median ms cold ${median(sums.cold).toFixed(0)} · warm ${median(sums.warm).toFixed(0)} · warm+cost ${median(sums.costly).toFixed(0)} · warm at ${FAST_LIMIT_MS} ms ${median(sums.fast).toFixed(0)}; ` +
      `median objective warm/cold ${median(sums.ratioWarm).toFixed(5)}, warm+cost/cold (with cost) ${median(sums.ratioCostly).toFixed(5)}, warm at ${FAST_LIMIT_MS} ms/cold ${median(sums.ratioFast).toFixed(5)} (worst ${Math.max(...sums.ratioFast).toFixed(5)}); ` +
      `migrations per step cold ${(sums.migCold / steps).toFixed(1)} · warm ${(sums.migWarm / steps).toFixed(1)} · warm+cost ${(sums.migCostly / steps).toFixed(1)} · warm at ${FAST_LIMIT_MS} ms ${(sums.migFast / steps).toFixed(1)}\n`,
  );
}
