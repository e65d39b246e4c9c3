// Splitting a solve's bound passes with a helper thread, where the solve is alone.
//
// A pass of the anytime bound (solver/bound/anytime.ts) prices each device on its own at fixed
// server prices, so its devices split into ranges. Each solver thread may own one helper thread
// (pass-helper.ts), started at its first large solve and kept. While a solve is the only one this
// process has admitted or queued (decided at the start of every pass, so a solve that gains company
// gives the core back at its next pass), the helper prices the second half of the pending devices
// while this thread prices the first; this thread then waits for the helper's results (synchronously:
// the solve is synchronous code) and takes them in. Each device's result is the one this thread would
// have found, and the pass adds them up in device order, so the bound is the same bits either way.
// The helper stops at the pass's deadline and at the solve's stop flag, like this thread.
import { availableParallelism, loadavg } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { inThreadPasses, pendingDevices, sliceOf, takeSlice, type DevicePasses, type PassSlice } from '../../solver/bound/anytime.js';
import type { PackedInstance } from '../../solve/transfer.js';
import { allocateShouldStop } from './control-buffer.js';
import type { HelperData, HelperReply, HelperRequest } from './pass-helper.js';

/** Pending devices under which a pass is not split (the hand-off would cost more than it saves). */
const MIN_SPLIT_DEVICES = 512;
/** A call with less time than this stays on this thread: the helper would stop before it got going. */
const MIN_SPLIT_MS = 20;
/** How long past the pass's deadline this thread waits for the helper before it prices the rest itself. */
const LATE_HELPER_MS = 100;

/** A solver thread's helper: its port and reply counter; `broken` once it failed to answer in time. */
export interface PassHelper {
  worker: Worker;
  port: MessagePort;
  replies: Int32Array;
  /** replies read so far */
  seen: number;
  /** the session the helper holds a context for (announced by its 'prepared' reply) */
  prepared: number;
  nextSession: number;
  nextSeq: number;
  broken: boolean;
}

/** The helper's module: compiled JavaScript next door, or the shim that loads the TypeScript source. */
function helperFile(moduleUrl: string): URL {
  return moduleUrl.endsWith('.js') ? new URL('./pass-helper.js', moduleUrl) : new URL('./pass-helper-entry.mjs', moduleUrl);
}

/** Whether this machine has a core to lend: one core alone gains nothing from a second thread. */
export function coresToLend(): boolean {
  return availableParallelism() >= 2;
}

/**
 * Whether the machine has a core idle now: its load average over the last minute is under its core
 * count. A solve alone in this service may still share the machine with other processes; there a
 * second thread only takes CPU from its own first one (measured at load 5–7 on 2 cores: the helper
 * building its context slowed the solve's first plan from 0.5–0.6 s to 1.0–1.1 s, and a split pass
 * took as long as the whole pass on one thread). The minute's average lags; it is a coarse guard.
 */
export function idleCore(): boolean {
  return loadavg()[0] < availableParallelism();
}

/** Starts a helper thread (unref'd: it never keeps the process alive). */
export function startPassHelper(): PassHelper {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const data: HelperData = { port: port2, signal };
  const worker = new Worker(helperFile(import.meta.url), { workerData: data, transferList: [port2] });
  worker.unref();
  port1.unref();
  const helper: PassHelper = {
    worker,
    port: port1,
    replies: new Int32Array(signal),
    seen: 0,
    prepared: -1,
    nextSession: 1,
    nextSeq: 1,
    broken: false,
  };
  worker.on('error', () => markBroken(helper));
  worker.on('exit', () => markBroken(helper));
  return helper;
}

/**
 * Gives a helper up: this thread prices alone from now on, and the helper (late, or failed) is
 * terminated, not left running with its copy of a solve's context (a solver thread then starts a
 * new one at its next large solve alone).
 */
export function markBroken(helper: PassHelper): void {
  if (helper.broken) return;
  helper.broken = true;
  void helper.worker.terminate();
  helper.port.close();
}

function post(helper: PassHelper, request: HelperRequest): void {
  helper.port.postMessage(request);
}

/** The next reply, if one has arrived (read without waiting). */
function receive(helper: PassHelper): HelperReply | undefined {
  const message = receiveMessageOnPort(helper.port);
  if (message === undefined) return undefined;
  helper.seen++;
  const reply = message.message as HelperReply;
  if (reply.type === 'prepared') helper.prepared = reply.session;
  return reply;
}

/**
 * Waits (blocking this thread) for the reply to pass `seq`, until `waitUntil` (epoch ms): null past it,
 * 'stopped' once the solve is to stop (a cancel is answered within a wait step, whatever the helper does).
 */
function awaitPriced(
  helper: PassHelper,
  session: number,
  seq: number,
  waitUntil: number,
  control: SharedArrayBuffer | undefined,
): Extract<HelperReply, { type: 'priced' }> | null | 'stopped' {
  for (;;) {
    const reply = receive(helper);
    if (reply !== undefined) {
      if (reply.type === 'priced' && reply.session === session && reply.seq === seq) return reply;
      continue;
    }
    if (control !== undefined && allocateShouldStop(control)) return 'stopped';
    const left = waitUntil - Date.now();
    if (left <= 0 || helper.broken) return null;
    // The counter moves after each reply is posted: wait for it to pass what was read.
    Atomics.wait(helper.replies, 0, helper.seen, Math.min(left, 50));
  }
}

interface SessionOptions {
  packed: PackedInstance;
  /** the solve's control buffer: the helper stops with the solve */
  control?: SharedArrayBuffer;
  /** whether the solve is alone now (nothing else admitted or queued): asked at the start of every pass */
  alone: () => boolean;
}

/** Counts of how a session's passes ran (for tests and benches). */
export interface SplitCounts {
  split: number;
  inThread: number;
}

/** A solve's pass executor with a helper (parallelPasses). */
export interface ParallelPasses extends DevicePasses {
  /** whether the helper holds this solve's context (reads its replies) */
  ready(): boolean;
  /** frees the helper's copy of the context */
  end(): void;
  counts: SplitCounts;
}

/**
 * A solve's pass executor with `helper`: splits a pass when the solve is alone and the helper holds
 * this solve's context. The helper is asked to build it at once when the solve starts alone (it does
 * so while this thread prepares and plans), else at the first pass found alone; until it has
 * answered, passes run here.
 */
export function parallelPasses(helper: PassHelper, options: SessionOptions): ParallelPasses {
  const session = helper.nextSession++;
  let asked = false;
  const counts: SplitCounts = { split: 0, inThread: 0 };
  const prepare = () => {
    if (asked || helper.broken) return;
    asked = true;
    post(helper, { type: 'prepare', session, packed: options.packed });
  };
  if (options.alone()) prepare();
  return {
    counts,
    ready() {
      while (receive(helper) !== undefined);
      return helper.prepared === session;
    },
    run(bound, pass, deadlineAt) {
      while (receive(helper) !== undefined);
      const total = pendingDevices(pass.pending);
      const alone = !helper.broken && total >= MIN_SPLIT_DEVICES && deadlineAt - Date.now() >= MIN_SPLIT_MS && options.alone();
      if (alone) prepare();
      if (!alone || helper.prepared !== session) {
        counts.inThread++;
        return inThreadPasses.run(bound, pass, deadlineAt);
      }
      counts.split++;
      // This thread takes the first half of the pending devices, the helper the rest.
      const mine: number[] = [];
      const theirs: PassSlice[] = [];
      let left = total - Math.floor(total / 2);
      for (let i = 0; i < pass.pending.length; i += 2) {
        const from = pass.pending[i];
        const to = pass.pending[i + 1];
        const take = Math.min(left, to - from);
        if (take > 0) mine.push(from, from + take);
        if (from + take < to) theirs.push(sliceOf(bound, pass, from + take, to));
        left -= take;
      }
      const seq = helper.nextSeq++;
      post(helper, { type: 'pass', session, seq, slices: theirs, deadlineAt, ...(options.control ? { control: options.control } : {}) });
      const startedAt = Date.now();
      pass.pending = mine;
      inThreadPasses.run(bound, pass, deadlineAt);
      const mineMs = Date.now() - startedAt;
      // The helper has about as much to do: wait for it a while (never long past the deadline).
      const waitUntil = Math.min(deadlineAt + LATE_HELPER_MS, Date.now() + Math.max(4 * mineMs, 2000));
      const awaited = awaitPriced(helper, session, seq, waitUntil, options.control);
      if (awaited === null) markBroken(helper); // too slow or gone: this thread prices alone from now on
      // Stopped: the helper's devices stay pending (the solve is ending; its late reply is skipped by seq).
      const reply = awaited === 'stopped' ? null : awaited;
      const rest: number[] = [];
      theirs.forEach((slice, k) => {
        const priced = reply?.priced[k];
        if (priced) takeSlice(bound, pass, priced);
        const done = priced?.done ?? 0;
        if (slice.from + done < slice.to) rest.push(slice.from + done, slice.to);
      });
      pass.pending = sortRanges([...pass.pending, ...rest]);
    },
    end() {
      if (asked && !helper.broken) post(helper, { type: 'end', session });
    },
  };
}

/** Ranges (flat from, to pairs) in device order. */
function sortRanges(flat: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  return pairs.flat();
}
