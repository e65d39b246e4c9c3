// Runs inside a piscina worker thread: the only place solvers (and GLPK's synchronous WebAssembly)
// execute, so the event loop keeps answering while they work. Main-thread code imports types only.
import { threadId, type MessagePort } from 'node:worker_threads';
import { evaluate, objectiveScales } from '../../model/evaluate.js';
import type { DeviceDecision, Instance } from '../../model/types.js';
import { evaluateAllocation } from '../../solver/assess.js';
import type { BestSoFar } from '../../solve/types.js';
import { allocationsOf } from '../../solver/result.js';
import { solveBlocks } from '../../blocks/index.js';
import type { BlocksInput } from '../../blocks/types.js';
import type { ProblemKind, ResultOf, ThreadInputOf } from '../../solve/kinds/index.js';
import { runWithControl, type SolveControl } from '../../solver/control.js';
import { initGlpk, isGlpkReady } from '../../solver/math/glpk.js';
import { solveAllocate } from '../../solver/index.js';
import { minBlocksTimeLimitMs } from '../../model/time-floor.js';
import { drainWasRequested, markStarted, readProgress, stopWasRequested, writeProgress } from './control-buffer.js';
import { answerReserveMs, remainingLimitMs } from '../../solve/time-budget.js';
import { packedDeviceCount, unpackInstance } from '../../solve/transfer.js';
import { warmUpEnabled, warmUpSolver, type WarmUpSolve } from './warm-up.js';
import { largeForPricingAt } from '../../solver/bound/anytime.js';
import { coresToLend, idleCore, parallelPasses, startPassHelper, type PassHelper } from './parallel-passes.js';

// One GLPK WebAssembly instance per worker thread, loaded when the thread starts so the first
// request does not pay for it; tasks wait for this module (and so for GLPK and the warm-up solve)
// to finish loading, and the pool reports ready only once every thread has answered.
await initGlpk();
/** Each warm-up solve: size, limit, wall time (run at the end of this module, through solve() itself). */
let warmUp: WarmUpSolve[] | undefined;

/** When a task's time counts from (epoch ms), and when its answer is due if not at the end of its limit. */
interface TaskTiming {
  receivedAt?: number;
  deadlineAt?: number;
}

/** The shared buffers a task brings: its own control buffer, and the backend's count of solves admitted or queued. */
interface TaskShared {
  control?: SharedArrayBuffer;
  occupancy?: SharedArrayBuffer;
}

/** This thread's pass helper (parallel-passes.ts): started at its first large solve found alone, then kept. */
let passHelper: PassHelper | undefined;

/** Whether the backend has no solve but this one admitted or queued, and the machine a core idle. */
function aloneIn(occupancy: SharedArrayBuffer): () => boolean {
  const count = new Int32Array(occupancy);
  return () => Atomics.load(count, 0) <= 1 && idleCore();
}

/** Posts each incumbent as the answer's allocations would show it (evaluated here, where the instance is). */
function incumbentSender(instance: Instance, port: MessagePort): (decisions: DeviceDecision[]) => void {
  const startedAt = Date.now();
  const scales = objectiveScales(instance);
  return (decisions) => {
    const ev = evaluate(instance, decisions, scales);
    const best: BestSoFar = {
      objective: ev.objective,
      totals: ev.totals,
      allocations: allocationsOf(instance, decisions, ev),
      elapsedMs: Date.now() - startedAt,
    };
    port.postMessage(best);
  };
}

/** A thread's solve function for kind K: its input as the kind sends it (toThread), its answer as the kind declares it. */
type ThreadSolver<K extends ProblemKind> = (
  input: ThreadInputOf<K>,
  timing: TaskTiming,
  control?: SolveControl,
  incumbents?: MessagePort,
  shared?: TaskShared,
) => ResultOf<K> | Promise<ResultOf<K>>;

// One entry per problem kind of solve/kinds/index.ts (the compiler insists), plus ping.
const solvers = {
  allocate: async (
    input: ThreadInputOf<'allocate'>,
    timing: TaskTiming,
    control?: SolveControl,
    incumbents?: MessagePort,
    shared: TaskShared = {},
  ) => {
    const instance = unpackInstance(input.packed);
    // A large solve alone may split its bound passes with this thread's helper (docs/time-limits.md).
    const { occupancy } = shared;
    const lend = occupancy !== undefined && largeForPricingAt(instance.devices.length, instance.servers.length) && coresToLend();
    const alone = lend ? aloneIn(occupancy) : undefined;
    if (alone && passHelper?.broken) passHelper = undefined;
    if (alone && passHelper === undefined && alone()) passHelper = startPassHelper();
    const passes = alone && passHelper ? parallelPasses(passHelper, { packed: input.packed, control: shared.control, alone }) : undefined;
    try {
      return await solveAllocate(
        instance,
        {
          ...input.options,
          timeLimitMs:
            timing.deadlineAt === undefined
              ? remainingLimitMs(input.options.timeLimitMs, timing.receivedAt, Date.now(), answerReserveMs(packedDeviceCount(input.packed)))
              : Math.max(0, Math.floor(timing.deadlineAt - Date.now())),
        },
        control && incumbents ? { ...control, onIncumbent: incumbentSender(instance, incumbents) } : control,
        passes ? { devicePasses: passes } : {},
      );
    } finally {
      passes?.end();
    }
  },
  // GLPK is already loaded above; awaiting it again (idempotent) makes the LP bound independent of
  // how this module was loaded. Without GLPK solveBlocks would fall back to a weaker bound.
  blocks: async (input: ThreadInputOf<'blocks'>, timing: TaskTiming, control?: SolveControl) => {
    await initGlpk();
    const remaining = remainingLimitMs(
      input.options.timeLimitMs,
      timing.receivedAt,
      Date.now(),
      answerReserveMs(input.instance.devices.length),
    );
    const due = timing.deadlineAt === undefined ? remaining : Math.min(remaining, Math.max(0, Math.floor(timing.deadlineAt - Date.now())));
    const options = { ...input.options, timeLimitMs: due };
    return runWithControl(control, () => solveBlocks({ ...input, options }));
  },
  // The bound searches within the time limit; scoring itself is linear in the devices.
  evaluate: (input: ThreadInputOf<'evaluate'>, timing: TaskTiming) =>
    evaluateAllocation(
      unpackInstance(input.packed),
      input.given,
      remainingLimitMs(input.options.timeLimitMs, timing.receivedAt, Date.now(), answerReserveMs(packedDeviceCount(input.packed))),
    ),
  /** Proves a worker loaded this module and runs off the main thread (tests, diagnostics). */
  ping: (_input: undefined) => ({ threadId, pid: process.pid, glpkReady: isGlpkReady(), ...(warmUp !== undefined ? { warmUp } : {}) }),
} satisfies { [K in ProblemKind]: ThreadSolver<K> } & { ping: (input: undefined) => unknown };

/** What a thread runs: a problem kind, or ping. */
export type ThreadTaskKind = keyof typeof solvers;
export type SolverInput<K extends ThreadTaskKind> = Parameters<(typeof solvers)[K]>[0];

/**
 * What crosses the thread boundary: a discriminated union over the kinds above. `receivedAt`
 * (epoch ms) is when the service received the request; `deadlineAt` (epoch ms), when given, is
 * when this task's answer is due (a Pareto point's slot). Neither is part of the problem (not hashed).
 * `control` is the shared stop/progress buffer of control-buffer.ts.
 */
export type SolveTask = {
  [K in ThreadTaskKind]: {
    kind: K;
    input: SolverInput<K>;
    receivedAt?: number;
    deadlineAt?: number;
    control?: SharedArrayBuffer;
    incumbents?: MessagePort;
    /** the backend's count of solves admitted or queued (Int32 [0]): a large solve alone may lend a core */
    occupancy?: SharedArrayBuffer;
  };
}[ThreadTaskKind];

/** Answered instead of a result when the task was cancelled before a thread took it up. */
export const NOT_STARTED = { notStarted: true } as const;

/**
 * Blocks solves report no objective while they search: during a drain one gets this long (twice
 * its size's floor, docs/time-limits.md; at least 50 ms) before it is stopped for its plan.
 */
function quickBlocksPlanMs(input: BlocksInput): number {
  return Math.max(50, 2 * minBlocksTimeLimitMs(input.instance.devices.length, input.instance.blocks.length));
}

/**
 * When a drain stops this solve: allocate solves once their first feasible plan exists (it is
 * published as progress; stopped before it they would have nothing to answer), blocks solves after
 * their quick-plan time.
 */
function drainStopReady(task: SolveTask, buffer: SharedArrayBuffer, startedAt: number): () => boolean {
  if (task.kind === 'blocks') {
    const readyAt = startedAt + quickBlocksPlanMs(task.input);
    return () => Date.now() >= readyAt;
  }
  return () => readProgress(buffer)?.objective !== undefined;
}

export default function solve(task: SolveTask): unknown {
  if (!Object.hasOwn(solvers, task.kind)) throw new Error(`unknown problem kind "${String(task.kind)}"`);
  const solver = solvers[task.kind] as (
    input: unknown,
    timing: TaskTiming,
    control?: SolveControl,
    incumbents?: MessagePort,
    shared?: TaskShared,
  ) => unknown;
  const timing = { receivedAt: task.receivedAt, deadlineAt: task.deadlineAt };
  const buffer = task.control;
  if (buffer === undefined) return solver(task.input, timing);
  // A stop before the start: nobody waits, so nothing runs. A drain (shutdown) is different: the
  // caller still waits, so the solve runs until it has a plan to answer with, running or not yet.
  if (stopWasRequested(buffer) && !drainWasRequested(buffer)) return NOT_STARTED;
  const startedAt = Date.now();
  markStarted(buffer, startedAt);
  // The owner closes the incumbents port when the task ends (closing one end closes both).
  const drainMayStop = drainStopReady(task, buffer, startedAt);
  return solver(
    task.input,
    timing,
    {
      shouldStop: () => stopWasRequested(buffer) || (drainWasRequested(buffer) && drainMayStop()),
      onProgress: (progress) => writeProgress(buffer, progress),
    },
    task.incumbents,
    { control: buffer, ...(task.occupancy ? { occupancy: task.occupancy } : {}) },
  );
}

// The warm-up, through the entry every task takes; the module (and so the thread) is ready after it.
if (warmUpEnabled()) warmUp = await warmUpSolver((task) => solve(task));
