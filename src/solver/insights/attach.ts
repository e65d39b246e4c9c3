// The hook after a solve: insights for an answer that has an allocation (none for INFEASIBLE,
// NO_SOLUTION_FOUND or an empty instance), on the answer's own scales.

import { objectiveScales } from '../../model/evaluate.js';
import type { AllocateResult, Instance } from '../../model/types.js';
import { computeInsights, decisionsOf } from './index.js';

export function withInsights(instance: Instance, result: AllocateResult): AllocateResult {
  if (result.allocations.length === 0 || result.objective === undefined) return result;
  const insights = computeInsights(instance, decisionsOf(instance, result.allocations), objectiveScales(instance, result.reference));
  return { ...result, insights };
}
