// Cooperative block allocation (docs/model.md §2): our round latency, its bound, gap and certificate, and
// solve time, against the publication's method and the other baselines, per profile.
// Run: npx tsx bench/blocks.ts [--large]   (seeded, deterministic instances; bounded runtime)
//   default time limit (2 s) and relative gap (1e-4) unless BLOCKS_TIME_LIMIT_MS / BLOCKS_RELATIVE_GAP
//   are set; --large adds 64–1024 devices.

import { initGlpk } from '../src/solver/math/glpk.js';
import { generateBlocksRequest } from '../src/blocks/generator.js';
import { normalizeBlocksRequest, solveBlocks } from '../src/blocks/index.js';
import type { BlocksRequest, TransformerBlocksModel } from '../src/blocks/request.js';

interface Profile {
  name: string;
  model: TransformerBlocksModel;
  memoryGB: [number, number];
  tflops: [number, number];
  devices: number[];
  maxBlocksPerDevice?: number;
}

const profiles: Profile[] = [
  {
    name: 'roberta-base',
    model: { layers: 12, hiddenSize: 768, tokens: 128, batchSize: 16 },
    memoryGB: [1, 6],
    tflops: [0.5, 4],
    devices: [4, 8, 16, 32, 64],
  },
  {
    name: '7b-like',
    model: { layers: 32, hiddenSize: 4096, tokens: 512, batchSize: 4 },
    memoryGB: [16, 48],
    tflops: [5, 40],
    devices: [4, 8, 16, 32, 64],
  },
  {
    name: '7b-like, ≤ 2 blocks/device',
    model: { layers: 32, hiddenSize: 4096, tokens: 512, batchSize: 4 },
    memoryGB: [16, 48],
    tflops: [5, 40],
    devices: [16, 32],
    maxBlocksPerDevice: 2,
  },
  {
    name: '7b-like, 64 layers',
    model: { layers: 64, hiddenSize: 4096, tokens: 512, batchSize: 4 },
    memoryGB: [16, 64],
    tflops: [5, 40],
    devices: [8, 16, 32],
  },
];
const large: Profile[] = [
  {
    name: '7b-like, 128 layers',
    model: { layers: 128, hiddenSize: 4096, tokens: 512, batchSize: 4 },
    memoryGB: [64, 192],
    tflops: [5, 40],
    devices: [64, 128],
  },
  {
    name: '7b-like, 512 layers',
    model: { layers: 512, hiddenSize: 4096, tokens: 512, batchSize: 4 },
    memoryGB: [256, 768],
    tflops: [5, 40],
    devices: [256, 1024],
  },
  // uploads dominate the round (as bench/limits.ts's blocks sizes): the compute floor is a weak bound there
  {
    name: 'upload-bound (h 1024), 512 layers',
    model: { layers: 512, hiddenSize: 1024, tokens: 128, batchSize: 4 },
    memoryGB: [16, 48],
    tflops: [5, 40],
    devices: [1024],
  },
];

function request(profile: Profile, devices: number, seed: number): BlocksRequest {
  const limit = process.env.BLOCKS_TIME_LIMIT_MS ? { timeLimitMs: Number(process.env.BLOCKS_TIME_LIMIT_MS) } : {};
  const gap = process.env.BLOCKS_RELATIVE_GAP ? { relativeGap: Number(process.env.BLOCKS_RELATIVE_GAP) } : {};
  const cap = profile.maxBlocksPerDevice !== undefined ? { maxBlocksPerDevice: profile.maxBlocksPerDevice } : {};
  return generateBlocksRequest(seed, {
    model: profile.model,
    devices,
    tflops: profile.tflops,
    memoryGB: profile.memoryGB,
    options: { ...limit, ...gap, ...cap },
  });
}

await initGlpk();
const names = ['publication', 'equal-bandwidth', 'round-robin', 'single-device'] as const;
const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));
const header = [
  'profile',
  'K',
  'status',
  'termination',
  'ours (s)',
  'bound (s)',
  'gap',
  'certified',
  ...names.map((n) => `${n} ×`),
  'solve ms',
];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
const t0 = performance.now();
for (const profile of [...profiles, ...(process.argv.includes('--large') ? large : [])]) {
  for (const K of profile.devices) {
    const input = normalizeBlocksRequest(request(profile, K, 1000 + K));
    const res = solveBlocks(input);
    const ours = res.roundLatencyS;
    const ratios = names.map((n) => {
      const b = res.baselines.find((x) => x.name === n)?.roundLatencyS;
      return b === null || b === undefined || ours === undefined ? '—' : (b / ours).toFixed(3);
    });
    const c = res.certificate;
    const certified = !c ? '—' : c.level === 'optimal' ? `yes (${c.method})` : `no: ${c.stoppedBy ?? '?'} (${c.method})`;
    console.log(
      `| ${profile.name} | ${K} | ${res.status}${res.limit ? `/${res.limit}` : ''} | ${(res as { termination?: string }).termination ?? '—'} | ${fmt(ours, 6)} | ${fmt(res.bound, 6)} | ${res.gap === undefined ? '—' : (100 * res.gap).toFixed(4) + '%'} | ${certified} | ${ratios.join(' | ')} | ${res.solver.solveTimeMs.toFixed(0)} |`,
    );
  }
}
console.log(`\nratios are baseline / ours (≥ 1 means ours is faster); total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
