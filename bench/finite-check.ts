// Cost of the service's last check on answers (src/solve/finite.ts) on a synthetic answer of N
// devices, against JSON.stringify of the same answer for scale.
//   npx tsx bench/finite-check.ts [--devices 10000]
import { firstNonFinite } from '../src/solve/finite.js';

const i = process.argv.indexOf('--devices');
const devices = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
const breakdown = { local: 1.5, uplink: 2.5, edge: 3.5, total: 7.5 };
const answer = {
  status: 'OPTIMAL',
  objective: 1,
  allocations: Array.from({ length: devices }, (_, n) => ({
    deviceId: `ue-${n}`,
    serverId: 'es-1',
    splitLayer: 3,
    trainingMode: 'backprop',
    peakMemoryBytes: 1e9 + n,
    cpuFrequencyHz: 1e9,
    transmitPowerW: 1,
    bandwidthHz: 1e6,
    bandwidthShare: 0.1,
    serverFrequencyHz: 1e8,
    delayS: { ...breakdown },
    energyJ: { ...breakdown },
    stabilityBound: 0.1,
  })),
  totals: { delayS: 1, energyJ: 1, stability: 1 },
  reference: { delayS: 1, energyJ: 2, stability: 3 },
  baselines: [],
};
const time = (f: () => unknown) => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const runs = Array.from({ length: 20 }, () => time(() => firstNonFinite(answer))).sort((a, b) => a - b);
console.log(`${devices} devices: firstNonFinite first call ${runs.at(-1)!.toFixed(2)} ms (max of 20), median ${runs[10].toFixed(2)} ms`);
answer.allocations[devices - 1].energyJ.edge = NaN;
console.log(
  `with a NaN in the last device: ${time(() => firstNonFinite(answer)).toFixed(2)} ms -> ${JSON.stringify(firstNonFinite(answer)?.path)}`,
);
answer.allocations[devices - 1].energyJ.edge = 1;
console.log(`JSON.stringify of the same answer: ${time(() => JSON.stringify(answer)).toFixed(2)} ms`);
