// The solve control channel: a stop makes every deadline pass; progress is throttled and keeps the
// best values; the shared-buffer form carries both across threads.
import { describe, expect, it } from 'vitest';
import {
  PROGRESS_INTERVAL_MS,
  reportProgress,
  runWithControl,
  solverNow,
  stopRequested,
  type SolveProgress,
} from '../src/solver/control.js';
import {
  createControlBuffer,
  hasStarted,
  markStarted,
  readProgress,
  requestStop,
  startedAt,
  stopWasRequested,
  writeProgress,
} from '../src/backends/threads/control-buffer.js';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { solveAllocate } from '../src/solver/index.js';

describe('solve control', () => {
  it('solverNow is the clock until a stop, then later than any deadline', () => {
    let stop = false;
    runWithControl({ shouldStop: () => stop }, () => {
      expect(Math.abs(solverNow() - Date.now())).toBeLessThan(50);
      stop = true;
      expect(stopRequested()).toBe(true);
      expect(solverNow()).toBeGreaterThan(Date.now() + 1e12);
    });
    expect(stopRequested()).toBe(false); // no control outside a solve
  });

  it('throttles progress and never reports a worse objective or bound than seen', () => {
    const seen: SolveProgress[] = [];
    runWithControl({ shouldStop: () => false, onProgress: (p) => seen.push(p) }, () => {
      reportProgress({ phase: 'search', objective: 10 }, true);
      reportProgress({ phase: 'search', objective: 9 }); // within the interval: dropped
      reportProgress({ phase: 'search', objective: 12, bound: 5 }, true);
    });
    expect(seen).toEqual([
      { phase: 'search', objective: 10 },
      { phase: 'search', objective: 9, bound: 5 },
    ]);
    expect(PROGRESS_INTERVAL_MS).toBe(250);
  });

  it('the shared buffer carries stop, start and progress', () => {
    const buffer = createControlBuffer();
    expect(readProgress(buffer)).toBeNull();
    expect(stopWasRequested(buffer) || hasStarted(buffer)).toBe(false);
    expect(startedAt(buffer)).toBeUndefined();
    markStarted(buffer, 1_700_000_000_123);
    expect(startedAt(buffer)).toBe(1_700_000_000_123); // when the thread took it up, for elapsedMs
    writeProgress(buffer, { phase: 'bound', objective: 2, bound: 1.5 }, 1234);
    expect(readProgress(buffer)).toEqual({ phase: 'bound', objective: 2, bound: 1.5, at: 1234, sequence: 1 });
    requestStop(buffer);
    expect(stopWasRequested(buffer) && hasStarted(buffer)).toBe(true);
  });

  it('a stopped solve answers early with a feasible allocation; progress objectives are on the scale of the answer', async () => {
    // relativeGap 0: still solving at the stop (at the default tolerance it may be proven within 400 ms).
    const { instance, options } = normalize({
      ...generateRequest(5, { devices: 300, servers: 15 }),
      options: { baselines: false, relativeGap: 0 },
    });
    const t0 = Date.now();
    const progress: SolveProgress[] = [];
    const result = await solveAllocate(
      instance,
      { ...options, timeLimitMs: 30_000 },
      // Stopped 400 ms in, and not before the first plan is reported (a loaded machine may take longer to it).
      { shouldStop: () => Date.now() - t0 > 400 && progress.length > 0, onProgress: (p) => progress.push(p) },
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(result.limit).toBe('TIME');
    expect(result.allocations).toHaveLength(300);
    const last = progress.at(-1)!;
    expect(last.phase).toBe('done');
    expect(last.objective).toBeCloseTo(result.objective!, 9);
    for (const p of progress) if (p.objective !== undefined) expect(p.objective).toBeGreaterThanOrEqual(result.objective! * (1 - 1e-9));
  });

  it('a stop already set when the solve starts ends it at once, marked time-limited, with a real solve time', async () => {
    // The clock's start is real time: a stop before it exists must not push every deadline past the stopped clock.
    const { instance, options } = normalize({
      ...generateRequest(5, { devices: 300, servers: 20 }),
      options: { baselines: false, timeLimitMs: 5000 },
    });
    const t0 = Date.now();
    const result = await solveAllocate(instance, options, { shouldStop: () => true });
    const wallMs = Date.now() - t0;
    expect(wallMs).toBeLessThan(2500); // the whole limit would be 5 s
    expect(result.limit).toBe('TIME');
    expect(result.solver.solveTimeMs).toBeGreaterThanOrEqual(0);
    expect(result.solver.solveTimeMs).toBeLessThan(wallMs + 1);
  });
});
