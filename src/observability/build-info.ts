// What this process runs: the service's version (package.json), Node's, and the solvers'. Read once;
// exported as the edge_allocator_build_info gauge so dashboards can tell deployments apart.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BLOCKS_SOLVER_VERSION } from '../blocks/version.js';
import { SOLVER_VERSION } from '../solver/version.js';

export interface BuildInfo {
  version: string;
  nodeVersion: string;
  solverVersion: string;
  blocksSolverVersion: string;
}

/** The nearest package.json above this module (src/ in development, dist/src/ in the image). */
function packageVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) return String((JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown');
    if (dirname(dir) === dir) return 'unknown';
  }
}

export const buildInfo = (): BuildInfo => ({
  version: packageVersion(),
  nodeVersion: process.version,
  solverVersion: SOLVER_VERSION,
  blocksSolverVersion: BLOCKS_SOLVER_VERSION,
});
