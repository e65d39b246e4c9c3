// POST /allocate/what-if (docs/what-if.md): the base snapshot first, then every scenario warm from
// the base answer, `parallel` at a time, all within the one time limit of the request. Like a
// Pareto sweep, a sweep of allocate solves, not a problem kind. Solving is injected (`allocate`:
// the service's cached, single-flight /allocate), so this knows nothing of threads.
import { DEFAULTS } from '../model/defaults.js';
import { InputError } from '../model/normalize.js';
import type { AllocateRequest } from '../model/request.js';
import { scenarioRequest, type Scenario } from '../model/scenarios.js';

export type { Scenario } from '../model/scenarios.js';
import type { AllocateResult, InfeasibilityOut, SolveStatus, Totals } from '../model/types.js';
import { handOverLater, mapLimited } from './lanes.js';

export interface WhatIfRequest extends AllocateRequest {
  scenarios: Scenario[];
}

interface Migration {
  deviceId: string;
  fromServerId: string;
  toServerId: string;
}

/** Objective and totals of a scenario minus the base's, all on the base snapshot's scales. */
interface ScenarioDelta {
  objective: number;
  delayS: number;
  energyJ: number;
  stability: number;
}

export interface ScenarioOutcome {
  name: string;
  status: SolveStatus;
  limit?: 'TIME';
  /** on the scenario's own scales (its own reference point), as POST /allocate would answer */
  objective?: number;
  totals?: Totals;
  delta?: ScenarioDelta;
  /** devices (in both) whose server differs from the base answer's */
  migrations: Migration[];
  infeasibilities?: InfeasibilityOut[];
  cache: 'hit' | 'miss';
  requestHash: string;
  /** the scenario's solve time (for a cache hit, of the solve that produced it), milliseconds */
  solveTimeMs: number;
  /** the scenario's solver provenance and statistics, as its /allocate answer's */
  solver: AllocateResult['solver'];
}

export interface WhatIfResult {
  base: AllocateResult & { cache: 'hit' | 'miss'; requestHash: string };
  scenarios: ScenarioOutcome[];
  /** wall-clock time of the whole request, milliseconds */
  solveTimeMs: number;
}

/** Scenarios a request may hold. */
export const MAX_SCENARIOS = 16;
/** Share of the limit the base solve may use when it is not cached; the scenarios share the rest. */
const BASE_SHARE = 0.4;

export interface Solved {
  result: AllocateResult;
  cache: 'hit' | 'miss';
  requestHash: string;
  /** On a cache hit: the answer's JSON as stored (what POST /allocate sends for it). */
  stored?: { bytes: string; status: string };
}

export interface WhatIfRun {
  /**
   * Solves one /allocate body, due at `deadlineAt` (epoch ms); `certify` false: search only, no
   * bound (SolveOptions.certify), which must reach the solver wherever it runs.
   */
  allocate(body: AllocateRequest, deadlineAt: number, certify: boolean): Promise<Solved>;
  /** Scenarios solved at once (the solver threads this request may use). */
  parallel: number;
  /** Epoch ms the request arrived, and its time limit. */
  receivedAt: number;
  limitMs: number;
  /** Time the answer needs after the last solve (copy, serialise, write), ms. */
  reserveMs: number;
  /**
   * The base answer, handed over once the scenarios have started (so what the callee does with it,
   * e.g. write its answer text, overlaps their solves); before solveWhatIf returns.
   */
  onBase?(base: Solved): void;
}

/** The base snapshot: the request without its scenarios. */
export function baseRequest(body: WhatIfRequest): AllocateRequest {
  const { scenarios: _scenarios, ...base } = body;
  return base;
}

/**
 * How a scenario is solved: its snapshot warm from the base answer (scenarioRequest), and not
 * certified. A scenario answers a good allocation near the base one, not a proof: the bound's share
 * of the time (about half of a certified solve) goes to the search instead, which then ends where
 * it stalls, at 1,000 × 50 well before its slot (bench/what-if.ts).
 */
export function scenarioSolve(
  body: AllocateRequest,
  scenario: Scenario,
  index: number,
  base: AllocateResult,
): { body: AllocateRequest; certify: false } {
  return { body: scenarioRequest(body, scenario, index, base), certify: false };
}

/** Every scenario's snapshot, checked before anything is solved (InputError → 400 naming scenario and change). */
export function checkScenarios(body: WhatIfRequest): void {
  if (body.scenarios.length > MAX_SCENARIOS) throw new InputError('scenarios', `at most ${MAX_SCENARIOS} scenarios`);
  const names = new Set<string>();
  body.scenarios.forEach((s, i) => {
    if (names.has(s.name)) throw new InputError(`scenarios[${i}].name`, `duplicate scenario name "${s.name}"`);
    names.add(s.name);
    scenarioRequest(baseRequest(body), s, i, null);
  });
}

/** The objective's scales of the base answer (1 without normalisation). */
function baseScales(body: AllocateRequest, base: AllocateResult): Totals {
  if (!(body.objective?.normalize ?? DEFAULTS.normalize)) return { delayS: 1, energyJ: 1, stability: 1 };
  const safe = (x: number) => (x > 0 && Number.isFinite(x) ? x : 1);
  return { delayS: safe(base.reference.delayS), energyJ: safe(base.reference.energyJ), stability: safe(base.reference.stability) };
}

function deltaOf(body: AllocateRequest, base: AllocateResult, totals: Totals): ScenarioDelta | undefined {
  if (base.totals === undefined || base.objective === undefined) return undefined;
  const w = { ...DEFAULTS.weights, ...body.objective?.weights };
  const s = baseScales(body, base);
  const onBaseScales =
    (w.delay * totals.delayS) / s.delayS + (w.energy * totals.energyJ) / s.energyJ + (w.stability * totals.stability) / s.stability;
  return {
    objective: onBaseScales - base.objective,
    delayS: totals.delayS - base.totals.delayS,
    energyJ: totals.energyJ - base.totals.energyJ,
    stability: totals.stability - base.totals.stability,
  };
}

function migrationsOf(base: AllocateResult, result: AllocateResult): Migration[] {
  const was = new Map(base.allocations.map((a) => [a.deviceId, a.serverId]));
  const out: Migration[] = [];
  for (const a of result.allocations) {
    const from = was.get(a.deviceId);
    if (from !== undefined && from !== a.serverId) out.push({ deviceId: a.deviceId, fromServerId: from, toServerId: a.serverId });
  }
  return out;
}

export async function solveWhatIf(body: WhatIfRequest, run: WhatIfRun): Promise<WhatIfResult> {
  const t0 = performance.now();
  checkScenarios(body);
  const baseBody = baseRequest(body);
  const endAt = run.receivedAt + run.limitMs - run.reserveMs;
  const scenarioCount = body.scenarios.length;
  // The base first (the scenarios start from its answer), then the scenarios in rounds of
  // `parallel`, each round an equal slot of what is left.
  const base = await run.allocate(
    baseBody,
    Math.floor(Date.now() + Math.max(0, endAt - Date.now()) * (scenarioCount > 0 ? BASE_SHARE : 1)),
    true,
  );
  const startAt = Date.now();
  const rounds = Math.max(1, Math.ceil(scenarioCount / Math.max(1, run.parallel)));
  const slotMs = Math.max(0, endAt - startAt) / rounds;
  const solving = mapLimited(body.scenarios, run.parallel, async (scenario, i): Promise<ScenarioOutcome> => {
    const how = scenarioSolve(baseBody, scenario, i, base.result);
    const solved = await run.allocate(how.body, Math.floor(startAt + slotMs * (Math.floor(i / run.parallel) + 1)), how.certify);
    const r = solved.result;
    const delta = r.totals !== undefined ? deltaOf(baseBody, base.result, r.totals) : undefined;
    return {
      name: scenario.name,
      status: r.status,
      ...(r.limit !== undefined ? { limit: r.limit } : {}),
      ...(r.objective !== undefined ? { objective: r.objective } : {}),
      ...(r.totals !== undefined ? { totals: r.totals } : {}),
      ...(delta !== undefined ? { delta } : {}),
      migrations: migrationsOf(base.result, r),
      ...(r.infeasibilities !== undefined ? { infeasibilities: r.infeasibilities } : {}),
      cache: solved.cache,
      requestHash: solved.requestHash,
      solveTimeMs: r.solver.solveTimeMs,
      solver: r.solver,
    };
  });
  // Handed over in a later turn of the event loop (handOverLater): by then the first scenarios have
  // reached their solvers.
  const onBase = run.onBase;
  const handedOver = onBase === undefined ? undefined : handOverLater(() => onBase(base));
  const scenarios = await solving;
  const failed = await handedOver;
  if (failed !== undefined) throw failed.error;
  return { base: { ...base.result, cache: base.cache, requestHash: base.requestHash }, scenarios, solveTimeMs: performance.now() - t0 };
}
