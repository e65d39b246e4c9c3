// SingleFlight with leaving callers: the shared work stops only when the last caller leaves, and
// that caller still gets the work's (early) answer.
import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../src/cache/single-flight.js';

/** Work that answers 'stopped' as soon as its signal aborts, 'done' after 200 ms otherwise. */
const work = (log: string[]) => (stop: AbortSignal) =>
  new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('done'), 200);
    stop.addEventListener('abort', () => {
      clearTimeout(timer);
      log.push('aborted');
      resolve('stopped');
    });
  });

describe('SingleFlight with leaving callers', () => {
  it('the last caller to leave stops the work and gets its early answer', async () => {
    const log: string[] = [];
    const gone = new AbortController();
    const p = new SingleFlight().run('k', work(log), gone.signal);
    setTimeout(() => gone.abort(), 20);
    expect(await p).toBe('stopped');
    expect(log).toEqual(['aborted']);
  });

  it('a caller already gone on arrival stops the work at once (and is answered, not left hanging)', async () => {
    const log: string[] = [];
    const gone = new AbortController();
    gone.abort();
    expect(await new SingleFlight().run('k', work(log), gone.signal)).toBe('stopped');
    expect(log).toEqual(['aborted']);
  });

  it('while another caller waits, the leaving one gets CallerGoneError and the work goes on', async () => {
    const log: string[] = [];
    const flights = new SingleFlight();
    const gone = new AbortController();
    const leaving = flights.run('k', work(log), gone.signal).catch((e: Error) => e.name);
    const staying = flights.run('k', work(log));
    gone.abort();
    expect(await leaving).toBe('CallerGoneError');
    expect(await staying).toBe('done');
    expect(log).toEqual([]);
  });
});
