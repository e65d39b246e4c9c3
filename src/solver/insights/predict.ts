// The objective change an insight predicts for capacity added at one server (docs/insights.md).
// Bandwidth: the marginal value times the amount (its price never reaches 0: more always helps).
// Frequency: its price falls, nearly linearly, to 0 at the saturation frequency, where every
// device has its own optimum; the prediction integrates that line instead of extrapolating the
// slope past the kink.

import type { ServerInsight } from '../../model/types.js';

export function predictedChange(server: ServerInsight, frequencyHz: number, resource: 'bandwidth' | 'frequency', addedHz: number): number {
  if (resource === 'bandwidth') return server.marginal.bandwidthPerMHz * (addedHz / 1e6);
  const slope = server.marginal.frequencyPerGHz / 1e9;
  const saturation = server.frequencySaturationHz;
  if (slope === 0 || saturation === null) return slope * addedHz;
  const room = Math.max(0, saturation - frequencyHz);
  if (room === 0) return 0;
  const used = Math.min(addedHz, room);
  return slope * used * (1 - used / (2 * room));
}
