// Prometheus metrics of one app instance. Each app owns its registry (tests build many apps in one
// process; prom-client's global registry would reject the second one's metric names). Everything
// the service reports goes through the SolveObserver it is handed, so the service knows nothing of
// prom-client and another service (a queue consumer) can report through the same functions.
// The service's own metrics carry the edge_allocator_ prefix; Node's default process metrics do
// not (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, …), so stock Node.js dashboards
// and alerts find them under their usual names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobStatus } from '../jobs/types.js';
import type { SolveObserver, Workload } from '../solve/types.js';
import { buildInfo, type BuildInfo } from './build-info.js';

const PREFIX = 'edge_allocator_';

/** Request latency buckets, seconds: cache hits take milliseconds, cold solves up to the 60 s limit. */
const REQUEST_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Solve wall time, seconds: sync solves stop at 60 s, async jobs at 600 s (MAX_JOB_TIME_LIMIT_MS). */
const SOLVE_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];
/** Relative gap (0.001 = 0.1%); 0 lands in the first bucket. */
const GAP_BUCKETS = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 1];

export interface Metrics extends SolveObserver {
  readonly registry: Registry;
  /** One finished HTTP request; `route` is the route pattern (bounded cardinality), not the URL. */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void;
  /** Gauges read the solve service's workload when scraped. */
  setWorkloadSource(source: () => Workload | undefined): void;
  /** The jobs gauge reads the job store's counts by state when scraped (states it cannot count are left out). */
  setJobCountsSource(source: () => Promise<Partial<Record<JobStatus, number>>> | undefined): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: { defaultMetrics?: boolean; build?: BuildInfo } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const build = options.build ?? buildInfo();
  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels say what runs: the service version, Node.js version and solver versions',
    labelNames: ['version', 'node_version', 'solver_version', 'blocks_solver_version'] as const,
    registers: [registry],
  }).set(
    {
      version: build.version,
      node_version: build.nodeVersion,
      solver_version: build.solverVersion,
      blocks_solver_version: build.blocksSolverVersion,
    },
    1,
  );

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
    help:
      'Solve outcomes by kind, status (OPTIMAL, FEASIBLE, INFEASIBLE, …; OVERLOADED and FAILED when no answer came back) and limit ' +
      '(a sync NO_SOLUTION_FOUND with limit TIME is answered 503 NO_PLAN_IN_TIME)',
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

  let jobCounts: () => Promise<Partial<Record<JobStatus, number>>> | undefined = () => undefined;
  new Gauge({
    name: `${PREFIX}jobs`,
    help:
      'Async jobs (POST /jobs) by state: queued, running, completed, failed, cancelled (in queue mode: those the queue counts, see ' +
      'docs/operations.md)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      let counts: Partial<Record<JobStatus, number>> | undefined;
      try {
        counts = await jobCounts();
      } catch {
        counts = undefined; // Redis down: no job samples this scrape, the rest of /metrics still answers
      }
      this.reset();
      for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
    },
  });

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
    setJobCountsSource(source) {
      jobCounts = source;
    },
    render: () => registry.metrics(),
  };
}
