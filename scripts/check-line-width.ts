// Fails when a line of src/ is wider than Biome's lineWidth. Biome re-wraps code but leaves long
// strings and comments as they are, so without this check they creep back.
// Run: npm run lint (after biome check)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const { formatter } = JSON.parse(readFileSync('biome.json', 'utf8')) as { formatter: { lineWidth: number } };

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const wide: string[] = [];
for (const file of sources('src')) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > formatter.lineWidth) wide.push(`${file}:${i + 1}: ${line.length} characters`);
    });
}
if (wide.length > 0) {
  console.error(`lines wider than ${formatter.lineWidth} (biome.json formatter.lineWidth):\n${wide.join('\n')}`);
  process.exit(1);
}
console.log(`no line of src/ is wider than ${formatter.lineWidth} characters`);
