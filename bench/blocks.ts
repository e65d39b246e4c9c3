// Cooperative block allocation (SPEC §2): round latency of ours vs each baseline, and solve time.
// Run: npx tsx bench/blocks.ts   (seeded, deterministic instances; bounded runtime)

import { gainFromDistanceM } from '../src/model/defaults.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { mulberry32 } from '../src/model/random.js';
import { normalizeBlocksRequest, solveBlocks } from '../src/blocks/index.js';
import type { BlocksRequest, TransformerBlocksModel } from '../src/blocks/request.js';

const rng = mulberry32;

const profiles: { name: string; model: TransformerBlocksModel; memoryGB: [number, number]; tflops: [number, number] }[] = [
  { name: 'roberta-base', model: { layers: 12, hiddenSize: 768, tokens: 128, batchSize: 16 }, memoryGB: [1, 6], tflops: [0.5, 4] },
  { name: '7b-like', model: { layers: 32, hiddenSize: 4096, tokens: 512, batchSize: 4 }, memoryGB: [16, 48], tflops: [5, 40] },
];

function request(profile: (typeof profiles)[number], devices: number, seed: number): BlocksRequest {
  const r = rng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  return {
    model: profile.model,
    devices: Array.from({ length: devices }, (_, i) => ({
      id: `d${i}`,
      flopsPerSecond: u(...profile.tflops) * 1e12,
      memoryBytes: u(...profile.memoryGB) * 2 ** 30,
      powerW: u(0.2, 1),
      channelGain: gainFromDistanceM(u(50, 500)),
    })),
    bandwidthHz: 20e6,
    options: { timeLimitMs: 5000 },
  };
}

await initGlpk();
const names = ['publication', 'equal-bandwidth', 'round-robin', 'single-device'] as const;
const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));
const header = ['profile', 'K', 'status', 'ours (s)', 'bound (s)', 'gap', ...names.map((n) => `${n} ×`), 'solve ms'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
const t0 = performance.now();
for (const profile of profiles) {
  for (const K of [4, 8, 16, 32, 64]) {
    const input = normalizeBlocksRequest(request(profile, K, 1000 + K));
    const res = solveBlocks(input);
    const ours = res.roundLatencyS;
    const ratios = names.map((n) => {
      const b = res.baselines.find((x) => x.name === n)?.roundLatencyS;
      return b === null || b === undefined || ours === undefined ? '—' : (b / ours).toFixed(3);
    });
    console.log(
      `| ${profile.name} | ${K} | ${res.status}${res.limit ? `/${res.limit}` : ''} | ${fmt(ours)} | ${fmt(res.bound)} | ${res.gap === undefined ? '—' : (100 * res.gap).toFixed(2) + '%'} | ${ratios.join(' | ')} | ${res.solver.solveTimeMs.toFixed(0)} |`,
    );
  }
}
console.log(`\nratios are baseline / ours (≥ 1 means ours is faster); total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
