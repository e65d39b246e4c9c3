// POST /allocate/evaluate: a given allocation of an /allocate snapshot, scored against the snapshot's bound.
import { requestHash } from '../../cache/key.js';
import { normalizeEvaluateRequest, type EvaluateRequest } from '../../model/evaluate-request.js';
import { minTimeLimitMs } from '../../model/time-floor.js';
import type { EvaluateResult, GivenAllocation, Instance, SolveOptions } from '../../model/types.js';
import { SOLVER_VERSION } from '../../solver/version.js';
import { packInstance, type PackedInstance } from '../transfer.js';
import { defineKind } from './spec.js';

/** The normalised input: the snapshot and the allocation to score. */
interface EvaluateInput {
  instance: Instance;
  options: SolveOptions;
  given: GivenAllocation[];
}

/** On its way to a thread: the instance packed, as allocate's. */
interface EvaluateThreadInput {
  packed: PackedInstance;
  options: SolveOptions;
  given: GivenAllocation[];
}

export const evaluateKind = defineKind<EvaluateRequest, EvaluateInput, EvaluateThreadInput, EvaluateResult>({
  // The bound comes from the allocate solver's pricing: its version.
  solverVersion: SOLVER_VERSION,
  normalize: normalizeEvaluateRequest,
  hash: (input) => requestHash({ kind: 'evaluate', solverVersion: SOLVER_VERSION, input }),
  floorMs: ({ instance }) =>
    minTimeLimitMs({ devices: instance.devices.length, servers: instance.servers.length, layers: instance.layers }),
  toThread: (input, options) => ({ packed: packInstance(input.instance), options, given: input.given }),
});
