// Per device: which of its own limits the allocation sits on, and its share of the objective.

import { peakMemoryBytes } from '../../model/cost.js';
import type { BindingLimit, DeviceDecision, DeviceEvaluation, Instance, Weights } from '../../model/types.js';

/** A deadline counts as binding within this relative slack (the solver stops raising its multiplier at 0.1%). */
const DEADLINE_SLACK = 1e-3;
/** Bounds on continuous decisions count as binding within this relative distance. */
const BOUND_SLACK = 1e-9;

export function deadlineBinds(instance: Instance, n: number, ev: DeviceEvaluation): boolean {
  const d = instance.devices[n].deadlineS;
  return d !== null && ev.physicalDelayS >= d * (1 - DEADLINE_SLACK);
}

export function bindingLimits(instance: Instance, n: number, dec: DeviceDecision, ev: DeviceEvaluation): BindingLimit[] {
  const d = instance.devices[n];
  const out: BindingLimit[] = [];
  if (deadlineBinds(instance, n, ev)) out.push('deadline');
  // Memory binds when one more local layer (a larger split) would not fit.
  if (
    d.memoryBytes !== null &&
    dec.splitLayer < d.maxSplitLayer &&
    peakMemoryBytes(instance, d, dec.splitLayer + 1, dec.mode) > d.memoryBytes
  )
    out.push('memory');
  if (dec.cpuFrequencyHz >= d.maxFrequencyHz * (1 - BOUND_SLACK)) out.push('maxFrequency');
  else if (d.minFrequencyHz > 0 && dec.cpuFrequencyHz <= d.minFrequencyHz * (1 + BOUND_SLACK)) out.push('minFrequency');
  if (dec.transmitPowerW >= d.maxPowerW * (1 - BOUND_SLACK)) out.push('maxPower');
  else if (d.minPowerW > 0 && dec.transmitPowerW <= d.minPowerW * (1 + BOUND_SLACK)) out.push('minPower');
  if (dec.splitLayer <= d.minSplitLayer) out.push('minSplitLayer');
  if (dec.splitLayer >= d.maxSplitLayer) out.push('maxSplitLayer');
  if (instance.previous?.pinned[n]) out.push('pinned');
  return out;
}

/** The device's weighted delay, energy and stability (objective units). */
export function deviceObjective(weights: Weights, ev: DeviceEvaluation): number {
  return weights.delay * ev.delayS.total + weights.energy * ev.energyJ.total + weights.stability * ev.stabilityBound;
}
