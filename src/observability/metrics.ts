// Prometheus metrics of one app instance. Each app owns its registry (tests build many apps in one
// process; prom-client's global registry would reject the second one's metric names). Everything
// the service reports goes through the SolveObserver it is handed, so the service knows nothing of
// prom-client and another service (a queue consumer) can report through the same functions.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SolveObserver, Workload } from '../solve/types.js';

const PREFIX = 'edge_allocator_';

/** Request latency buckets, seconds: cache hits take milliseconds, cold solves up to the 60 s limit. */
const REQUEST_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const SOLVE_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** Relative gap (0.001 = 0.1%); 0 lands in the first bucket. */
const GAP_BUCKETS = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 1];

export interface Metrics extends SolveObserver {
  readonly registry: Registry;
  /** One finished HTTP request; `route` is the route pattern (bounded cardinality), not the URL. */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void;
  /** Gauges read the solve service's workload when scraped. */
  setWorkloadSource(source: () => Workload | undefined): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const requestDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: REQUEST_BUCKETS_S,
    registers: [registry],
  });
  const solveDuration = new Histogram({
    name: `${PREFIX}solve_duration_seconds`,
    help: 'Wall time of solves that ran on a worker (queue wait included), by problem kind, status and limit',
    labelNames: ['kind', 'status', 'limit'] as const,
    buckets: SOLVE_BUCKETS_S,
    registers: [registry],
  });
  const solves = new Counter({
    name: `${PREFIX}solves_total`,
    help: 'Solve outcomes by kind, status (OPTIMAL, FEASIBLE, INFEASIBLE, …; OVERLOADED and FAILED when no answer came back) and limit',
    labelNames: ['kind', 'status', 'limit'] as const,
    registers: [registry],
  });
  const gap = new Histogram({
    name: `${PREFIX}solve_gap_ratio`,
    help: 'Relative gap between objective and certified bound of solved answers, by kind',
    labelNames: ['kind'] as const,
    buckets: GAP_BUCKETS,
    registers: [registry],
  });
  const cache = new Counter({
    name: `${PREFIX}cache_requests_total`,
    help: 'Answers served from the cache (hit) or computed (miss), by problem kind',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const joins = new Counter({
    name: `${PREFIX}single_flight_joins_total`,
    help: 'Requests that joined an identical solve already in flight instead of starting one',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  // Children per label set, so the hot path (every request) skips prom-client's label hashing.
  const requestSeries = new Map<string, { observe(seconds: number): void }>();

  let workload: () => Workload | undefined = () => undefined;
  const workloadGauge = (name: string, help: string, pick: (w: Workload) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        const w = workload();
        if (w !== undefined) this.set(pick(w));
      },
    });
  workloadGauge('queue_depth', 'Solves waiting for a worker', (w) => w.queued);
  workloadGauge('workers_busy', 'Workers solving right now', (w) => w.busy);
  workloadGauge('workers', 'Workers available to this instance', (w) => w.threads);

  return {
    registry,
    contentType: registry.contentType,
    recordRequest(method, route, statusCode, seconds) {
      const key = `${method} ${statusCode} ${route}`;
      let series = requestSeries.get(key);
      if (series === undefined) {
        series = requestDuration.labels({ method, route, status_code: String(statusCode) });
        requestSeries.set(key, series);
      }
      series.observe(seconds);
    },
    solved(kind, status, limit, seconds, gapRatio) {
      const labels = { kind, status, limit: limit ?? 'none' };
      solves.inc(labels);
      if (seconds !== undefined) solveDuration.observe(labels, seconds);
      if (gapRatio !== undefined && Number.isFinite(gapRatio)) gap.observe({ kind }, gapRatio);
    },
    cache(kind, outcome) {
      cache.inc({ kind, outcome });
    },
    joined(kind) {
      joins.inc({ kind });
    },
    setWorkloadSource(source) {
      workload = source;
    },
    render: () => registry.metrics(),
  };
}
