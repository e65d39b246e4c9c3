// "Generate one": the service's own seeded generator (src/model/generator.ts, pure, so it runs in
// the browser too) with the settings of the shipped examples (scripts/make-examples.ts).
import { generateRequest } from '../../src/model/generator.js';
import type { AllocateRequest } from './types.js';

export function generatedSnapshot(devices: number, servers: number, seed: number): AllocateRequest {
  return generateRequest(seed, {
    devices,
    servers,
    layers: 32,
    objective: { weights: { delay: 1, energy: 1, stability: 1 }, normalize: true, lipschitz: 1, includeUplinkDelay: true },
    options: { timeLimitMs: 2000, baselines: true },
  });
}
