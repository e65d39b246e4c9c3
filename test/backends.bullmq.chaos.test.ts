// The chaos run's short mode (bench/chaos.ts --short): real redis-server, two API processes and
// three worker processes; 15 s of mixed sync and job load while workers are kill -9-ed, an API is
// restarted and Redis is killed and restarted. No job may be lost or finish twice, no 5xx may be
// other than 503 with Retry-After, and every completed answer must be a valid allocation.
import { describe, expect, it } from 'vitest';
import { SHORT, printReport, runChaos, verdict } from '../bench/chaos.js';

describe('chaos (short mode)', () => {
  it('loses and duplicates nothing, answers no bad 5xx and only valid allocations', async () => {
    const lines: string[] = [];
    const report = await runChaos({ ...SHORT, log: (line) => lines.push(line) });
    printReport(report, (line) => lines.push(line));
    console.log(lines.join('\n'));
    expect(verdict(report)).toEqual([]);
    expect(report.jobs.accepted).toBeGreaterThan(0);
    expect(report.jobs.completed).toBeGreaterThan(0);
    expect(report.sync.statuses['200'] ?? 0).toBeGreaterThan(0);
    expect(report.faults.length).toBeGreaterThanOrEqual(6);
  }, 180_000);
});
