// Exact answer by enumerating all K^J assignments (small instances only), each under its optimal
// bandwidth split. Used by solveBlocks when K^J is tiny, and as a reference in tests.

import { type BlocksModel, evaluateOptimalSplit } from './cost.js';
import type { BlockAssignment } from './types.js';
import { solverPerformanceNow } from '../solver/control.js';

export function exhaustiveBlocks(
  model: BlocksModel,
  cap: number,
  deadline = Infinity,
): { assignment: BlockAssignment | null; roundLatencyS: number; complete: boolean } {
  const { J, K } = model;
  const owner = new Int32Array(J + 1);
  let best: BlockAssignment | null = null;
  let bestT = Infinity;
  let complete = true;
  const total = K ** J;
  for (let code = 0; code < total; code++) {
    if ((code & 1023) === 0 && solverPerformanceNow() > deadline) {
      complete = false;
      break;
    }
    let c = code;
    for (let j = 1; j <= J; j++) {
      owner[j] = c % K;
      c = Math.floor(c / K);
    }
    const sets: BlockAssignment = Array.from({ length: K }, () => []);
    for (let j = 1; j <= J; j++) sets[owner[j]].push(j);
    let ok = true;
    for (let k = 0; k < K && ok; k++) {
      if (sets[k].length > cap) ok = false;
      else if (sets[k].length > 0 && model.minDepth[k] > sets[k][0]) ok = false;
    }
    if (!ok) continue;
    const T = evaluateOptimalSplit(model, sets).roundLatencyS;
    if (T < bestT) {
      bestT = T;
      best = sets;
    }
  }
  return { assignment: best, roundLatencyS: bestT, complete };
}
