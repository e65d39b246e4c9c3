// Server plans → one decision per device (server, split, mode and the four resource amounts).
import type { DeviceDecision } from '../../model/types.js';
import type { PlanContext } from '../pricing/member.js';
import type { ServerPlan } from './server-plan.js';

export function decisionsOfPlans(ctx: PlanContext, plans: readonly ServerPlan[]): DeviceDecision[] {
  const out = new Array<DeviceDecision>(ctx.models.length);
  for (const plan of plans) {
    for (const d of plan.devices) {
      out[d.device] = {
        server: plan.server,
        splitLayer: d.choice.split,
        mode: ctx.models[d.device].options[d.choice.option].mode,
        cpuFrequencyHz: d.cpuFrequencyHz,
        transmitPowerW: d.transmitPowerW,
        bandwidthHz: d.bandwidthHz,
        serverFrequencyHz: d.serverFrequencyHz,
      };
    }
  }
  return out;
}
