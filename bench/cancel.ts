// How fast a solve stops when asked: the solver alone (one thread, no HTTP, no queue), stopped at
// several points of its search; prints the time from the stop request (the flag going up) to the
// returned answer, and the last phase reported before it.
// Run: npx tsx bench/cancel.ts
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { solveAllocate } from '../src/solver/index.js';

const cases = [
  { devices: 1000, servers: 50, stopsMs: [100, 300, 600, 1500, 3000] },
  { devices: 5000, servers: 200, stopsMs: [1000, 3000, 8000] },
];

console.log('| instance | stop requested after ms | stop → answer ms | phase at stop | allocations |\n|---|---|---|---|---|');
for (const c of cases) {
  const { instance, options } = normalize({
    ...generateRequest(7, { devices: c.devices, servers: c.servers }),
    options: { baselines: false },
  });
  for (const at of c.stopsMs) {
    let stoppedAt: number | undefined;
    let phase = 'start';
    const t0 = Date.now();
    const result = await solveAllocate(
      instance,
      { ...options, timeLimitMs: 120_000 },
      {
        shouldStop: () => {
          if (Date.now() - t0 < at) return false;
          stoppedAt ??= Date.now();
          return true;
        },
        onProgress: (p) => {
          if (stoppedAt === undefined) phase = p.phase;
        },
      },
    );
    // From when the stop was requested (the flag is up from t0 + at), not from when the solver
    // first looked at it: a span without time checks counts against it.
    const ms = stoppedAt === undefined ? Number.NaN : Date.now() - (t0 + at);
    console.log(`| ${c.devices} × ${c.servers} | ${at} | ${ms} | ${phase} | ${result.allocations.length} |`);
  }
}
