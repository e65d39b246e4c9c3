// The pricing kernel (src/solver/pricing/kernel.ts) against INDEPENDENT brute force, on seeded tiny
// instances with backprop, zeroth-order, memory-limited and inferenceOnly devices (so that a device
// has one or two edge groups and one or two uplink kinds), zero gains, maxDevices, deadline
// multipliers, and prices from 0 over many orders of magnitude around the primal prices.
//
// Two references, neither of which calls bestCandidate / pricePair / edgePriced / bandwidthForPrice:
//  A. "member" brute force: every candidate of memberOf(ctx, m, n) (its fixed cost, its uplink
//     parameters uplinkOf(member, kind) and uplinkCost(u, b) with the closed-form power), priced
//     uplink min_b uplinkCost(b) + λ·b and priced edge min_f load·(w/f + eκ·f²) + μ·f, both by a
//     log-grid scan + golden-section refinement (no stationarity conditions, no Newton);
//  B. "model" brute force from the normalised instance alone: every (mode, split) the device's
//     allowed modes and memory permit (including the zeroth-order variants and splits the solver
//     drops as dominated), local frequency, transmit power (for every bandwidth), bandwidth and
//     server frequency all by scan + golden section, with the cost terms written out here; the
//     winning decision is re-scored through src/model/evaluate.ts's deviceTerms as an anchor.
// Checked:
//  1. pricedDeviceCost(cutoff = ∞) = A = B (relative 1e-7), and ≥ pricedLowerBound;
//  2. with a finite cutoff the answer is the exact value when it is < cutoff, else a lower bound
//     in [cutoff, exact value]; pricePair's `exact` flag says which;
//  3. pricePair's (candidate, bandwidthHz, frequencyHz) re-scored (solver formulas and deviceTerms)
//     reproduce pair.cost (relative 1e-9) and lie within the budgets;
//  4. evaluateDual(…).value equals Σ_n min_m (B + ν_m) − payments and (on the instances
//     small enough for test/reference/exhaustive.ts) never exceeds the exhaustive optimum, at zero,
//     primal and random prices, with random seat prices on servers that have maxDevices.
// Two larger instances (24 and 32 layers) give the branch and bound long runs of splits; they are
// checked against A and B and the brute-force dual function, not the exhaustive optimum.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { deviceTerms, effectiveWeights, objectiveScales } from '../src/model/evaluate.js';
import { peakMemoryBytes } from '../src/model/cost.js';
import { mulberry32 } from '../src/model/random.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { DeviceDecision, Instance, TrainingMode } from '../src/model/types.js';
import { buildDeviceModels, edgeLoadPerLayer } from '../src/solver/pricing/device-model.js';
import { capacities, greedyAssociation, planAll } from '../src/solver/association/association.js';
import { initGlpk } from '../src/solver/math/glpk.js';
import { createPlanContext, kindsOf, memberOf, uplinkOf, type PlanContext, type UplinkKind } from '../src/solver/pricing/member.js';
import { newPairPrice, pricedDeviceCost, pricedLowerBound, pricePair } from '../src/solver/pricing/kernel.js';
import { uplinkCost } from '../src/solver/resources/uplink.js';
import { evaluateDual, type DualPrices } from '../src/solver/bound/dual.js';
import { exhaustiveReference, goldenMinLog } from './reference/exhaustive.js';

const AGREE = 1e-7; // kernel vs brute force, relative
const EXACT = 1e-9; // re-scoring the kernel's own argmin, relative
const SAME = 1e-12; // the kernel against itself (cutoff variants)

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300));

beforeAll(async () => {
  await initGlpk();
});

// ---------------------------------------------------------------------------------------------
// 1-D minimisation by brute force: a scan on a log grid, then golden section (log scale) on the
// two grid cells around the best grid point. Exact for any function unimodal in log x (every
// function minimised here is convex or quasi-convex in x > 0), and insensitive to where the
// minimum sits in a range of 12 decades.

function scanGolden(fn: (x: number) => number, lo: number, hi: number, points: number): { x: number; f: number } {
  if (!(hi > lo)) return { x: hi, f: fn(hi) };
  const la = Math.log(lo);
  const lb = Math.log(hi);
  const at = (i: number) => (i <= 0 ? lo : i >= points ? hi : Math.exp(la + ((lb - la) * i) / points));
  let bi = 0;
  let bx = lo;
  let bf = Infinity;
  for (let i = 0; i <= points; i++) {
    const x = at(i);
    const f = fn(x);
    if (f < bf) {
      bf = f;
      bx = x;
      bi = i;
    }
  }
  const r = goldenMinLog(fn, at(bi - 1), at(bi + 1), 1e-12);
  return r.f < bf ? r : { x: bx, f: bf };
}

// ---------------------------------------------------------------------------------------------
// Instances

interface Case {
  label: string;
  seed: number;
  options: GeneratorOptions;
  zeta?: number;
  /** also run the pricing checks with random deadline multipliers (not the dual check) */
  multipliers?: boolean;
  /** too large for the exhaustive reference: the dual is checked against the brute-force dual only */
  large?: boolean;
}

const CASES: Case[] = [
  { label: 'default modes (ζ = 20)', seed: 501, options: { devices: 3, servers: 2, layers: 6 } },
  {
    label: 'memory limits, ζ = 2',
    seed: 502,
    options: { devices: 3, servers: 2, layers: 6, memory: { fraction: 0.8, factor: [0.15, 1] } },
    zeta: 2,
  },
  {
    label: 'inferenceOnly + trainingMode, ζ = 3',
    seed: 503,
    options: { devices: 3, servers: 2, layers: 5, inferenceOnlyFraction: 0.5, trainingModes: ['auto', 'backprop', 'zeroth-order'] },
    zeta: 3,
    multipliers: true,
  },
  {
    label: 'ζ = 1: backprop and zeroth-order groups side by side',
    seed: 504,
    options: { devices: 3, servers: 2, layers: 7, objective: { weights: { delay: 1, energy: 0.5, stability: 3 } } },
    zeta: 1,
  },
  {
    label: 'ζ = 0.6 with memory limits',
    seed: 505,
    options: { devices: 2, servers: 2, layers: 8, memory: { fraction: 1, factor: [0.3, 1.2] } },
    zeta: 0.6,
  },
  {
    label: 'maxDevices = 2 (seat prices)',
    seed: 506,
    options: { devices: 3, servers: 2, layers: 5, maxDevices: 2, trainingModes: ['auto', 'zeroth-order'] },
    zeta: 1.2,
  },
  {
    label: 'zero gains, no uplink delay, normalisation off, zero stability weight',
    seed: 507,
    options: {
      devices: 3,
      servers: 2,
      layers: 6,
      channel: 'gains',
      coverageM: 350,
      objective: { weights: { delay: 1, energy: 1, stability: 0 }, normalize: false, includeUplinkDelay: false },
      device: { ...TINY_PRESET.device, minPowerW: [0.05, 0.2] },
      inferenceOnlyFraction: 0.3,
    },
    zeta: 1.5,
    multipliers: true,
  },
  {
    label: 'zero energy weight, split ranges, f_min > 0, maxDevices = 1',
    seed: 508,
    options: {
      devices: 2,
      servers: 2,
      layers: 6,
      objective: { weights: { delay: 1, energy: 0, stability: 0.1 } },
      splitRangeFraction: 0.8,
      device: { ...TINY_PRESET.device, minFrequencyFraction: [0.2, 0.7] },
      maxDevices: 1,
      trainingModes: ['auto', 'zeroth-order'],
    },
    zeta: 0.8,
  },
  // Longer runs of splits for the branch and bound (pricing and dual function only).
  {
    label: 'long runs: 24 layers, ζ = 1, memory limits',
    seed: 509,
    options: { devices: 4, servers: 3, layers: 24, memory: { fraction: 0.6, factor: [0.3, 1.5] } },
    zeta: 1,
    large: true,
  },
  {
    label: 'long runs: 32 layers, inferenceOnly, split ranges, maxDevices = 2',
    seed: 510,
    options: { devices: 4, servers: 3, layers: 32, inferenceOnlyFraction: 0.5, splitRangeFraction: 0.5, maxDevices: 2 },
    zeta: 0.7,
    large: true,
    multipliers: true,
  },
];

function caseBody(c: Case): AllocateRequest {
  const body = generateRequest(c.seed, { ...TINY_PRESET, ...c.options });
  if (c.zeta !== undefined) body.model.zerothOrderStepMultiplier = c.zeta;
  return body;
}

function contextOf(instance: Instance): PlanContext {
  return createPlanContext(instance, effectiveWeights(instance, objectiveScales(instance)), buildDeviceModels(instance), 5000);
}

interface PricePoint {
  label: string;
  bandwidth: number[];
  frequency: number[];
}

/**
 * Per-server price vectors: zero, the primal prices of planAll(greedyAssociation), each alone, the
 * primal prices scaled by random factors 10^[−3, 3], and extremes 1e−6 and 1e4 (a price that is 0
 * at the primal point is replaced by a natural scale: cost at zero prices / budget).
 */
function pricePoints(ctx: PlanContext, seed: number): PricePoint[] {
  const I = ctx.instance;
  const assignment = greedyAssociation(ctx);
  expect(assignment, 'greedyAssociation found no association').not.toBeNull();
  const plan = planAll(ctx, assignment!);
  const scaleB: number[] = [];
  const scaleF: number[] = [];
  I.servers.forEach((s, m) => {
    const users = ctx.models.filter((dm) => dm.servers.includes(m)).map((dm) => pricedDeviceCost(ctx, m, dm.index, 0, 0));
    const typical = users.length > 0 ? users.reduce((a, b) => a + b, 0) / users.length : 1;
    const pb = plan.plans[m].bandwidthPrice;
    const pf = plan.plans[m].frequencyPrice;
    scaleB.push(pb > 0 ? pb : typical / s.bandwidthHz);
    scaleF.push(pf > 0 ? pf : typical / s.frequencyHz);
  });
  const M = I.servers.length;
  const zero = new Array<number>(M).fill(0);
  const r = mulberry32(seed);
  const points: PricePoint[] = [
    { label: 'zero', bandwidth: zero, frequency: zero },
    { label: 'primal', bandwidth: plan.plans.map((p) => p.bandwidthPrice), frequency: plan.plans.map((p) => p.frequencyPrice) },
    { label: 'bandwidth only', bandwidth: scaleB, frequency: zero },
    { label: 'frequency only', bandwidth: zero, frequency: scaleF },
    { label: 'tiny', bandwidth: scaleB.map((x) => x * 1e-6), frequency: scaleF.map((x) => x * 1e-6) },
    { label: 'huge', bandwidth: scaleB.map((x) => x * 1e4), frequency: scaleF.map((x) => x * 1e4) },
  ];
  for (let t = 0; t < 6; t++) {
    points.push({
      label: `random ${t}`,
      bandwidth: scaleB.map((x) => x * 10 ** (6 * r() - 3)),
      frequency: scaleF.map((x) => x * 10 ** (6 * r() - 3)),
    });
  }
  return points;
}

// ---------------------------------------------------------------------------------------------
// Reference A: brute force over the member's candidates (solver data, independent minimisation).

function referenceMember(ctx: PlanContext, m: number, n: number, lambda: number, mu: number): { cost: number; candidate: number } {
  const mem = memberOf(ctx, m, n);
  const I = ctx.instance;
  const s = I.servers[m];
  const uplink = new Map<UplinkKind, number>();
  for (const c of mem.candidates) {
    const kind = mem.model.options[c.option].uplinkKind;
    if (uplink.has(kind)) continue;
    const u = uplinkOf(mem, kind);
    uplink.set(kind, scanGolden((b) => uplinkCost(u, b).cost + lambda * b, s.bandwidthHz * 1e-12, s.bandwidthHz, 96).f);
  }
  const w = mem.computeDelayWeight;
  const eKappa = ctx.weights.energy * s.kappa;
  let best = Infinity;
  let candidate = -1;
  mem.candidates.forEach((c, j) => {
    const opt = mem.model.options[c.option];
    const load = (I.layers - c.split) * edgeLoadPerLayer(I, opt, m);
    const edge = scanGolden((f) => load * (w / f + eKappa * f * f) + mu * f, s.frequencyHz * 1e-12, s.frequencyHz, 96).f;
    const total = mem.fixedCosts[j] + uplink.get(opt.uplinkKind)! + edge;
    if (total < best) {
      best = total;
      candidate = j;
    }
  });
  return { cost: best, candidate };
}

// ---------------------------------------------------------------------------------------------
// Reference B: brute force from the instance (the cost terms of docs/model.md §1.2 written out here).

interface RawTerms {
  zeta: number;
  localFlopsPerLayer: number;
  uplinkBits: number;
  edgeFlopsPerLayer: number;
  overheadS: number;
}

function rawTerms(I: Instance, n: number, mode: TrainingMode): RawTerms {
  const d = I.devices[n];
  const psi = d.layerFlops;
  if (mode.kind === 'backprop') return { zeta: 1, localFlopsPerLayer: psi, uplinkBits: d.uplinkBits, edgeFlopsPerLayer: psi, overheadS: 0 };
  return {
    zeta: I.zerothOrderStepMultiplier,
    localFlopsPerLayer: (2 * psi) / 3,
    uplinkBits: 2 * d.uplinkBits,
    edgeFlopsPerLayer: 2 * psi,
    overheadS: ((2 * mode.queries) / mode.parallelism) * d.callOverheadS,
  };
}

interface RawWeights {
  compute: number;
  uplink: number;
  energy: number;
  stability: number;
}

function rawWeights(ctx: PlanContext, n: number): RawWeights {
  const nu = ctx.deadlineMultipliers[n];
  return {
    compute: ctx.weights.delay + nu,
    uplink: (ctx.instance.includeUplinkDelay ? ctx.weights.delay : 0) + nu,
    energy: ctx.weights.energy,
    stability: ctx.weights.stability,
  };
}

interface RawLocal {
  mode: TrainingMode;
  split: number;
  terms: RawTerms;
  /** weighted local cost at the best local frequency + weighted stability */
  fixed: number;
  cpuFrequencyHz: number;
}

/** Every (mode, split) the device may use, with its best local cost (memoised per device and multiplier). */
function rawLocals(ctx: PlanContext, n: number, memo: Map<string, RawLocal[]>): RawLocal[] {
  const key = `${n}:${ctx.deadlineMultipliers[n]}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const I = ctx.instance;
  const d = I.devices[n];
  const w = rawWeights(ctx, n);
  const CD = d.cores * d.flopsPerCycle;
  const fLo = Math.max(d.minFrequencyHz, d.maxFrequencyHz * 1e-9); // the solver's floor on a zero minimum
  const out: RawLocal[] = [];
  for (const mode of d.modes) {
    const t = rawTerms(I, n, mode);
    for (let split = d.minSplitLayer; split <= d.maxSplitLayer; split++) {
      if (d.memoryBytes !== null && peakMemoryBytes(I, d, split, mode) > d.memoryBytes) continue;
      const local = (f: number) =>
        w.compute * t.zeta * ((split * t.localFlopsPerLayer) / (f * CD) + t.overheadS) +
        w.energy * t.zeta * ((split * d.kappa * f * f * t.localFlopsPerLayer) / CD);
      const best = scanGolden(local, fLo, d.maxFrequencyHz, 48);
      const stability = w.stability * ((2 * I.lipschitz ** 2) / (d.samples * (1 - split / I.layers)));
      out.push({ mode, split, terms: t, fixed: best.f + stability, cpuFrequencyHz: best.x });
    }
  }
  memo.set(key, out);
  return out;
}

interface RawBest {
  cost: number;
  decision: DeviceDecision;
}

function referenceModel(ctx: PlanContext, m: number, n: number, lambda: number, mu: number, memo: Map<string, RawLocal[]>): RawBest {
  const I = ctx.instance;
  const d = I.devices[n];
  const s = I.servers[m];
  const w = rawWeights(ctx, n);
  const gain = d.gains[m];
  const N0 = I.noiseWPerHz;
  const pLo = Math.max(d.minPowerW, d.maxPowerW * 1e-9); // the solver's floor on a zero minimum
  const CDm = s.cores * s.flopsPerCycle;
  // priced uplink per distinct ζ·bits: min over b of (min over p of ζ·bits·(ω_u + ω_e·p)/r(b, p)) + λ·b
  const uplinkMemo = new Map<number, { cost: number; b: number; p: number }>();
  const uplink = (bits: number) => {
    let u = uplinkMemo.get(bits);
    if (!u) {
      const atB = (b: number) =>
        scanGolden((p) => (bits * (w.uplink + w.energy * p)) / (b * Math.log2(1 + (gain * p) / (N0 * b))), pLo, d.maxPowerW, 24);
      const r = scanGolden((b) => atB(b).f + lambda * b, s.bandwidthHz * 1e-12, s.bandwidthHz, 60);
      u = { cost: r.f, b: r.x, p: atB(r.x).x };
      uplinkMemo.set(bits, u);
    }
    return u;
  };
  const edgeMemo = new Map<number, { cost: number; f: number }>();
  const edge = (flops: number) => {
    let e = edgeMemo.get(flops);
    if (!e) {
      const r = scanGolden(
        (F) => w.compute * (flops / (F * CDm)) + w.energy * ((s.kappa * F * F * flops) / CDm) + mu * F,
        s.frequencyHz * 1e-12,
        s.frequencyHz,
        96,
      );
      e = { cost: r.f, f: r.x };
      edgeMemo.set(flops, e);
    }
    return e;
  };
  let best: RawBest | null = null;
  for (const o of rawLocals(ctx, n, memo)) {
    const t = o.terms;
    const u = uplink(t.zeta * t.uplinkBits);
    const e = edge(t.zeta * (I.layers - o.split) * t.edgeFlopsPerLayer);
    const cost = o.fixed + u.cost + e.cost;
    if (best === null || cost < best.cost) {
      best = {
        cost,
        decision: {
          server: m,
          splitLayer: o.split,
          mode: o.mode,
          cpuFrequencyHz: o.cpuFrequencyHz,
          transmitPowerW: u.p,
          bandwidthHz: u.b,
          serverFrequencyHz: e.f,
        },
      };
    }
  }
  return best ?? { cost: Infinity, decision: null as unknown as DeviceDecision };
}

/** Lagrangian cost of a decision through the model's own evaluator (deviceTerms). */
function scoredByModel(ctx: PlanContext, n: number, dec: DeviceDecision, lambda: number, mu: number): number {
  const t = deviceTerms(ctx.instance, n, dec);
  const nu = ctx.deadlineMultipliers[n];
  return (
    ctx.weights.delay * t.delayS.total +
    nu * t.physicalDelayS +
    ctx.weights.energy * t.energyJ.total +
    ctx.weights.stability * t.stabilityBound +
    lambda * dec.bandwidthHz +
    mu * dec.serverFrequencyHz
  );
}

// ---------------------------------------------------------------------------------------------
// Per-case data: every (server, device, price point) with the kernel value and both references.

interface Row {
  where: string;
  m: number;
  n: number;
  lambda: number;
  mu: number;
  value: number;
  member: { cost: number; candidate: number };
  model: RawBest;
}

interface CaseData {
  c: Case;
  label: string;
  ctx: PlanContext;
  points: PricePoint[];
  rows: Row[];
}

function buildData(c: Case, withMultipliers: boolean): CaseData {
  const instance = normalize(caseBody(c)).instance;
  const ctx = contextOf(instance);
  const points = pricePoints(ctx, c.seed);
  const label = withMultipliers ? `${c.label} + deadline multipliers` : c.label;
  if (withMultipliers) {
    const r = mulberry32(c.seed + 7);
    ctx.deadlineMultipliers = ctx.models.map(() => ctx.weights.delay * 10 ** (2 * r() - 1));
  }
  const memo = new Map<string, RawLocal[]>();
  const rows: Row[] = [];
  for (const p of points) {
    for (const dm of ctx.models) {
      const n = dm.index;
      for (const m of dm.servers) {
        const lambda = p.bandwidth[m];
        const mu = p.frequency[m];
        rows.push({
          where: `case "${label}" seed=${c.seed} server=${m} device=${n} prices=${p.label} λ=${lambda} μ=${mu}${withMultipliers ? ` ν=${ctx.deadlineMultipliers[n]}` : ''}`,
          m,
          n,
          lambda,
          mu,
          value: pricedDeviceCost(ctx, m, n, lambda, mu, Infinity),
          member: referenceMember(ctx, m, n, lambda, mu),
          model: referenceModel(ctx, m, n, lambda, mu, memo),
        });
      }
    }
  }
  return { c, label, ctx, points, rows };
}

const DATA: CaseData[] = [];
function allData(): CaseData[] {
  if (DATA.length === 0) {
    for (const c of CASES) {
      DATA.push(buildData(c, false));
      if (c.multipliers) DATA.push(buildData(c, true));
    }
  }
  return DATA;
}

// ---------------------------------------------------------------------------------------------

describe('pricing kernel against brute force', () => {
  it('the instances exercise several edge groups, both uplink kinds and zero-gain pairs', () => {
    let bothKinds = 0;
    let zeroOnly = 0;
    let longZeroRun = 0;
    let longRun = 0;
    let twoGroups = 0;
    let zeroGain = 0;
    let droppedZeroOrder = 0;
    for (const d of allData()) {
      const { ctx } = d;
      for (const dm of ctx.models) {
        if (dm.servers.length < ctx.instance.servers.length) zeroGain++;
        for (const m of dm.servers) {
          const mem = memberOf(ctx, m, dm.index);
          const kinds = kindsOf(mem);
          if (kinds.length === 2) bothKinds++;
          if (kinds.length === 1 && kinds[0] === 'zo') zeroOnly++;
          if (mem.groups.length >= 2) twoGroups++;
          if (mem.groups.some((g) => g.kind === 'zo' && g.candidates.length >= 3)) longZeroRun++;
          if (mem.groups.some((g) => g.candidates.length >= 16)) longRun++;
        }
        const raw = ctx.models[dm.index].options.reduce((s, o) => s + o.splits.length, 0);
        if (raw > memberOf(ctx, dm.servers[0], dm.index).candidates.length) droppedZeroOrder++;
      }
    }
    expect(bothKinds).toBeGreaterThan(0);
    expect(zeroOnly).toBeGreaterThan(0);
    expect(twoGroups).toBeGreaterThan(0);
    expect(longZeroRun).toBeGreaterThan(0);
    expect(longRun).toBeGreaterThan(0);
    expect(zeroGain).toBeGreaterThan(0);
    expect(droppedZeroOrder).toBeGreaterThan(0);
  });

  it('1. pricedDeviceCost (cutoff ∞) equals the brute-force minimum over all candidates and over all (mode, split)', () => {
    let zeroOrderWins = 0;
    let backpropWins = 0;
    for (const d of allData()) {
      for (const row of d.rows) {
        const { ctx } = d;
        const msg = `${row.where}: kernel=${row.value} member brute force=${row.member.cost} model brute force=${row.model.cost}`;
        expect(Number.isFinite(row.value), msg).toBe(true);
        expect(rel(row.value, row.member.cost), msg).toBeLessThanOrEqual(AGREE);
        expect(rel(row.value, row.model.cost), msg).toBeLessThanOrEqual(AGREE);
        // the model reference's own terms agree with evaluate()'s deviceTerms at its decision
        const scored = scoredByModel(ctx, row.n, row.model.decision, row.lambda, row.mu);
        expect(rel(scored, row.model.cost), `${msg} deviceTerms=${scored}`).toBeLessThanOrEqual(1e-10);
        // the price-free lower bound
        expect(pricedLowerBound(ctx, row.m, row.n), msg).toBeLessThanOrEqual(row.value * (1 + SAME));
        if (row.model.decision.mode.kind === 'backprop') backpropWins++;
        else zeroOrderWins++;
      }
    }
    expect(zeroOrderWins).toBeGreaterThan(0);
    expect(backpropWins).toBeGreaterThan(0);
  });

  it('2. with a finite cutoff: the exact value below the cutoff, else a lower bound in [cutoff, exact]', () => {
    const pair = newPairPrice();
    let bounded = 0;
    for (const d of allData()) {
      const { ctx } = d;
      for (const row of d.rows) {
        const v = row.value;
        const lb = pricedLowerBound(ctx, row.m, row.n);
        const cutoffs = [0, lb * 0.5, lb, lb + (v - lb) * 0.25, lb + (v - lb) * 0.75, v * (1 - 1e-9), v, v * (1 + 1e-9), v * 1.5, v * 10];
        for (const cutoff of cutoffs) {
          const msg = `${row.where} cutoff=${cutoff}: exact=${v} brute force=${row.member.cost}`;
          const r = pricedDeviceCost(ctx, row.m, row.n, row.lambda, row.mu, cutoff);
          if (v < cutoff) expect(rel(r, v), `${msg} pricedDeviceCost=${r}`).toBeLessThanOrEqual(SAME);
          else {
            expect(r, `${msg} pricedDeviceCost=${r}`).toBeGreaterThanOrEqual(cutoff);
            expect(r, `${msg} pricedDeviceCost=${r}`).toBeLessThanOrEqual(v * (1 + SAME));
            expect(r, `${msg} pricedDeviceCost=${r}`).toBeLessThanOrEqual(row.member.cost * (1 + AGREE));
          }
          pricePair(ctx, row.m, row.n, row.lambda, row.mu, cutoff, pair);
          const pmsg = `${msg} pricePair=${JSON.stringify(pair)}`;
          if (v < cutoff) expect(pair.exact, pmsg).toBe(true);
          if (pair.exact) {
            expect(pair.candidate, pmsg).toBeGreaterThanOrEqual(0);
            expect(rel(pair.cost, v), pmsg).toBeLessThanOrEqual(SAME);
          } else {
            bounded++;
            expect(pair.candidate, pmsg).toBe(-1);
            // (`pair` is reused from the row before: no SNR of an earlier pair left behind.)
            expect(pair.snr, pmsg).toBeNaN();
            expect(pair.cost, pmsg).toBeGreaterThanOrEqual(cutoff);
            expect(pair.cost, pmsg).toBeLessThanOrEqual(v * (1 + SAME));
            expect(pair.cost, pmsg).toBeLessThanOrEqual(row.member.cost * (1 + AGREE));
          }
        }
      }
    }
    expect(bounded).toBeGreaterThan(0);
  });

  it("3. pricePair's candidate, bandwidth and frequency reproduce its cost", () => {
    const pair = newPairPrice();
    for (const d of allData()) {
      const { ctx } = d;
      const I = ctx.instance;
      for (const row of d.rows) {
        pricePair(ctx, row.m, row.n, row.lambda, row.mu, Infinity, pair);
        const msg = `${row.where}: pricePair=${JSON.stringify(pair)} pricedDeviceCost=${row.value} brute force=${row.member.cost}`;
        expect(pair.exact, msg).toBe(true);
        expect(rel(pair.cost, row.value), msg).toBeLessThanOrEqual(SAME);
        const mem = memberOf(ctx, row.m, row.n);
        const s = I.servers[row.m];
        expect(pair.candidate >= 0 && pair.candidate < mem.candidates.length, msg).toBe(true);
        expect(pair.bandwidthHz, msg).toBeGreaterThanOrEqual(s.bandwidthHz * 1e-12 * (1 - 1e-12));
        expect(pair.bandwidthHz, msg).toBeLessThanOrEqual(s.bandwidthHz * (1 + 1e-12));
        expect(pair.frequencyHz, msg).toBeGreaterThanOrEqual(s.frequencyHz * 1e-12 * (1 - 1e-12));
        expect(pair.frequencyHz, msg).toBeLessThanOrEqual(s.frequencyHz * (1 + 1e-12));
        const c = mem.candidates[pair.candidate];
        const opt = mem.model.options[c.option];
        const u = uplinkOf(mem, opt.uplinkKind);
        const up = uplinkCost(u, pair.bandwidthHz);
        const load = (I.layers - c.split) * edgeLoadPerLayer(I, opt, row.m);
        const f = pair.frequencyHz;
        const eKappa = ctx.weights.energy * s.kappa;
        const solverTerms =
          mem.fixedCosts[pair.candidate] +
          up.cost +
          row.lambda * pair.bandwidthHz +
          load * (mem.computeDelayWeight / f + eKappa * f * f) +
          row.mu * f;
        expect(rel(solverTerms, pair.cost), `${msg} re-scored=${solverTerms}`).toBeLessThanOrEqual(EXACT);
        // the same decision through the model's evaluator
        const decision: DeviceDecision = {
          server: row.m,
          splitLayer: c.split,
          mode: opt.mode,
          cpuFrequencyHz: mem.cpuFrequencyHz,
          transmitPowerW: up.powerW,
          bandwidthHz: pair.bandwidthHz,
          serverFrequencyHz: f,
        };
        const scored = scoredByModel(ctx, row.n, decision, row.lambda, row.mu);
        expect(rel(scored, pair.cost), `${msg} deviceTerms=${scored}`).toBeLessThanOrEqual(EXACT);
      }
    }
  });

  it('4. evaluateDual is the dual function and never exceeds the exhaustive optimum', () => {
    let seated = 0;
    for (const d of allData()) {
      if (d.ctx.deadlineMultipliers.some((x) => x !== 0)) continue; // deadline multipliers price deadlines the instance does not have
      const I = d.ctx.instance;
      let optimum = Infinity;
      if (!d.c.large) {
        const ref = exhaustiveReference(I);
        expect(ref.feasible, d.label).toBe(true);
        optimum = ref.objective;
      }
      const ctx = contextOf(I); // fresh memo: evaluateDual from a clean context too
      const cap = capacities(ctx);
      const M = I.servers.length;
      const hasSeats = I.servers.some((s) => s.maxDevices !== null);
      const r = mulberry32(d.c.seed + 13);
      // seat prices on the scale of a device's priced cost
      const typical =
        d.rows.filter((x) => x.lambda === 0 && x.mu === 0).reduce((a, x) => a + x.value, 0) / Math.max(1, I.devices.length * M);
      const memo = new Map<string, RawLocal[]>();
      for (const p of d.points) {
        const seatSets: number[][] = [new Array<number>(M).fill(0)];
        if (hasSeats) {
          for (let t = 0; t < 3; t++) seatSets.push(I.servers.map((s) => (s.maxDevices !== null ? typical * 10 ** (3 * r() - 2) : 0)));
        }
        for (const seat of seatSets) {
          const prices: DualPrices = {
            bandwidth: Float64Array.from(p.bandwidth),
            frequency: Float64Array.from(p.frequency),
            seat: Float64Array.from(seat),
          };
          const g = evaluateDual(ctx, prices, cap).value;
          // independent dual function from reference B
          let sum = 0;
          let magnitude = 0;
          for (let n = 0; n < I.devices.length; n++) {
            let best = Infinity;
            for (const m of ctx.models[n].servers)
              best = Math.min(best, referenceModel(ctx, m, n, p.bandwidth[m], p.frequency[m], memo).cost + seat[m]);
            sum += best;
            magnitude += Math.abs(best);
          }
          let payments = 0;
          for (let m = 0; m < M; m++)
            payments += p.bandwidth[m] * I.servers[m].bandwidthHz + p.frequency[m] * I.servers[m].frequencyHz + seat[m] * cap[m];
          const gRef = sum - payments;
          const msg = `case "${d.label}" seed=${d.c.seed} prices=${p.label} λ=${p.bandwidth} μ=${p.frequency} ν=${seat}: evaluateDual=${g} brute-force dual=${gRef} exhaustive optimum=${optimum}`;
          expect(Math.abs(g - gRef), msg).toBeLessThanOrEqual(AGREE * (magnitude + payments));
          if (optimum < Infinity) {
            expect(g, msg).toBeLessThanOrEqual(optimum * (1 + 1e-9));
            if (seat.some((x) => x > 0)) seated++;
          }
        }
      }
    }
    expect(seated).toBeGreaterThan(0);
  });
});
