// A Pareto sweep holds at most paretoMaxParallel solver slots at once, so a 66-point grid does not
// fill the queue ahead of other callers.
import { describe, expect, it } from 'vitest';
import { createSolveService } from '../src/compose.js';
import type { ParetoRequest } from '../src/solve/types.js';
import { smallRequest } from './fixtures/allocate-requests.js';
import { CountingPool, cannedResult } from './fixtures/counting-pool.js';

describe('Pareto budget per request', () => {
  it('a 66-point grid never has more than paretoMaxParallel solves at once, and another caller gets through', async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    class TrackingPool extends CountingPool {
      override async run(task: Parameters<CountingPool['run']>[0]) {
        running += 1;
        peak = Math.max(peak, running);
        const w = (task.input as { packed: { instance: { weights: { delay: number } } } }).packed.instance.weights;
        order.push(w.delay === 0.123 ? 'other' : 'point');
        try {
          return await super.run(task);
        } finally {
          running -= 1;
        }
      }
    }
    const pool = new TrackingPool(5, () => cannedResult());
    const service = createSolveService(
      { redisUrl: undefined, solverThreads: 2, solverMaxQueue: 8, cacheTtlS: 60, cacheMaxEntries: 1000, paretoMaxParallel: 2 },
      { pool },
    );
    try {
      const { objective: _o, ...snapshot } = smallRequest();
      const body = { ...snapshot, pareto: { grid: { steps: 10 } } } as ParetoRequest;
      const sweep = service.allocatePareto(body);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const other = await service.solve('allocate', {
        ...smallRequest(),
        objective: { weights: { delay: 0.123, energy: 0.5, stability: 0.377 } },
      });
      expect(other.cache).toBe('miss');
      const result = await sweep;
      expect(result.points).toHaveLength(66);
      expect(peak).toBeLessThanOrEqual(3); // two sweep points + the other caller
      // The other caller did not wait for the whole sweep.
      expect(order.indexOf('other')).toBeLessThan(20);
    } finally {
      await service.close();
    }
  });
});
