// Builds the operator console into dist/console: the esbuild bundle of console/src (Observable
// Plot included, so the page needs no network), index.html, the style sheet, and examples.json
// (the shipped example bodies). Run by `npm run build`; the browser test calls buildConsole() too.
// Nothing generated is checked in: the build takes about a second.
//   npx tsx scripts/build-console.ts [outDir]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/routes/console.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';

const root = packageRoot();

/** The example picker's entries, in order; the first is loaded when the page opens. */
export function consoleExamples() {
  const read = (name: string) => JSON.parse(readFileSync(join(root, 'examples', name), 'utf8')) as unknown;
  return [
    { id: 'paper-scale', label: 'paper scale: 50 devices, 10 servers, 32 layers', body: read('paper-scale.json') },
    { id: 'small', label: 'small: 6 devices, 2 servers, 8 layers', body: read('small.json') },
    { id: 'blocks', label: 'block allocation (docs/model.md §2): 4 devices, 12 layers', body: BLOCKS_REQUEST_EXAMPLE },
  ];
}

export async function buildConsole(outDir = join(root, 'dist', 'console')): Promise<{ outDir: string; bundleBytes: number }> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'console', 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: join(outDir, 'app.js'),
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'console', file), join(outDir, file));
  writeFileSync(join(outDir, 'examples.json'), JSON.stringify(consoleExamples()));
  const bundleBytes = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('app.js'))?.[1].bytes ?? 0;
  return { outDir, bundleBytes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildConsole(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`console built in ${out.outDir} (app.js ${(out.bundleBytes / 1024).toFixed(0)} KiB)`);
}
