// Entry point of the pure solver: Instance + options → AllocateResult. No HTTP, no I/O.
// GLPK is loaded once per thread (it is WebAssembly); call this from a worker thread.
import type { AllocateResult, Instance, SolveOptions } from '../model/types.js';
import { solveAuto } from './auto.js';
import { runWithControl, type SolveControl } from './control.js';
import { initGlpk } from './math/glpk.js';
import { withInsights } from './insights/attach.js';

import { MODEL_VERSION, SOLVER_VERSION } from './version.js';

export { MODEL_VERSION, SOLVER_VERSION };

/** `control` (optional) receives progress and can stop the solve early (see control.ts). */
export async function solveAllocate(instance: Instance, options: SolveOptions, control?: SolveControl): Promise<AllocateResult> {
  await initGlpk();
  const result = runWithControl(control, () => solveAuto(instance, options, { algorithm: options.algorithm, version: `${SOLVER_VERSION} (model ${MODEL_VERSION})` }));
  return options.insights ? withInsights(instance, result) : result;
}
