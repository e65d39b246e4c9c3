// Typed wrapper around glpk.js (GLPK 5 compiled to WebAssembly), shared by every LP/MIP here.
//
// Threading: glpk.js solves synchronously and blocks its thread, so only call
// solveLinearProgram inside a worker thread (or a test/bench), never on the server's main thread.
// Initialisation: the WASM module loads asynchronously (≈20 ms), once per thread:
//     await initGlpk();                 // e.g. at worker start-up or in a test's beforeAll
//     const sol = solveLinearProgram(lp); // synchronous from then on
// solveLinearProgram throws if initGlpk() has not resolved in this thread.
//
// Safety: glpk.js silently accepts NaN and aborts the WASM instance when a variable appears twice
// in one row, so every program is validated and repeated terms are merged before it reaches GLPK.

import GLPK from 'glpk.js/node';
import type { GLPK as GlpkInstance, LP } from 'glpk.js/node';

export interface LinearTerm {
  name: string;
  coef: number;
}

/** lower/upper absent (or −∞ / +∞) = free on that side; lower === upper = equality. */
export interface LinearRow {
  name: string;
  terms: LinearTerm[];
  lower?: number;
  upper?: number;
}

/**
 * Variables default to [0, +∞). A `bounds` entry replaces the side(s) it gives; a side it omits
 * keeps its default (lower 0, upper +∞). Use `lower: -Infinity` for a free variable.
 */
export interface VariableBound {
  name: string;
  lower?: number;
  upper?: number;
}

export interface LinearProgram {
  name?: string;
  direction: 'min' | 'max';
  objective: LinearTerm[];
  rows: LinearRow[];
  bounds?: VariableBound[];
  integers?: string[];
  binaries?: string[];
}

type LpStatus = 'optimal' | 'feasible' | 'infeasible' | 'unbounded' | 'undefined';

interface LpSolution {
  /**
   * optimal: proven optimum. feasible: a feasible point but no proof of optimality (a MIP or LP
   * stopped by the time limit with an incumbent). infeasible: proven empty. unbounded: objective
   * unbounded (for a MIP: its LP relaxation is). undefined: nothing usable (e.g. time limit hit
   * before any incumbent).
   */
  status: LpStatus;
  /** objective value; NaN unless status is optimal or feasible */
  objective: number;
  /** value of every variable that appears anywhere in the program */
  values: Map<string, number>;
  timeMs: number;
  /** true when the solve ran into opts.timeLimitMs */
  timeLimitReached: boolean;
}

interface SolveLinearProgramOptions {
  /** wall-clock limit handed to GLPK as tmlim; absent = none */
  timeLimitMs?: number;
  /** solve the LP relaxation: integers become continuous, binaries become [0, 1] */
  relax?: boolean;
}

let instance: GlpkInstance | null = null;
let loading: Promise<GlpkInstance> | null = null;

/** Loads the GLPK WASM module for this thread; idempotent and safe to call concurrently. */
export function initGlpk(): Promise<GlpkInstance> {
  if (instance) return Promise.resolve(instance);
  loading ??= GLPK().then((g) => {
    instance = g;
    return g;
  });
  return loading;
}

export function isGlpkReady(): boolean {
  return instance !== null;
}

function requireGlpk(): GlpkInstance {
  if (!instance) throw new Error('GLPK is not initialised in this thread: await initGlpk() once before solving');
  return instance;
}

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error(`LP ${where}: variable/row name must be a non-empty string`);
  return name;
}

function checkFinite(value: number, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`LP ${where}: must be a finite number, got ${value}`);
  return value;
}

/** Merge repeated variables (GLPK aborts on them) and drop zero coefficients. */
function mergeTerms(terms: LinearTerm[], where: string, seen: Set<string>): { name: string; coef: number }[] {
  const merged = new Map<string, number>();
  for (const t of terms) {
    const name = checkName(t.name, where);
    checkFinite(t.coef, `${where}, coefficient of ${name}`);
    seen.add(name);
    merged.set(name, (merged.get(name) ?? 0) + t.coef);
  }
  const out: { name: string; coef: number }[] = [];
  for (const [name, coef] of merged) if (coef !== 0) out.push({ name, coef });
  return out;
}

/** Lower side: absent or −∞ = free; +∞ or NaN is an error. Upper mirrors it. */
function lowerSide(v: number | undefined, where: string): number | null {
  if (v === undefined || v === -Infinity) return null;
  return checkFinite(v, `${where} lower bound`);
}
function upperSide(v: number | undefined, where: string): number | null {
  if (v === undefined || v === Infinity) return null;
  return checkFinite(v, `${where} upper bound`);
}

function boundType(g: GlpkInstance, lo: number | null, up: number | null, where: string): { type: number; lb: number; ub: number } {
  if (lo !== null && up !== null && lo > up) throw new Error(`LP ${where}: lower bound ${lo} exceeds upper bound ${up}`);
  if (lo === null && up === null) return { type: g.GLP_FR, lb: 0, ub: 0 };
  if (up === null) return { type: g.GLP_LO, lb: lo!, ub: 0 };
  if (lo === null) return { type: g.GLP_UP, lb: 0, ub: up };
  if (lo === up) return { type: g.GLP_FX, lb: lo, ub: up };
  return { type: g.GLP_DB, lb: lo, ub: up };
}

function toGlpk(g: GlpkInstance, lp: LinearProgram, relax: boolean): { model: LP; columns: Set<string>; isMip: boolean } {
  if (lp.direction !== 'min' && lp.direction !== 'max') throw new Error(`LP direction must be 'min' or 'max'`);
  const columns = new Set<string>();
  const objective = mergeTerms(lp.objective, 'objective', columns);
  const rowNames = new Set<string>();
  const subjectTo = lp.rows.map((row) => {
    const name = checkName(row.name, 'row');
    if (rowNames.has(name)) throw new Error(`LP row ${name}: duplicate row name`);
    rowNames.add(name);
    return {
      name,
      vars: mergeTerms(row.terms, `row ${name}`, columns),
      bnds: boundType(g, lowerSide(row.lower, `row ${name}`), upperSide(row.upper, `row ${name}`), `row ${name}`),
    };
  });

  const lower = new Map<string, number | null>();
  const upper = new Map<string, number | null>();
  for (const b of lp.bounds ?? []) {
    const name = checkName(b.name, 'bounds');
    columns.add(name);
    if (b.lower !== undefined) lower.set(name, lowerSide(b.lower, `variable ${name}`));
    if (b.upper !== undefined) upper.set(name, upperSide(b.upper, `variable ${name}`));
  }
  const integers = (lp.integers ?? []).map((n) => checkName(n, 'integers'));
  const binaries = (lp.binaries ?? []).map((n) => checkName(n, 'binaries'));
  for (const n of [...integers, ...binaries]) columns.add(n);
  const binarySet = new Set(binaries);

  // Every column gets explicit bounds, so a variable whose terms all merged to zero still exists.
  const bounds = [...columns].map((name) => {
    let lo = lower.has(name) ? lower.get(name)! : 0;
    let up = upper.has(name) ? upper.get(name)! : null;
    if (binarySet.has(name)) {
      lo = Math.max(lo ?? 0, 0);
      up = Math.min(up ?? 1, 1);
    }
    return { name, ...boundType(g, lo, up, `variable ${name}`) };
  });

  const isMip = !relax && (integers.length > 0 || binaries.length > 0);
  const model: LP = {
    name: lp.name ?? 'lp',
    objective: { direction: lp.direction === 'min' ? g.GLP_MIN : g.GLP_MAX, name: 'objective', vars: objective },
    subjectTo,
    bounds,
  };
  if (isMip) {
    model.generals = integers.filter((n) => !binarySet.has(n));
    model.binaries = binaries;
  }
  return { model, columns, isMip };
}

function mapStatus(g: GlpkInstance, code: number): LpStatus {
  switch (code) {
    case g.GLP_OPT:
      return 'optimal';
    case g.GLP_FEAS:
      return 'feasible';
    case g.GLP_NOFEAS:
      return 'infeasible';
    case g.GLP_UNBND:
      return 'unbounded';
    case g.GLP_INFEAS: // LP stopped (time limit) at a basis that is not primal feasible
    case g.GLP_UNDEF:
    default:
      return 'undefined';
  }
}

/**
 * Solve an LP or MIP synchronously. Messages are off; MIPs use GLPK's presolver (glp_intopt
 * needs it without an optimal starting basis); pure LPs run without it so that infeasible and
 * unbounded programs are reported as such rather than as 'undefined'.
 */
export function solveLinearProgram(lp: LinearProgram, opts: SolveLinearProgramOptions = {}): LpSolution {
  const g = requireGlpk();
  const relax = opts.relax ?? false;
  const { model, columns, isMip } = toGlpk(g, lp, relax);
  const options: { msglev: number; presol: boolean; tmlim?: number } = { msglev: g.GLP_MSG_OFF, presol: isMip };
  if (opts.timeLimitMs !== undefined) {
    checkFinite(opts.timeLimitMs, 'timeLimitMs');
    if (opts.timeLimitMs <= 0) throw new Error('LP timeLimitMs must be > 0');
    options.tmlim = opts.timeLimitMs / 1000; // glpk.js takes seconds
  }

  const start = performance.now();
  const res = g.solve(model, options);
  let timeMs = performance.now() - start;
  let status = mapStatus(g, res.result.status);
  const timeLimitReached = opts.timeLimitMs !== undefined && timeMs >= opts.timeLimitMs * 0.98 && status !== 'optimal';

  // With presolve, glp_intopt reports an unbounded relaxation as UNDEF: tell the two apart.
  if (isMip && status === 'undefined' && !timeLimitReached) {
    const relaxed = g.solve(toGlpk(g, lp, true).model, { msglev: g.GLP_MSG_OFF, presol: false });
    const r = mapStatus(g, relaxed.result.status);
    if (r === 'unbounded' || r === 'infeasible') status = r;
    timeMs = performance.now() - start;
  }

  const values = new Map<string, number>();
  for (const name of columns) values.set(name, res.result.vars[name] ?? 0);
  const usable = status === 'optimal' || status === 'feasible';
  return { status, objective: usable ? res.result.z : NaN, values, timeMs, timeLimitReached };
}
