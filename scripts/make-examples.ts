// Writes the shipped example bodies from the seeded generator (src/model/generator.ts):
//   examples/paper-scale.json — the publication's settings (docs/model.md §3): 50 devices,
//                               10 servers, 32 layers, positions in a 500 m × 500 m square,
//                               seed 2024;
//   examples/small.json       — the same physics at 6 devices, 2 servers, 8 layers, seed 7.
// Run: npx tsx scripts/make-examples.ts   (deterministic: re-running changes nothing)
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRequest } from '../src/model/generator.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'examples');
mkdirSync(outDir, { recursive: true });

const objective = { weights: { delay: 1, energy: 1, stability: 1 }, normalize: true, lipschitz: 1, includeUplinkDelay: true };
const options = { timeLimitMs: 2000, baselines: true };

const examples = {
  'paper-scale.json': generateRequest(2024, { devices: 50, servers: 10, layers: 32, objective, options }),
  'small.json': generateRequest(7, { devices: 6, servers: 2, layers: 8, objective, options }),
};

for (const [name, body] of Object.entries(examples)) {
  const file = join(outDir, name);
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  console.log(`wrote ${file}: ${body.devices.length} devices, ${body.servers.length} servers, ${body.model.layers} layers`);
}
