// The hook after a solve: insights for an answer that has an allocation (none for INFEASIBLE,
// NO_SOLUTION_FOUND or an empty instance), on the answer's own scales; and the share of the time
// limit they are given, so that solve and insights together keep the limit.

import { objectiveScales } from '../../model/evaluate.js';
import type { AllocateResult, Instance } from '../../model/types.js';
import { computeInsights, decisionsOf } from './index.js';

/**
 * Insights time per device and per server: 30–240 ms at 1000 × 50 with 30-device servers full
 * (slots priced), measured by bench/insights.ts on the 2-core development machine under a load
 * average of about 20; this covers the upper end.
 */
const MS_PER_DEVICE = 0.15;
const MS_PER_SERVER = 2;
/** At most this share of the limit is taken from the solve. */
const MAX_SHARE = 0.25;

/** Milliseconds of the time limit kept back from the solve for the insights. */
export function insightsReserveMs(instance: Instance, timeLimitMs: number): number {
  return Math.min(timeLimitMs * MAX_SHARE, instance.devices.length * MS_PER_DEVICE + instance.servers.length * MS_PER_SERVER);
}

export function withInsights(instance: Instance, result: AllocateResult): AllocateResult {
  if (result.allocations.length === 0 || result.objective === undefined) return result;
  const insights = computeInsights(instance, decisionsOf(instance, result.allocations), objectiveScales(instance, result.reference));
  return { ...result, insights };
}
