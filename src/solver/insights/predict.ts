// The objective change an insight predicts for capacity added at one server (docs/insights.md).
// Bandwidth: second order, the marginal value and its curvature (the objective is convex in the
// budget: each MHz gains less than the last), no further than where the quadratic's slope would
// reach 0. Frequency: its price falls, nearly linearly, to 0 at the saturation frequency, where
// every device has its own optimum; the prediction integrates that line instead of extrapolating
// the slope past the kink.

import type { ServerInsight } from '../../model/types.js';

export function predictedChange(server: ServerInsight, frequencyHz: number, resource: 'bandwidth' | 'frequency', addedHz: number): number {
  if (resource === 'bandwidth') {
    const slope = server.marginal.bandwidthPerMHz;
    const curvature = server.curvature.bandwidthPerMHz2;
    const mhz = curvature > 0 ? Math.min(addedHz / 1e6, -slope / curvature) : addedHz / 1e6;
    return slope * mhz + 0.5 * curvature * mhz * mhz;
  }
  const slope = server.marginal.frequencyPerGHz;
  const curvature = server.curvature.frequencyPerGHz2;
  if (slope === 0) return 0;
  const room = server.frequencySaturationHz === null ? Infinity : Math.max(0, server.frequencySaturationHz - frequencyHz) / 1e9;
  const ghz = Math.min(addedHz / 1e9, room, curvature > 0 ? -slope / curvature : Infinity);
  return slope * ghz + 0.5 * curvature * ghz * ghz;
}
