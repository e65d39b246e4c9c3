// One server's two budgets re-split for a given allocation: every device's server, split layer,
// training mode and local frequency held, its bandwidth, transmit power and server frequency
// re-optimised (the same convex splits the solver makes, src/solver/resources/shares.ts). The
// prices of the two budget rows are the objective's derivative in the budgets (envelope theorem);
// the re-split at a scaled budget gives the physical sums' change.

import { modeWorkload } from '../../model/cost.js';
import type { DeviceDecision, Instance, Weights } from '../../model/types.js';
import { delayWeights, edgeLoadPerLayer, uplinkParams, type DeviceModel, type ModeOption } from '../pricing/device-model.js';
import { shareBandwidth, shareServerFrequency, unconstrainedFrequency, type EdgeLoad } from '../resources/shares.js';
import { rateBps, uplinkCost, uplinkSlope, type UplinkParams } from '../resources/uplink.js';

/** A device as the re-split sees it on one server. */
export interface BudgetMember {
  device: number;
  uplink: UplinkParams;
  edge: EdgeLoad;
  /** held devices keep their shares (a binding deadline needs them); the others share the rest */
  held: boolean;
  bandwidthHz: number;
  serverFrequencyHz: number;
}

export interface BudgetOutcome {
  /** weighted uplink + edge cost of the server's devices (objective units) */
  cost: number;
  /** the objective's totals counted on this server's uplinks and edge: s and J */
  delayS: number;
  energyJ: number;
  /** multipliers of the two budget rows: −d cost / d budget, per Hz */
  bandwidthPrice: number;
  frequencyPrice: number;
  /**
   * Server frequency past which more of it gains nothing: the free devices' unconstrained optima
   * (where a device stops wanting more) plus the held devices' shares.
   */
  frequencySaturationHz: number;
  /** each member's bandwidth and server frequency after the re-split, in member order */
  bandwidthShares: number[];
  frequencyShares: number[];
}

/** The server-side view of device n on `server` with its decisions held (no deadline multiplier). */
export function budgetMember(
  instance: Instance,
  weights: Weights,
  n: number,
  server: number,
  dec: DeviceDecision,
  held: boolean,
): BudgetMember {
  const device = instance.devices[n];
  const work = modeWorkload(instance, device, dec.mode);
  const option: ModeOption = { mode: dec.mode, key: '', uplinkKind: dec.mode.kind === 'backprop' ? 'bp' : 'zo', work, splits: [] };
  const model: DeviceModel = { index: n, device, options: [option], servers: [], serversByGain: [] };
  const dw = delayWeights(instance, weights, 0);
  return {
    device: n,
    uplink: uplinkParams(instance, model, option, server, weights, dw),
    edge: { load: (instance.layers - dec.splitLayer) * edgeLoadPerLayer(instance, option, server), delayWeight: dw.compute },
    held,
    bandwidthHz: dec.bandwidthHz,
    serverFrequencyHz: dec.serverFrequencyHz,
  };
}

/**
 * Re-split `server`'s budgets, scaled by the two factors, among `members`. Held members keep their
 * shares (when those exceed the scaled budget the free members get a sliver: the caller only
 * scales by small factors); the free ones split what is left optimally.
 */
export function resplit(
  instance: Instance,
  weights: Weights,
  server: number,
  members: BudgetMember[],
  bandwidthFactor = 1,
  frequencyFactor = 1,
): BudgetOutcome {
  const s = instance.servers[server];
  const eKappa = weights.energy * s.kappa;
  const free = members.filter((m) => !m.held);
  let heldBandwidth = 0;
  let heldFrequency = 0;
  for (const m of members) {
    if (!m.held) continue;
    heldBandwidth += m.bandwidthHz;
    heldFrequency += m.serverFrequencyHz;
  }
  const bandwidthHz = Math.max(s.bandwidthHz * bandwidthFactor - heldBandwidth, s.bandwidthHz * 1e-9);
  const frequencyHz = Math.max(s.frequencyHz * frequencyFactor - heldFrequency, s.frequencyHz * 1e-9);
  const bw = shareBandwidth(
    free.map((m) => m.uplink),
    bandwidthHz,
  );
  const fr = shareServerFrequency(
    free.map((m) => m.edge),
    eKappa,
    frequencyHz,
  );
  let saturation = heldFrequency;
  for (const m of free) saturation += unconstrainedFrequency(m.edge, eKappa);
  const out: BudgetOutcome = {
    cost: 0,
    delayS: 0,
    energyJ: 0,
    bandwidthPrice: bw.price,
    frequencyPrice: fr.price,
    frequencySaturationHz: saturation,
    bandwidthShares: [],
    frequencyShares: [],
  };
  let i = 0;
  for (const m of members) {
    const b = m.held ? m.bandwidthHz : bw.shares[i];
    const f = m.held ? m.serverFrequencyHz : fr.shares[i++];
    out.bandwidthShares.push(b);
    out.frequencyShares.push(f);
    add(out, instance, weights, s.kappa, m, b, f);
  }
  return out;
}

/** Relative step of the finite differences in one device's share. */
const STEP = 1e-4;

/** A device's physical uplink delay (as the totals count it) and energy at bandwidth b, power re-optimised. */
function uplinkPhysical(instance: Instance, u: UplinkParams, b: number): { delayS: number; energyJ: number } {
  const { powerW } = uplinkCost(u, b);
  const delayS = u.bits / rateBps(u, b, powerW);
  return { delayS: instance.includeUplinkDelay ? delayS : 0, energyJ: powerW * delayS };
}

interface PhysicalSlopes {
  /** d(total delay)/d budget and d(total energy)/d budget, per Hz, along the optimal re-split */
  bandwidth: { delayS: number; energyJ: number };
  frequency: { delayS: number; energyJ: number };
  /** d²objective/d budget², per Hz²: 1/Σ(1/U_n″) over the free devices (0 where the budget does not bind) */
  bandwidthCurvature: number;
  frequencyCurvature: number;
}

/**
 * How the physical sums move when a budget grows and the free devices re-split it optimally. At
 * the optimum every free device's marginal cost equals the price; keeping that as the budget
 * grows gives each device the share db_n/dW = (1/U_n'')/Σ_k(1/U_k'') of the addition (implicit
 * function theorem). Second derivatives and physical slopes by central differences in each share.
 */
export function physicalSlopes(
  instance: Instance,
  weights: Weights,
  server: number,
  members: BudgetMember[],
  outcome: BudgetOutcome,
): PhysicalSlopes {
  const kappa = instance.servers[server].kappa;
  const eKappa = weights.energy * kappa;
  const out: PhysicalSlopes = {
    bandwidth: { delayS: 0, energyJ: 0 },
    frequency: { delayS: 0, energyJ: 0 },
    bandwidthCurvature: 0,
    frequencyCurvature: 0,
  };
  if (outcome.bandwidthPrice > 0) {
    let total = 0;
    const terms: { inverse: number; delayS: number; energyJ: number }[] = [];
    members.forEach((m, i) => {
      if (m.held) return;
      const b = outcome.bandwidthShares[i];
      const h = b * STEP;
      const curvature = (uplinkSlope(m.uplink, b + h) - uplinkSlope(m.uplink, b - h)) / (2 * h);
      if (!(curvature > 0)) return; // flat: it takes none of the addition
      const up = uplinkPhysical(instance, m.uplink, b + h);
      const down = uplinkPhysical(instance, m.uplink, b - h);
      terms.push({ inverse: 1 / curvature, delayS: (up.delayS - down.delayS) / (2 * h), energyJ: (up.energyJ - down.energyJ) / (2 * h) });
      total += 1 / curvature;
    });
    for (const t of terms) {
      out.bandwidth.delayS += (t.inverse / total) * t.delayS;
      out.bandwidth.energyJ += (t.inverse / total) * t.energyJ;
    }
    // The price falls as the budget grows: −dμ/dW = 1/Σ(1/U″), the objective's second derivative.
    if (total > 0) out.bandwidthCurvature = 1 / total;
  }
  if (outcome.frequencyPrice > 0) {
    let total = 0;
    const terms: { inverse: number; delayS: number; energyJ: number }[] = [];
    members.forEach((m, i) => {
      if (m.held || !(m.edge.load > 0)) return;
      const f = outcome.frequencyShares[i];
      // Edge cost load·(wt/f + eκ·f²): closed-form derivatives.
      const curvature = m.edge.load * ((2 * m.edge.delayWeight) / (f * f * f) + 2 * eKappa);
      if (!(curvature > 0)) return;
      terms.push({ inverse: 1 / curvature, delayS: -m.edge.load / (f * f), energyJ: 2 * kappa * m.edge.load * f });
      total += 1 / curvature;
    });
    for (const t of terms) {
      out.frequency.delayS += (t.inverse / total) * t.delayS;
      out.frequency.energyJ += (t.inverse / total) * t.energyJ;
    }
    if (total > 0) out.frequencyCurvature = 1 / total;
  }
  return out;
}

function add(
  out: BudgetOutcome,
  instance: Instance,
  weights: Weights,
  kappa: number,
  m: BudgetMember,
  bandwidthHz: number,
  frequencyHz: number,
): void {
  const { powerW } = uplinkCost(m.uplink, bandwidthHz);
  const uplinkDelayS = m.uplink.bits / rateBps(m.uplink, bandwidthHz, powerW);
  const uplinkEnergyJ = powerW * uplinkDelayS;
  const edgeDelayS = m.edge.load / frequencyHz;
  const edgeEnergyJ = kappa * m.edge.load * frequencyHz * frequencyHz;
  // The totals' delay leaves the uplink out when the objective does (includeUplinkDelay: false).
  const delayS = (instance.includeUplinkDelay ? uplinkDelayS : 0) + edgeDelayS;
  const energyJ = uplinkEnergyJ + edgeEnergyJ;
  out.delayS += delayS;
  out.energyJ += energyJ;
  out.cost += weights.delay * delayS + weights.energy * energyJ;
}
