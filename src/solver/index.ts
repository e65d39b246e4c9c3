// Entry point of the pure solver: Instance + options → AllocateResult. No HTTP, no I/O.
// GLPK is loaded once per thread (it is WebAssembly); call this from a worker thread.
import type { AllocateResult, Instance, SolveOptions } from '../model/types.js';
import { solveAuto, type SolveRuntime } from './auto.js';
import { runWithControl, type SolveControl } from './control.js';
import { initGlpk } from './math/glpk.js';
import { insightsReserveMs, withInsights } from './insights/attach.js';

import { MODEL_VERSION, SOLVER_VERSION } from './version.js';

export { SOLVER_VERSION };

export type { SolveRuntime };

/**
 * `control` (optional) receives progress and can stop the solve early (see control.ts); `runtime`
 * (optional) lends it more than its own thread (auto.ts SolveRuntime).
 */
export async function solveAllocate(
  instance: Instance,
  options: SolveOptions,
  control?: SolveControl,
  runtime: SolveRuntime = {},
): Promise<AllocateResult> {
  await initGlpk();
  const versions = { algorithm: options.algorithm, version: `${SOLVER_VERSION} (model ${MODEL_VERSION})` };
  if (!options.insights) return runWithControl(control, () => solveAuto(instance, options, versions, runtime));
  // The insights run after the solve, inside the same limit: the solve gets the rest.
  const timeLimitMs = Math.max(0, Math.floor(options.timeLimitMs - insightsReserveMs(instance, options.timeLimitMs)));
  const result = runWithControl(control, () => solveAuto(instance, { ...options, timeLimitMs }, versions, runtime));
  return withInsights(instance, result);
}
