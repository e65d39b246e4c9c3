// A solver thread's helper thread: prices part of an anytime-bound pass's devices while the solver
// thread prices the rest (parallel-passes.ts). It builds its own copy of a solve's plan context from
// the same packed instance (members and floors are memos: each thread keeps its own), prices the
// slices it is sent with the solver's own code (bound/anytime.ts priceSlice), and answers on its
// port, waking the solver thread through a shared flag (that thread waits synchronously, inside
// the solve). It stops at the pass's deadline, at the solve's stop flag and at a drain once the solve
// has a plan, like the solver thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  createAnytimeBound,
  prepareDevices,
  priceSlice,
  type AnytimeBound,
  type PassSlice,
  type PricedSlice,
} from '../../solver/bound/anytime.js';
import { pricingContext } from '../../solver/auto.js';
import { runWithControl } from '../../solver/control.js';
import { unpackInstance, type PackedInstance } from '../../solve/transfer.js';
import { allocateShouldStop } from './control-buffer.js';

/** Solver thread → helper. */
export type HelperRequest =
  | { type: 'prepare'; session: number; packed: PackedInstance }
  | { type: 'pass'; session: number; seq: number; slices: PassSlice[]; deadlineAt: number; control?: SharedArrayBuffer }
  | { type: 'end'; session: number };

/** Helper → solver thread (each followed by a bump of the shared flag). */
export type HelperReply = { type: 'prepared'; session: number } | { type: 'priced'; session: number; seq: number; priced: PricedSlice[] };

export interface HelperData {
  port: MessagePort;
  /** Int32Array view [0]: replies sent so far (the solver thread waits on it) */
  signal: SharedArrayBuffer;
}

function serve({ port, signal }: HelperData): void {
  const replies = new Int32Array(signal);
  const reply = (message: HelperReply) => {
    port.postMessage(message);
    Atomics.add(replies, 0, 1);
    Atomics.notify(replies, 0);
  };
  let current: { session: number; bound: AnytimeBound } | null = null;
  port.on('message', (request: HelperRequest) => {
    if (request.type === 'prepare') {
      const instance = unpackInstance(request.packed);
      const bound = createAnytimeBound(pricingContext(instance).ctx);
      // The solver thread gives this one the second half of a pass: those devices' data first.
      prepareDevices(bound, Math.floor(instance.devices.length / 2), instance.devices.length);
      current = { session: request.session, bound };
      reply({ type: 'prepared', session: request.session });
    } else if (request.type === 'pass') {
      if (current?.session !== request.session) {
        // Not prepared for this solve (ended, or a prepare still to come): nothing priced.
        reply({ type: 'priced', session: request.session, seq: request.seq, priced: [] });
        return;
      }
      const bound = current.bound;
      const control = request.control;
      const priced = runWithControl(control ? { shouldStop: () => allocateShouldStop(control) } : undefined, () =>
        request.slices.map((slice) => priceSlice(bound, slice, request.deadlineAt)),
      );
      reply({ type: 'priced', session: request.session, seq: request.seq, priced });
    } else if (current?.session === request.session) current = null;
  });
}

if (parentPort !== null && workerData?.port !== undefined) serve(workerData as HelperData);
