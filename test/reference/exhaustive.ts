// INDEPENDENT brute-force reference for tiny docs/model.md §1 instances (≤ 4 devices, ≤ 2 servers,
// ≤ 8 layers). Written from docs/model.md, not from the solver: it shares no code with src/solver and
// its continuous parts use derivative-free golden-section searches and pairwise-exchange
// coordinate descent on the budget simplex (never Lagrange multipliers or bisection on a price,
// never the closed forms; a √c-proportional split is used only as a starting point).
// src/model/evaluate.ts is used only for (a) the normalisation scales (objectiveScales) and
// (b) scoring the final, complete candidate — which doubles as a cross-check of evaluate().
//
// What is enumerated: every association (each device to each server with a positive gain,
// respecting maxDevices and pins; a device off its previous server pays the migration) × every
// split vector (α_n in its allowed range) × every allowed
// training mode (backprop, and zeroth-order with every allowed (q, P)) per device, with the
// memory of docs/model.md §1.5 as a hard constraint. Deadlines are ignored (use deadline
// instances for feasibility).
//
// Exact reductions (they change the work, never the answer):
//  • The objective is a sum over servers of terms that depend only on that server's devices, so
//    for every server and every subset of devices the best (α, mode) combination is found once and
//    associations are then scored by summing the subset optima.
//  • Zeroth-order modes with different (q, P) differ only in the device-local term (call overhead)
//    and memory: the uplink (2·s bits, ×ζ) and the edge work ((Υ−α)·2ψ, ×ζ) are the same for all
//    of them (docs/model.md §1.5). So per (device, α) the shared terms depend only on the class
//    backprop / zeroth-order, and within a class the cheapest memory-feasible mode is taken after
//    trying every one.
//  • A combination is skipped only when a valid lower bound (each device alone on the server's
//    whole frequency) already reaches the best value found: branch and bound, still exact.
//
// Continuous parts, given association, splits and modes (all convex or quasi-convex 1-D pieces):
//  • local frequency: golden section (log scale) of ω_t/f + ω_e·κ·f² on [f^min, f^max];
//  • transmit power for a given bandwidth: golden section (log scale) of (ω_t + ω_e·p)/r(b, p) on
//    [p^min, p^max] (quasi-convex in p);
//  • bandwidth split of a server: pairwise-exchange coordinate descent on {Σ b = W} (the uplink cost
//    with re-optimised power is convex and decreasing in b), each exchange a golden section, run
//    until a Frank–Wolfe duality-gap certificate is below 1e-10 of the value;
//  • server-frequency split: the per-device optimum F0 of ω_t/F + ω_e·κ_m·F² (golden section); if
//    the devices' F0 fit in the budget they are the optimum, else pairwise exchange on {Σ F = F_m}.
// Cost: ≤ ~3 s for the worst tiny case (4 devices × 2 servers × 8 layers, every mode) on 2 cores.

import { evaluate, objectiveScales } from '../../src/model/evaluate.js';
import type { AllocationOut, Device, DeviceDecision, Evaluation, Instance, TrainingMode } from '../../src/model/types.js';

const INV_PHI = (Math.sqrt(5) - 1) / 2; // 0.618…

/** Minimum of a unimodal function on [lo, hi] by golden section; also tries both ends. */
export function goldenMin(fn: (x: number) => number, lo: number, hi: number, tol = 1e-11): { x: number; f: number } {
  let a = lo;
  let b = hi;
  let x1 = b - INV_PHI * (b - a);
  let x2 = a + INV_PHI * (b - a);
  let f1 = fn(x1);
  let f2 = fn(x2);
  const width0 = Math.max(hi - lo, 0);
  for (let i = 0; i < 300 && b - a > tol * Math.max(width0, 1e-300); i++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - INV_PHI * (b - a);
      f1 = fn(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + INV_PHI * (b - a);
      f2 = fn(x2);
    }
  }
  let best = f1 <= f2 ? { x: x1, f: f1 } : { x: x2, f: f2 };
  for (const x of [lo, hi]) {
    const f = fn(x);
    if (f < best.f) best = { x, f };
  }
  return best;
}

/** Golden section in log scale on [lo, hi], lo > 0: relative precision on x. */
export function goldenMinLog(fn: (x: number) => number, lo: number, hi: number, tol = 1e-11): { x: number; f: number } {
  if (hi <= lo) return { x: hi, f: fn(hi) };
  const la = Math.log(lo);
  const lb = Math.log(hi);
  const r = goldenMin((t) => fn(Math.exp(t)), la, lb, tol / Math.max(lb - la, 1e-300));
  // exp(log(x)) may differ from the end point in the last bit: snap to the exact bounds
  let x = Math.exp(r.x);
  if (r.x === la) x = lo;
  if (r.x === lb) x = hi;
  x = Math.min(hi, Math.max(lo, x));
  return { x, f: fn(x) };
}

/**
 * min Σ_i cost_i(x_i) s.t. Σ x_i = total, x_i > 0, each cost_i convex: pairwise-exchange
 * coordinate descent. Each step picks the most violating pair (largest and smallest slope, slopes
 * by central differences — the SMO rule) and re-splits that pair's total optimally by golden
 * section. It stops when the Frank–Wolfe duality gap Σ x_i·(slope_i − min slope), an upper bound
 * on the distance to the optimal value for convex costs, is below `gapTol` of the value, or when
 * no exchange improves any more (floating-point floor).
 */
export function pairwiseExchange(
  costs: ((x: number) => number)[],
  total: number,
  init?: number[],
  gapTol = 1e-10,
): { x: number[]; f: number; gap: number } {
  const k = costs.length;
  const x = init ? init.slice() : new Array<number>(k).fill(total / k);
  if (k === 1) return { x: [total], f: costs[0](total), gap: 0 };
  const fx = x.map((xi, i) => costs[i](xi));
  let gap = Infinity;
  for (let iter = 0; iter < 2000; iter++) {
    const f = fx.reduce((s, v) => s + v, 0);
    const slope = x.map((xi, i) => {
      const h = 1e-6 * Math.min(xi, total - xi);
      return (costs[i](xi + h) - costs[i](xi - h)) / (2 * h);
    });
    let lo = 0;
    let hi = 0;
    for (let i = 1; i < k; i++) {
      if (slope[i] < slope[lo]) lo = i;
      if (slope[i] > slope[hi]) hi = i;
    }
    gap = x.reduce((s, xi, i) => s + xi * (slope[i] - slope[lo]), 0);
    if (!(gap > gapTol * Math.abs(f)) || lo === hi) break;
    // move budget from `hi` (largest marginal cost) to `lo`: y = new x[lo] ∈ [x[lo], t)
    const t = x[lo] + x[hi];
    const pair = (y: number) => costs[lo](y) + costs[hi](t - y);
    const best = goldenMin(pair, x[lo], t * (1 - 1e-13), 1e-12);
    if (!(best.f < fx[lo] + fx[hi])) break;
    x[lo] = best.x;
    x[hi] = t - best.x;
    fx[lo] = costs[lo](x[lo]);
    fx[hi] = costs[hi](x[hi]);
  }
  // land exactly on the budget (rounding drift)
  const sum = x.reduce((s, v) => s + v, 0);
  for (let i = 0; i < k; i++) x[i] *= total / sum;
  return { x, f: x.reduce((s, xi, i) => s + costs[i](xi), 0), gap };
}

// ---------------------------------------------------------------------------------------------
// The formulas of docs/model.md §1.2 and §1.5, written out again here (not imported from src/model/cost.ts)

function specLayerFlops(inst: Instance, d: Device): number {
  const B = inst.batchSize;
  const h = inst.hiddenSize;
  return 72 * B * d.tokens * h * h + 12 * B * d.tokens * d.tokens * h; // ψ_n
}

function specMemory(inst: Instance, d: Device, alpha: number, mode: TrainingMode): number {
  const w = inst.weightBytesPerLayer;
  const A = inst.adapterParamsPerLayer;
  const s = inst.bytesPerActivation;
  if (mode.kind === 'backprop') return alpha * (w + d.activationBytesPerLayer + 16 * A);
  const h = inst.hiddenSize;
  const H = Math.max(1, h / 64);
  const x = (mode.parallelism * inst.batchSize) / mode.queries;
  return alpha * (w + 2 * mode.queries * A * s) + x * d.tokens * (18 * h + H * d.tokens) * s;
}

interface Weights3 {
  t: number; // delay
  tUp: number; // delay weight on the uplink term (0 when includeUplinkDelay is false)
  e: number; // energy
  s: number; // stability
}

type ModeClass = 0 | 1; // 0 backprop, 1 zeroth-order

interface DeviceOption {
  alpha: number;
  cls: ModeClass;
  mode: TrainingMode;
  /** weighted local + stability cost */
  localCost: number;
  /** ζ·(Υ−α)·(edge FLOPs per layer): divide by C_m·D_m for the server's cycles coefficient */
  edgeFlops: number;
}

interface PreparedDevice {
  f: number; // optimal local frequency
  options: DeviceOption[];
  zeta: [number, number]; // step multiplier per class
  bits: [number, number]; // uplink bits per class
}

function prepareDevice(inst: Instance, d: Device, w: Weights3): PreparedDevice {
  const psi = specLayerFlops(inst, d);
  const phi = psi / 3;
  const CD = d.cores * d.flopsPerCycle;
  const zeta = inst.zerothOrderStepMultiplier;
  const flo = d.minFrequencyHz > 0 ? d.minFrequencyHz : d.maxFrequencyHz * 1e-12;
  const f = goldenMinLog((x) => w.t / x + w.e * d.kappa * x * x, flo, d.maxFrequencyHz).x;
  const L = inst.layers;
  const options: DeviceOption[] = [];
  for (let alpha = d.minSplitLayer; alpha <= d.maxSplitLayer; alpha++) {
    const stab = w.s * ((2 * inst.lipschitz ** 2) / (d.samples * (1 - alpha / L)));
    const best: (DeviceOption | null)[] = [null, null];
    for (const mode of d.modes) {
      if (d.memoryBytes !== null && specMemory(inst, d, alpha, mode) > d.memoryBytes) continue;
      let local: number;
      let edgeFlops: number;
      let cls: ModeClass;
      if (mode.kind === 'backprop') {
        cls = 0;
        local = w.t * ((alpha * psi) / (f * CD)) + w.e * ((alpha * d.kappa * f * f * psi) / CD);
        edgeFlops = (L - alpha) * psi;
      } else {
        cls = 1;
        const delay = (alpha * 2 * phi) / (f * CD) + ((2 * mode.queries) / mode.parallelism) * d.callOverheadS;
        const energy = (alpha * d.kappa * f * f * 2 * phi) / CD;
        local = zeta * (w.t * delay + w.e * energy);
        edgeFlops = zeta * (L - alpha) * 2 * psi;
      }
      const opt: DeviceOption = { alpha, cls, mode, localCost: local + stab, edgeFlops };
      if (best[cls] === null || opt.localCost < best[cls]!.localCost) best[cls] = opt;
    }
    for (const o of best) if (o) options.push(o);
  }
  return { f, options, zeta: [1, zeta], bits: [d.uplinkBits, 2 * d.uplinkBits] };
}

/** Uplink of one device for bandwidth b: best power by golden section, weighted cost. */
function uplinkAt(
  inst: Instance,
  d: Device,
  gain: number,
  zeta: number,
  bits: number,
  w: Weights3,
  b: number,
): { cost: number; p: number } {
  const N0 = inst.noiseWPerHz;
  const cost = (p: number) => (zeta * bits * (w.tUp + w.e * p)) / (b * Math.log2(1 + (gain * p) / (N0 * b)));
  const plo = d.minPowerW > 0 ? d.minPowerW : d.maxPowerW * 1e-12;
  const r = goldenMinLog(cost, plo, d.maxPowerW, 1e-9);
  return { cost: r.f, p: r.x };
}

export interface ReferenceResult {
  feasible: boolean;
  /** the reference's own value of its best candidate (normalised when instance.normalize) */
  objective: number;
  /** evaluate() of the same decisions (should equal `objective` to rounding) */
  evaluation: Evaluation | null;
  decisions: DeviceDecision[];
  /** number of (server, subset, combination) continuous sub-problems actually solved */
  work: number;
  timing: { bandwidthMs: number; frequencyMs: number };
}

/** Exhaustive optimum of docs/model.md §1 (with §1.5's modes and memory) for a tiny instance. */
export function exhaustiveReference(inst: Instance): ReferenceResult {
  const N = inst.devices.length;
  const M = inst.servers.length;
  if (N > 4 || M > 2 || inst.layers > 8) throw new Error(`exhaustive reference is for tiny instances (got ${N}×${M}×${inst.layers})`);
  const scales = objectiveScales(inst);
  const w: Weights3 = {
    t: inst.weights.delay / scales.delayS,
    tUp: inst.includeUplinkDelay ? inst.weights.delay / scales.delayS : 0,
    e: inst.weights.energy / scales.energyJ,
    s: inst.weights.stability / scales.stability,
  };
  const prepared = inst.devices.map((d) => prepareDevice(inst, d, w));
  let work = 0;

  // Per server: the per-device unconstrained optimum F0 of u(F) = ω_t/F + ω_e·κ·F² (same for all).
  const serverU = inst.servers.map((s) => {
    const u = (F: number) => w.t / F + w.e * s.kappa * F * F;
    const F0 = goldenMinLog(u, s.frequencyHz * 1e-12, s.frequencyHz);
    return { u, F0: F0.x, uMin: F0.f };
  });

  // Bandwidth sub-problem cache: (server, subset mask, class mask) → split
  const bwCache = new Map<string, { cost: number; b: number[]; p: number[] }>();
  const timing = { bandwidthMs: 0, frequencyMs: 0 };
  const bandwidth = (m: number, members: number[], classes: ModeClass[]) => {
    const key = `${m}|${members.join(',')}|${classes.join('')}`;
    const hit = bwCache.get(key);
    if (hit) return hit;
    const t0 = performance.now();
    const W = inst.servers[m].bandwidthHz;
    const costs = members.map((n, i) => {
      const d = inst.devices[n];
      const pd = prepared[n];
      return (b: number) => uplinkAt(inst, d, d.gains[m], pd.zeta[classes[i]], pd.bits[classes[i]], w, b).cost;
    });
    const split = pairwiseExchange(costs, W);
    const p = members.map((n, i) => {
      const d = inst.devices[n];
      const pd = prepared[n];
      return uplinkAt(inst, d, d.gains[m], pd.zeta[classes[i]], pd.bits[classes[i]], w, split.x[i]).p;
    });
    const out = { cost: split.f, b: split.x, p };
    bwCache.set(key, out);
    timing.bandwidthMs += performance.now() - t0;
    return out;
  };

  const frequency = (m: number, coef: number[]): { cost: number; F: number[] } => {
    const { u, F0 } = serverU[m];
    const Ftot = inst.servers[m].frequencyHz;
    const k = coef.length;
    if (k * F0 <= Ftot) return { cost: coef.reduce((s, c) => s + c * u(F0), 0), F: coef.map(() => F0) };
    // Budget binds: pairwise exchange on the simplex. Start proportional to √c (any start works).
    const sq = coef.map((c) => Math.sqrt(c));
    const sqs = sq.reduce((a, b) => a + b, 0);
    const r = pairwiseExchange(
      coef.map((c) => (F: number) => c * u(F)),
      Ftot,
      sq.map((v) => (v / sqs) * Ftot),
    );
    return { cost: r.f, F: r.x };
  };

  // Best combination for every (server, subset).
  interface SubsetBest {
    cost: number;
    choice: DeviceOption[];
    classes: ModeClass[];
  }
  const subsetBest: (SubsetBest | null)[][] = [];
  for (let m = 0; m < M; m++) {
    const server = inst.servers[m];
    const CDm = server.cores * server.flopsPerCycle;
    const row: (SubsetBest | null)[] = new Array(1 << N).fill(null);
    row[0] = { cost: 0, choice: [], classes: [] };
    for (let mask = 1; mask < 1 << N; mask++) {
      const members: number[] = [];
      for (let n = 0; n < N; n++) if (mask & (1 << n)) members.push(n);
      if (server.maxDevices !== null && members.length > server.maxDevices) continue;
      if (members.some((n) => !(inst.devices[n].gains[m] > 0))) continue;
      if (members.some((n) => prepared[n].options.length === 0)) continue;
      let best: SubsetBest | null = null;
      const idx = new Array<number>(members.length).fill(0);
      const opts = members.map((n) => prepared[n].options);
      for (;;) {
        const choice = members.map((_, i) => opts[i][idx[i]]);
        const classes = choice.map((o) => o.cls);
        const local = choice.reduce((s, o) => s + o.localCost, 0);
        const coef = choice.map((o) => o.edgeFlops / CDm);
        const lower = local + coef.reduce((s, c) => s + c * serverU[m].uMin, 0);
        if (best === null || lower < best.cost) {
          const bw = bandwidth(m, members, classes);
          if (best === null || lower + bw.cost < best.cost) {
            work++;
            const t0 = performance.now();
            const fr = frequency(m, coef);
            timing.frequencyMs += performance.now() - t0;
            const total = local + bw.cost + fr.cost;
            if (best === null || total < best.cost) best = { cost: total, choice, classes };
          }
        }
        // next combination (odometer)
        let i = 0;
        while (i < idx.length) {
          idx[i]++;
          if (idx[i] < opts[i].length) break;
          idx[i] = 0;
          i++;
        }
        if (i === idx.length) break;
      }
      row[mask] = best;
    }
    subsetBest.push(row);
  }

  // Every association: assign[n] = server. With `previous`, a device off its previous server pays
  // one migration, weighted like any delay and energy; a pinned device never leaves it.
  const prev = inst.previous;
  const migrationCost = prev ? w.t * prev.migration.delayS + w.e * prev.migration.energyJ : 0;
  let bestAssign: number[] | null = null;
  let bestCost = Infinity;
  const assign = new Array<number>(N).fill(0);
  for (;;) {
    let cost = 0;
    if (prev) {
      for (let n = 0; n < N; n++) {
        const before = prev.server[n];
        if (before === null || assign[n] === before) continue;
        if (prev.pinned[n]) cost = Infinity;
        else cost += migrationCost;
      }
    }
    for (let m = 0; m < M && cost < Infinity; m++) {
      let mask = 0;
      for (let n = 0; n < N; n++) if (assign[n] === m) mask |= 1 << n;
      const sb = subsetBest[m][mask];
      cost = sb === null ? Infinity : cost + sb.cost;
    }
    if (cost < bestCost) {
      bestCost = cost;
      bestAssign = assign.slice();
    }
    let i = 0;
    while (i < N) {
      assign[i]++;
      if (assign[i] < M) break;
      assign[i] = 0;
      i++;
    }
    if (i === N) break;
  }
  if (bestAssign === null) return { feasible: false, objective: Infinity, evaluation: null, decisions: [], work, timing };

  // Rebuild the decisions of the best association.
  const decisions: DeviceDecision[] = new Array(N);
  for (let m = 0; m < M; m++) {
    const members: number[] = [];
    for (let n = 0; n < N; n++) if (bestAssign[n] === m) members.push(n);
    if (members.length === 0) continue;
    const mask = members.reduce((s, n) => s | (1 << n), 0);
    const sb = subsetBest[m][mask]!;
    const bw = bandwidth(m, members, sb.classes);
    const CDm = inst.servers[m].cores * inst.servers[m].flopsPerCycle;
    const fr = frequency(
      m,
      sb.choice.map((o) => o.edgeFlops / CDm),
    );
    members.forEach((n, i) => {
      decisions[n] = {
        server: m,
        splitLayer: sb.choice[i].alpha,
        mode: sb.choice[i].mode,
        cpuFrequencyHz: prepared[n].f,
        transmitPowerW: bw.p[i],
        bandwidthHz: bw.b[i],
        serverFrequencyHz: fr.F[i],
      };
    });
  }
  const evaluation = evaluate(inst, decisions, scales);
  return { feasible: true, objective: bestCost, evaluation, decisions, work, timing };
}

/**
 * Map a solver answer (AllocationOut, by ids) back to DeviceDecision[] in the instance's device
 * order, so evaluate() can re-score it. Throws on an unknown or missing id.
 */
export function allocationToDecisions(inst: Instance, allocations: AllocationOut[]): DeviceDecision[] {
  const byDevice = new Map(allocations.map((a) => [a.deviceId, a]));
  if (byDevice.size !== allocations.length) throw new Error('duplicate deviceId in allocations');
  return inst.devices.map((d) => {
    const a = byDevice.get(d.id);
    if (!a) throw new Error(`no allocation for device ${d.id}`);
    const server = inst.servers.findIndex((s) => s.id === a.serverId);
    if (server < 0) throw new Error(`allocation of ${d.id} names unknown server ${a.serverId}`);
    const mode: TrainingMode =
      a.trainingMode === 'backprop'
        ? { kind: 'backprop' }
        : { kind: 'zeroth-order', queries: a.queries as number, parallelism: a.parallelism as number };
    return {
      server,
      splitLayer: a.splitLayer,
      mode,
      cpuFrequencyHz: a.cpuFrequencyHz,
      transmitPowerW: a.transmitPowerW,
      bandwidthHz: a.bandwidthHz,
      serverFrequencyHz: a.serverFrequencyHz,
    };
  });
}

/** Compact one-line description of decisions, for failure messages. */
export function describeDecisions(inst: Instance, decisions: DeviceDecision[]): string {
  return decisions
    .map((d, n) => {
      const mode = d.mode.kind === 'backprop' ? 'bp' : `zo(q=${d.mode.queries},P=${d.mode.parallelism})`;
      return `${inst.devices[n].id}→${inst.servers[d.server]?.id} α=${d.splitLayer} ${mode} f=${d.cpuFrequencyHz.toPrecision(6)} p=${d.transmitPowerW.toPrecision(6)} b=${d.bandwidthHz.toPrecision(6)} F=${d.serverFrequencyHz.toPrecision(6)}`;
    })
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Deadlines: an independent feasibility verdict (any instance size).
//
// Relaxation: deadline-free devices need only arbitrarily small shares, maxDevices is dropped,
// every device runs at f_max and p_max (both only shorten its delay); memory (a hard constraint)
// still restricts each device's (α, mode). A deadline device n
// on server m with split α and mode needs, for a server frequency F, the bandwidth b_nm(F) with
// ζ·(local(α) + U/r(b, p_max) + edge(α)/F) ≤ T_n — convex and decreasing in F. Pricing server m's
// budgets with μ_b = 1/W_m and μ_F = t/F_m (any t ≥ 0), weak duality gives: if
//   Σ_n min_{m, α, mode, F} [b_nm(F)/W_m + t·F/F_m] > M (the sum of the priced budgets),
// no allocation meets every deadline. Conversely, when the per-device minimisers fit every server's
// budgets with room to spare, they (plus equal leftovers for the other devices) form an allocation
// that evaluate() checks — a witness of feasibility.

export type DeadlineVerdict =
  | { verdict: 'infeasible'; t: number; dual: number }
  | { verdict: 'feasible'; witness: DeviceDecision[] }
  | { verdict: 'unknown' };

function bandwidthForRate(gain: number, powerW: number, N0: number, rate: number): number {
  const cap = (gain * powerW) / (N0 * Math.LN2); // r(b) → cap as b → ∞
  if (!(rate < cap)) return Infinity;
  const r = (b: number) => b * Math.log2(1 + (gain * powerW) / (N0 * b));
  let lo = 1e-9;
  let hi = 1;
  while (r(hi) < rate) hi *= 2;
  if (r(lo) >= rate) return lo;
  for (let i = 0; i < 200 && hi / lo > 1 + 1e-15; i++) {
    const mid = Math.sqrt(lo * hi);
    if (r(mid) < rate) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function deadlineVerdict(inst: Instance): DeadlineVerdict {
  const M = inst.servers.length;
  const L = inst.layers;
  const N0 = inst.noiseWPerHz;
  interface Pick {
    value: number;
    m: number;
    alpha: number;
    mode: TrainingMode;
    F: number;
    b: number;
  }
  /** per server: the device's cheapest (α, mode, F, b) under prices t (null: cannot meet it there) */
  const bestPicks = (d: Device, t: number): (Pick | null)[] => {
    const perServer: (Pick | null)[] = new Array(M).fill(null);
    const psi = specLayerFlops(inst, d);
    const CD = d.cores * d.flopsPerCycle;
    for (let m = 0; m < M; m++) {
      if (!(d.gains[m] > 0)) continue;
      const s = inst.servers[m];
      let best: Pick | null = null;
      for (let alpha = d.minSplitLayer; alpha <= d.maxSplitLayer; alpha++) {
        // Zeroth-order modes differ in delay only by the call overhead (2q/P)·τ: per α, try
        // backprop and the memory-feasible zeroth-order mode with the smallest 2q/P.
        const candidates: TrainingMode[] = [];
        let bestZo: TrainingMode | null = null;
        for (const mode of d.modes) {
          if (d.memoryBytes !== null && specMemory(inst, d, alpha, mode) > d.memoryBytes) continue;
          if (mode.kind === 'backprop') candidates.push(mode);
          else if (
            bestZo === null ||
            (bestZo.kind === 'zeroth-order' && mode.queries / mode.parallelism < bestZo.queries / bestZo.parallelism)
          )
            bestZo = mode;
        }
        if (bestZo) candidates.push(bestZo);
        for (const mode of candidates) {
          const zo = mode.kind === 'zeroth-order';
          const zeta = zo ? inst.zerothOrderStepMultiplier : 1;
          const local = zo
            ? (alpha * 2 * (psi / 3)) / (d.maxFrequencyHz * CD) + ((2 * mode.queries) / mode.parallelism) * d.callOverheadS
            : (alpha * psi) / (d.maxFrequencyHz * CD);
          const bits = (zo ? 2 : 1) * d.uplinkBits;
          const edgeCycles = ((L - alpha) * (zo ? 2 : 1) * psi) / (s.cores * s.flopsPerCycle);
          const budget = d.deadlineS! / zeta - local; // time left for uplink + edge
          if (!(budget > 0)) continue;
          const Fmin = edgeCycles / budget;
          if (!(Fmin < s.frequencyHz)) continue;
          const bOf = (F: number) => bandwidthForRate(d.gains[m], d.maxPowerW, N0, bits / (budget - edgeCycles / F));
          const cost = (F: number) => bOf(F) / s.bandwidthHz + (t * F) / s.frequencyHz;
          const r = goldenMinLog(cost, Math.min(Fmin * (1 + 1e-9), s.frequencyHz), s.frequencyHz, 1e-12);
          if (Number.isFinite(r.f) && (best === null || r.f < best.value)) best = { value: r.f, m, alpha, mode, F: r.x, b: bOf(r.x) };
        }
      }
      perServer[m] = best;
    }
    return perServer;
  };
  const cheapest = (ps: (Pick | null)[]): Pick | null =>
    ps.reduce<Pick | null>((a, p) => (p !== null && (a === null || p.value < a.value) ? p : a), null);
  const withDeadline = inst.devices.map((_d, n) => n).filter((n) => inst.devices[n].deadlineS !== null);
  let bestDual = -Infinity;
  let bestT = 0;
  for (let k = -17; k <= 16; k++) {
    const t = k === -17 ? 0 : 10 ** (k / 4);
    const options = withDeadline.map((n) => bestPicks(inst.devices[n], t));
    const cheapestPicks = options.map(cheapest);
    if (cheapestPicks.some((p) => p === null)) return { verdict: 'infeasible', t, dual: Infinity };
    const dual = cheapestPicks.reduce((s, p) => s + p!.value, 0) - M * (1 + t);
    if (dual > bestDual) {
      bestDual = dual;
      bestT = t;
    }
    // primal: place the neediest devices first, each on the cheapest server that still has room
    // (leaving 1e-6 of each budget for the devices without deadlines, if any)
    const room = inst.devices.some((d) => d.deadlineS === null) ? 1e-6 : 0;
    const usedB = new Array<number>(M).fill(0);
    const usedF = new Array<number>(M).fill(0);
    const order = withDeadline.map((_, i) => i).sort((a, b) => cheapestPicks[b]!.value - cheapestPicks[a]!.value);
    const picks: (Pick | null)[] = new Array(withDeadline.length).fill(null);
    for (const i of order) {
      let chosen: Pick | null = null;
      for (const p of options[i]) {
        if (p === null) continue;
        const s = inst.servers[p.m];
        if (usedB[p.m] + p.b > s.bandwidthHz * (1 - room) || usedF[p.m] + p.F > s.frequencyHz * (1 - room)) continue;
        if (chosen === null || p.value < chosen.value) chosen = p;
      }
      if (chosen === null) break;
      picks[i] = chosen;
      usedB[chosen.m] += chosen.b;
      usedF[chosen.m] += chosen.F;
    }
    if (picks.some((p) => p === null)) continue;
    const decisions: DeviceDecision[] = new Array(inst.devices.length);
    withDeadline.forEach((n, i) => {
      const p = picks[i]!;
      decisions[n] = {
        server: p.m,
        splitLayer: p.alpha,
        mode: p.mode,
        cpuFrequencyHz: inst.devices[n].maxFrequencyHz,
        transmitPowerW: inst.devices[n].maxPowerW,
        bandwidthHz: p.b,
        serverFrequencyHz: p.F,
      };
    });
    const others = inst.devices.map((_, n) => n).filter((n) => inst.devices[n].deadlineS === null);
    const count = new Array<number>(M).fill(0);
    const server = others.map((n) => {
      const d = inst.devices[n];
      const m = d.gains.indexOf(Math.max(...d.gains));
      count[m]++;
      return m;
    });
    others.forEach((n, i) => {
      const d = inst.devices[n];
      const m = server[i];
      const mode = d.modes.find((x) => d.memoryBytes === null || specMemory(inst, d, d.minSplitLayer, x) <= d.memoryBytes) ?? d.modes[0];
      decisions[n] = {
        server: m,
        splitLayer: d.minSplitLayer,
        mode,
        cpuFrequencyHz: d.maxFrequencyHz,
        transmitPowerW: d.maxPowerW,
        bandwidthHz: (inst.servers[m].bandwidthHz - usedB[m]) / count[m],
        serverFrequencyHz: (inst.servers[m].frequencyHz - usedF[m]) / count[m],
      };
    });
    const ev = evaluate(inst, decisions);
    if (ev.violations.length === 0) return { verdict: 'feasible', witness: decisions };
  }
  // claim infeasibility only with a clear margin over the searches' precision
  if (bestDual > 1e-6 * M * (1 + bestT)) return { verdict: 'infeasible', t: bestT, dual: bestDual };
  return { verdict: 'unknown' };
}
