// POST /allocate: one snapshot of devices and servers, solved for association, splits and resources.
import { allocateRequestHash } from '../../cache/key.js';
import { normalize } from '../../model/normalize.js';
import type { AllocateRequest } from '../../model/request.js';
import { minTimeLimitMs } from '../../model/time-floor.js';
import type { AllocateResult, Instance, SolveOptions } from '../../model/types.js';
import { SOLVER_VERSION } from '../../solver/version.js';
import { packInstance, type PackedInstance } from '../transfer.js';
import { defineKind } from './spec.js';

/** The instance crosses packed (see transfer.ts); the service hashes it unpacked. */
interface AllocateThreadInput {
  packed: PackedInstance;
  options: SolveOptions;
}

export const allocateKind = defineKind<AllocateRequest, { instance: Instance; options: SolveOptions }, AllocateThreadInput, AllocateResult>(
  {
    solverVersion: SOLVER_VERSION,
    normalize,
    // allocate hashes its long numeric arrays as bytes (fast at 10,000 devices).
    hash: (input) => allocateRequestHash(SOLVER_VERSION, input),
    floorMs: ({ instance }) =>
      minTimeLimitMs({ devices: instance.devices.length, servers: instance.servers.length, layers: instance.layers }),
    // Structured-cloning 10,000 × 500 gains one by one took seconds.
    toThread: (input, options) => ({ packed: packInstance(input.instance), options }),
  },
);
