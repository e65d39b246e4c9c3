// Sanity of the independent exhaustive reference (test/reference/exhaustive.ts) itself: its 1-D
// and simplex searches, its continuous optimum against closed forms derived by hand from docs/model.md §1.2,
// its reductions against a naive enumeration, and its optimum against the normalisation's reference point.
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { evaluate, objectiveScales, referenceDecisions } from '../src/model/evaluate.js';
import type { AllocateRequest, DeviceSpec, ServerSpec } from '../src/model/request.js';
import type { DeviceDecision, Instance, TrainingMode } from '../src/model/types.js';
import { deadlineVerdict, exhaustiveReference, goldenMin, goldenMinLog, pairwiseExchange } from './reference/exhaustive.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

function device(over: Partial<DeviceSpec> = {}): DeviceSpec {
  return {
    id: 'ue-1',
    gpuCores: 4,
    flopsPerCycle: 1,
    maxFrequencyHz: 1e9,
    minFrequencyHz: 1e8,
    maxPowerW: 2,
    minPowerW: 0.01,
    kappa: 3e-27,
    tokens: 24,
    samples: 1000,
    channelGains: { 'es-1': 1e-11 },
    ...over,
  };
}

function server(over: Partial<ServerSpec> = {}): ServerSpec {
  return { id: 'es-1', gpuCores: 8, flopsPerCycle: 1, frequencyHz: 2e9, bandwidthHz: 1e6, kappa: 1e-26, ...over };
}

function body(devices: DeviceSpec[], servers: ServerSpec[], extra: Partial<AllocateRequest> = {}): AllocateRequest {
  return { model: { layers: 6, hiddenSize: 64, batchSize: 8 }, devices, servers, ...extra };
}

const inst = (b: AllocateRequest): Instance => normalize(b).instance;

describe('search primitives', () => {
  it('golden section finds the minimiser of a quadratic and of a function minimal at an end', () => {
    expect(goldenMin((x) => (x - 0.3) ** 2, 0, 1).x).toBeCloseTo(0.3, 9);
    expect(goldenMin((x) => x, 2, 5).x).toBe(2);
    expect(goldenMin((x) => -x, 2, 5).x).toBe(5);
    expect(rel(goldenMinLog((x) => 1 / x + x * x, 1e-6, 1e6).x, Math.cbrt(0.5))).toBeLessThan(1e-8);
  });

  it('pairwise exchange solves a separable quadratic on the simplex (closed form)', () => {
    // min Σ a_i (x_i − c_i)² s.t. Σ x_i = T  →  x_i = c_i + (T − Σc) / (a_i · Σ 1/a_j)
    const a = [1, 3, 0.5, 2];
    const c = [1, 2, 3, 4];
    const T = 14;
    const r = pairwiseExchange(
      a.map((ai, i) => (x: number) => ai * (x - c[i]) ** 2),
      T,
    );
    const invSum = a.reduce((s, ai) => s + 1 / ai, 0);
    a.forEach((ai, i) => expect(r.x[i]).toBeCloseTo(c[i] + (T - 10) / (ai * invSum), 6));
    expect(r.x.reduce((s, v) => s + v, 0)).toBeCloseTo(T, 12);
  });

  it('pairwise exchange solves Σ c_i/x_i on the simplex (x_i ∝ √c_i)', () => {
    const c = [1, 4, 9];
    const r = pairwiseExchange(
      c.map((ci) => (x: number) => ci / x),
      12,
    );
    expect(r.x[0]).toBeCloseTo(2, 7);
    expect(r.x[1]).toBeCloseTo(4, 7);
    expect(r.x[2]).toBeCloseTo(6, 7);
    expect(rel(r.f, 36 / 12)).toBeLessThan(1e-12);
  });
});

/** Weighted closed forms for one device alone on one server (normalisation off: weights are raw). */
describe('one device, one server: continuous optimum matches closed forms', () => {
  const N0 = 10 ** ((-174 - 30) / 10);

  it('local frequency f* = (ω_t / (2 κ ω_e))^(1/3), edge frequency min(F, (ω_t/(2κ_m ω_e))^(1/3)), bandwidth = W', () => {
    // weights chosen so that f* is interior to [f_min, f_max] and the server optimum is interior too
    const wt = 1;
    const we = 2e-2;
    const d = device({ kappa: 3e-27, minFrequencyHz: 1e7, maxFrequencyHz: 1e10 });
    const s = server({ kappa: 1e-26, frequencyHz: 1e11 });
    const I = inst(body([d], [s], { objective: { weights: { delay: wt, energy: we, stability: 1 }, normalize: false } }));
    const r = exhaustiveReference(I);
    expect(r.feasible).toBe(true);
    const dec = r.decisions[0];
    const fStar = Math.cbrt(wt / (2 * d.kappa * we));
    expect(fStar).toBeGreaterThan(1e7);
    expect(fStar).toBeLessThan(1e10);
    expect(rel(dec.cpuFrequencyHz, fStar)).toBeLessThan(1e-7);
    const FStar = Math.cbrt(wt / (2 * s.kappa * we));
    expect(FStar).toBeLessThan(1e11);
    expect(rel(dec.serverFrequencyHz, FStar)).toBeLessThan(1e-7);
    expect(dec.bandwidthHz).toBeCloseTo(s.bandwidthHz, 3);
  });

  it('clips: f* above f_max gives f_max; server optimum above F uses the whole budget', () => {
    const d = device({ maxFrequencyHz: 5e8 });
    const s = server({ frequencyHz: 1e9 });
    const I = inst(body([d], [s], { objective: { weights: { delay: 1, energy: 1e-6, stability: 1 }, normalize: false } }));
    expect(Math.cbrt(1 / (2 * 3e-27 * 1e-6))).toBeGreaterThan(5e8);
    const dec = exhaustiveReference(I).decisions[0];
    expect(rel(dec.cpuFrequencyHz, 5e8)).toBeLessThan(1e-12);
    expect(rel(dec.serverFrequencyHz, 1e9)).toBeLessThan(1e-12);
  });

  it('clips from below: a huge energy weight drives f to f_min', () => {
    const d = device({ minFrequencyHz: 2e8 });
    const I = inst(body([d], [server()], { objective: { weights: { delay: 1e-9, energy: 1, stability: 1 }, normalize: false } }));
    const dec = exhaustiveReference(I).decisions[0];
    expect(rel(dec.cpuFrequencyHz, 2e8)).toBeLessThan(1e-12);
  });

  it('energy weight 0: power p_max, frequencies at their maxima, whole budgets', () => {
    const I = inst(body([device()], [server()], { objective: { weights: { delay: 1, energy: 0, stability: 1 }, normalize: false } }));
    const dec = exhaustiveReference(I).decisions[0];
    expect(dec.transmitPowerW).toBe(2);
    expect(rel(dec.cpuFrequencyHz, 1e9)).toBeLessThan(1e-12);
    expect(rel(dec.serverFrequencyHz, 2e9)).toBeLessThan(1e-9);
    expect(rel(dec.bandwidthHz, 1e6)).toBeLessThan(1e-12);
  });

  it('power: stationary SNR x of (1+x)ln(1+x) − x = ω_t·g / (ω_e·N0·b), clipped to [p_min, p_max]', () => {
    for (const [wt, we, g] of [
      [1, 1e-3, 1e-11],
      [1, 3e-2, 1e-12],
      [1, 1e-5, 1e-13],
    ]) {
      const d = device({ channelGains: { 'es-1': g } });
      const I = inst(body([d], [server()], { objective: { weights: { delay: wt, energy: we, stability: 1 }, normalize: false } }));
      const dec = exhaustiveReference(I).decisions[0];
      const b = 1e6;
      const target = (wt * g) / (we * N0 * b);
      // solve Φ(x) = target by bisection (Φ increasing)
      let lo = 0;
      let hi = 1;
      while ((1 + hi) * Math.log1p(hi) - hi < target) hi *= 2;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if ((1 + mid) * Math.log1p(mid) - mid < target) lo = mid;
        else hi = mid;
      }
      const p = Math.min(2, Math.max(0.01, (((lo + hi) / 2) * (N0 * b)) / g));
      expect(rel(dec.transmitPowerW, p)).toBeLessThan(1e-6);
    }
  });

  it('split: the reference picks the best α of a by-hand enumeration with the closed-form continuous parts', () => {
    // energy weight 0 → f = f_max, p = p_max, F = F, b = W; then only α varies.
    const chosen = new Set<number>();
    for (const stability of [0, 0.05, 0.2, 1, 5]) {
      const d = device({ samples: 50 });
      const s = server({ gpuCores: 1 }); // the server is slower than the device: a real trade-off
      const I = inst(body([d], [s], { objective: { weights: { delay: 1, energy: 0, stability }, normalize: false } }));
      const r = exhaustiveReference(I);
      const L = 6;
      const psi = 72 * 8 * 24 * 64 ** 2 + 12 * 8 * 24 ** 2 * 64;
      const bits = 8 * 24 * 64 * 8 * 2;
      const rate = 1e6 * Math.log2(1 + (1e-11 * 2) / (N0 * 1e6));
      const costs = [1, 2, 3, 4, 5].map(
        (a) => (a * psi) / (1e9 * 4) + bits / rate + ((L - a) * psi) / (2e9 * 1) + stability * (2 / (50 * (1 - a / L))),
      );
      const best = Math.min(...costs);
      expect(rel(costs[r.decisions[0].splitLayer - 1], best)).toBeLessThan(1e-12);
      expect(rel(r.objective, best)).toBeLessThan(1e-12);
      chosen.add(r.decisions[0].splitLayer);
    }
    expect(chosen.size).toBeGreaterThanOrEqual(3); // the instance really exercises the split
  });

  it('two devices, energy weight 0: the server frequency splits ∝ √((Υ−α)ψ) (closed form)', () => {
    const d1 = device({ id: 'a', tokens: 16, minSplitLayer: 2, maxSplitLayer: 2 });
    const d2 = device({ id: 'b', tokens: 32, minSplitLayer: 4, maxSplitLayer: 4 });
    const I = inst(body([d1, d2], [server()], { objective: { weights: { delay: 1, energy: 0, stability: 1 }, normalize: false } }));
    const r = exhaustiveReference(I);
    const psi = (t: number) => 72 * 8 * t * 64 ** 2 + 12 * 8 * t * t * 64;
    const c1 = Math.sqrt(4 * psi(16));
    const c2 = Math.sqrt(2 * psi(32));
    expect(rel(r.decisions[0].serverFrequencyHz, (2e9 * c1) / (c1 + c2))).toBeLessThan(1e-7);
    expect(rel(r.decisions[1].serverFrequencyHz, (2e9 * c2) / (c1 + c2))).toBeLessThan(1e-7);
  });
});

/** Naive enumeration: every association × split × mode vector, each solved from scratch. */
function naiveReference(I: Instance): number {
  const scales = objectiveScales(I);
  const wt = I.weights.delay / scales.delayS;
  const wtUp = I.includeUplinkDelay ? wt : 0;
  const we = I.weights.energy / scales.energyJ;
  const N = I.devices.length;
  const M = I.servers.length;
  let best = Infinity;
  const rec = (n: number, partial: { server: number; splitLayer: number; mode: TrainingMode }[]) => {
    if (n === N) {
      const decisions: DeviceDecision[] = partial.map((p, i) => {
        const d = I.devices[i];
        const f = goldenMinLog((x) => wt / x + we * d.kappa * x * x, Math.max(d.minFrequencyHz, 1e-3), d.maxFrequencyHz).x;
        return { ...p, cpuFrequencyHz: f, transmitPowerW: 0, bandwidthHz: 0, serverFrequencyHz: 0 };
      });
      for (let m = 0; m < M; m++) {
        const members = decisions.map((_, i) => i).filter((i) => decisions[i].server === m);
        if (members.length === 0) continue;
        const s = I.servers[m];
        if (s.maxDevices !== null && members.length > s.maxDevices) return;
        const zeta = (i: number) => (decisions[i].mode.kind === 'backprop' ? 1 : I.zerothOrderStepMultiplier);
        const bits = (i: number) => (decisions[i].mode.kind === 'backprop' ? 1 : 2) * I.devices[i].uplinkBits;
        const up = (i: number, b: number) =>
          goldenMinLog(
            (p) => (zeta(i) * bits(i) * (wtUp + we * p)) / (b * Math.log2(1 + (I.devices[i].gains[m] * p) / (I.noiseWPerHz * b))),
            Math.max(I.devices[i].minPowerW, 1e-12),
            I.devices[i].maxPowerW,
          );
        const bw = pairwiseExchange(
          members.map((i) => (b: number) => up(i, b).f),
          s.bandwidthHz,
        );
        const fr = pairwiseExchange(
          members.map((i) => {
            const c =
              (zeta(i) * (I.layers - decisions[i].splitLayer) * (decisions[i].mode.kind === 'backprop' ? 1 : 2) * I.devices[i].layerFlops) /
              (s.cores * s.flopsPerCycle);
            return (F: number) => c * (wt / F + we * s.kappa * F * F);
          }),
          s.frequencyHz,
        );
        // with ω_e > 0 the unconstrained per-device optimum may leave budget unused: take the better
        const F0 = goldenMinLog((F) => wt / F + we * s.kappa * F * F, s.frequencyHz * 1e-9, s.frequencyHz).x;
        const useF0 = members.length * F0 <= s.frequencyHz;
        members.forEach((i, k) => {
          decisions[i].bandwidthHz = bw.x[k];
          decisions[i].transmitPowerW = up(i, bw.x[k]).x;
          decisions[i].serverFrequencyHz = useF0 ? F0 : fr.x[k];
        });
      }
      const e = evaluate(I, decisions, scales);
      if (e.violations.length === 0 && e.objective < best) best = e.objective;
      return;
    }
    const d = I.devices[n];
    for (let m = 0; m < M; m++) {
      if (!(d.gains[m] > 0)) continue;
      for (let a = d.minSplitLayer; a <= d.maxSplitLayer; a++)
        for (const mode of d.modes) rec(n + 1, [...partial, { server: m, splitLayer: a, mode }]);
    }
  };
  rec(0, []);
  return best;
}

describe('reductions are exact: the reference equals a naive enumeration', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: 2 devices, ${seed % 2 ? 2 : 1} server(s), 4 layers, memory-limited zeroth-order modes`, () => {
      const b = generateRequest(seed, {
        ...TINY_PRESET,
        devices: 2,
        servers: seed % 2 ? 2 : 1,
        layers: 4,
        memory: { fraction: 1, factor: [0.3, 1] },
        objective: { weights: { delay: 1, energy: seed % 3 === 0 ? 0 : 1, stability: 0.2 }, normalize: seed !== 2 },
      });
      b.model.zerothOrderStepMultiplier = 1.2; // make zeroth-order competitive
      b.devices.forEach((d) => (d.queries = 2)); // modes: backprop + (q = 2, P ∈ {1, 2, 4})
      if (seed === 3) b.servers[0].maxDevices = 1;
      const I = inst(b);
      const r = exhaustiveReference(I);
      const naive = naiveReference(I);
      expect(r.feasible).toBe(true);
      expect(rel(r.objective, naive)).toBeLessThan(1e-9);
    });
  }
});

describe('the reference on random tiny instances', () => {
  for (let seed = 100; seed < 112; seed++) {
    it(`seed ${seed}: feasible, self-consistent with evaluate(), never worse than the normalisation's reference point`, () => {
      const N = 1 + (seed % 4);
      const b = generateRequest(seed, {
        ...TINY_PRESET,
        devices: N,
        servers: 1 + (seed % 2),
        layers: 4 + (seed % 5),
        objective: { weights: { delay: 1, energy: [1, 0, 0.3][seed % 3], stability: [1, 0.1, 0][seed % 3] }, normalize: seed % 4 !== 1 },
      });
      const I = inst(b);
      const r = exhaustiveReference(I);
      expect(r.feasible).toBe(true);
      expect(r.evaluation!.violations).toEqual([]);
      expect(rel(r.evaluation!.objective, r.objective)).toBeLessThan(1e-9);
      const refPoint = evaluate(I, referenceDecisions(I));
      if (refPoint.violations.length === 0) expect(r.objective).toBeLessThanOrEqual(refPoint.objective * (1 + 1e-12));
      if (I.normalize && refPoint.violations.length === 0)
        expect(refPoint.objective).toBeCloseTo(I.weights.delay + I.weights.energy + I.weights.stability, 9);
    });
  }

  it('memory: a device that cannot hold α_min layers in any mode makes the reference infeasible', () => {
    const d = device({ memoryBytes: 1000, trainingMode: 'backprop' });
    const r = exhaustiveReference(inst(body([d], [server()])));
    expect(r.feasible).toBe(false);
  });

  it('memory: the reference respects the budget and falls back to zeroth-order when backprop cannot fit', () => {
    // one backprop layer needs w + a + 16A = 98304 + 8·24·(34·64 + 5·24) + 16·2048 = 571904 bytes
    const d = device({ memoryBytes: 500_000 });
    const I = inst(body([d], [server()]));
    const r = exhaustiveReference(I);
    expect(r.feasible).toBe(true);
    expect(r.decisions[0].mode.kind).toBe('zeroth-order');
    expect(r.evaluation!.devices[0].peakMemoryBytes).toBeLessThanOrEqual(500_000);
    expect(r.evaluation!.violations).toEqual([]);
  });
});

describe('the independent deadline verdict (reference/exhaustive.ts deadlineVerdict)', () => {
  const N0 = 10 ** ((-174 - 30) / 10);
  // one device alone on one server: the fastest step is f_max, p_max, the whole server, best α
  const d = device({ samples: 50 });
  const s = server({ gpuCores: 1 });
  const psi = 72 * 8 * 24 * 64 ** 2 + 12 * 8 * 24 ** 2 * 64;
  const bits = 8 * 24 * 64 * 8 * 2;
  const up = bits / (1e6 * Math.log2(1 + (1e-11 * 2) / (N0 * 1e6)));
  const fastest = Math.min(...[1, 2, 3, 4, 5].map((a) => (a * psi) / (1e9 * 4) + up + ((6 - a) * psi) / 2e9));

  it('a deadline just above the fastest possible step is feasible (with a witness evaluate() accepts)', () => {
    const I = inst(body([{ ...d, deadlineS: fastest * (1 + 1e-6) }], [s]));
    const v = deadlineVerdict(I);
    expect(v.verdict).toBe('feasible');
    if (v.verdict === 'feasible') expect(evaluate(I, v.witness).violations).toEqual([]);
  });

  it('a deadline just below it is infeasible', () => {
    expect(deadlineVerdict(inst(body([{ ...d, deadlineS: fastest * (1 - 1e-6) }], [s]))).verdict).toBe('infeasible');
  });

  it('two devices that each fit alone but not together are proven infeasible by the priced budgets', () => {
    // each alone needs most of the server: 0.75·(its fastest step alone) cannot be met by both at once
    const a = { ...d, id: 'a', deadlineS: fastest * 1.3 };
    const b2 = { ...d, id: 'b', deadlineS: fastest * 1.3 };
    expect(deadlineVerdict(inst(body([a], [s]))).verdict).toBe('feasible');
    expect(deadlineVerdict(inst(body([a, b2], [s]))).verdict).toBe('infeasible');
    // with a second, identical server each device gets its own: feasible again
    const two = inst(
      body(
        [a, b2].map((x) => ({ ...x, channelGains: { 'es-1': 1e-11, 'es-2': 1e-11 } })),
        [s, server({ id: 'es-2', gpuCores: 1 })],
      ),
    );
    expect(deadlineVerdict(two).verdict).toBe('feasible');
  });
});
