// Hand-computed checks of the model layer (normalize.ts, cost.ts, evaluate.ts) against docs/model.md
// §1.2, §1.3 and §1.5. Every expected number below is worked out by hand from its formulas (shown in the
// comments), not by calling the code under test.
import { describe, expect, it } from 'vitest';
import { normalize } from '../src/model/normalize.js';
import { evaluate, objectiveScales, referenceDecisions, referenceTotals } from '../src/model/evaluate.js';
import type { AllocateRequest, DeviceSpec, ServerSpec } from '../src/model/request.js';
import type { DeviceDecision, Instance } from '../src/model/types.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
const close = (actual: number, expected: number, tol = 1e-12) =>
  expect(rel(actual, expected), `${actual} vs ${expected}`).toBeLessThan(tol);

// Model: Υ = 4, h = 64, B = 8, s = 2 (default). Device: d = 16, C = 4, D = 2, κ = 2e-27, k = 1000.
//   ψ = 72·B·d·h² + 12·B·d²·h = 72·8·16·4096 + 12·8·256·64 = 37 748 736 + 1 572 864 = 39 321 600
//   φ = ψ/3 = 13 107 200
//   s_n = B·d·h·8·2 = 131 072 bits
//   w = 12·h²·s = 98 304;  H = max(1, 64/64) = 1;  A = 2·16·64 = 2048
//   a_n = B·d·(34h + 5Hd) = 128·(2176 + 80) = 288 768
const PSI = 39_321_600;
const PHI = 13_107_200;
const BITS = 131_072;
const N0 = 10 ** ((-174 - 30) / 10); // −174 dBm/Hz in W/Hz

function dev(over: Partial<DeviceSpec> = {}): DeviceSpec {
  return {
    id: 'ue-1',
    gpuCores: 4,
    flopsPerCycle: 2,
    maxFrequencyHz: 1e9,
    maxPowerW: 2,
    kappa: 2e-27,
    tokens: 16,
    samples: 1000,
    channelGains: { 'es-1': 1e-10, 'es-2': 1e-12 },
    ...over,
  };
}
function srv(over: Partial<ServerSpec> = {}): ServerSpec {
  return { id: 'es-1', gpuCores: 10, flopsPerCycle: 1, frequencyHz: 2e9, bandwidthHz: 2e6, kappa: 1e-26, ...over };
}
function req(
  devices: DeviceSpec[],
  servers: ServerSpec[] = [srv(), srv({ id: 'es-2' })],
  extra: Partial<AllocateRequest> = {},
): AllocateRequest {
  return { model: { layers: 4, hiddenSize: 64, batchSize: 8 }, devices, servers, objective: { normalize: false }, ...extra };
}
const inst = (r: AllocateRequest): Instance => normalize(r).instance;

const BASE: DeviceDecision = {
  server: 0,
  splitLayer: 2,
  mode: { kind: 'backprop' },
  cpuFrequencyHz: 5e8,
  transmitPowerW: 1,
  bandwidthHz: 1e6,
  serverFrequencyHz: 1e9,
};

describe('normalize(): defaults and derived quantities (docs/model.md §1.1, §1.5)', () => {
  it('derives ψ, s_n, a_n and the default model overrides', () => {
    const I = inst(req([dev()]));
    const d = I.devices[0];
    expect(d.layerFlops).toBe(PSI);
    expect(d.uplinkBits).toBe(BITS);
    expect(d.activationBytesPerLayer).toBe(288_768);
    expect(I.weightBytesPerLayer).toBe(98_304);
    expect(I.adapterParamsPerLayer).toBe(2048);
    expect(I.zerothOrderStepMultiplier).toBe(20);
    expect(d.callOverheadS).toBe(0.01);
    expect(d.minSplitLayer).toBe(1);
    expect(d.maxSplitLayer).toBe(3);
    expect(d.minFrequencyHz).toBe(0);
    expect(d.minPowerW).toBe(0);
    close(I.noiseWPerHz, 3.981071705534972e-21);
    expect(I.weights).toEqual({ delay: 1, energy: 1, stability: 1 });
    expect(I.includeUplinkDelay).toBe(true);
    expect(I.lipschitz).toBe(1);
  });

  it('auto mode offers backprop and every zeroth-order (q | B from {1,2,4,8,16}, P | 2q)', () => {
    // B = 8 → q ∈ {1, 2, 4, 8}; P | 2q → 2 + 3 + 4 + 5 = 14 zeroth-order modes, plus backprop
    const d = inst(req([dev()])).devices[0];
    expect(d.modes).toHaveLength(15);
    expect(d.modes[0]).toEqual({ kind: 'backprop' });
    expect(d.modes).toContainEqual({ kind: 'zeroth-order', queries: 8, parallelism: 16 });
    expect(d.modes).not.toContainEqual({ kind: 'zeroth-order', queries: 16, parallelism: 1 });
    expect(d.referenceMode).toEqual({ kind: 'backprop' });
  });

  it('inferenceOnly / trainingMode restrict the modes; the reference mode is zeroth-order q = 1, P = 2', () => {
    const I = inst(
      req([dev({ inferenceOnly: true }), dev({ id: 'b', trainingMode: 'zeroth-order' }), dev({ id: 'c', trainingMode: 'backprop' })]),
    );
    expect(I.devices[0].modes.every((m) => m.kind === 'zeroth-order')).toBe(true);
    expect(I.devices[0].referenceMode).toEqual({ kind: 'zeroth-order', queries: 1, parallelism: 2 });
    expect(I.devices[1].referenceMode).toEqual({ kind: 'zeroth-order', queries: 1, parallelism: 2 });
    expect(I.devices[2].modes).toEqual([{ kind: 'backprop' }]);
  });

  it('gains from positions: PL(dB) = 128.1 + 37.6·log10(d km), g = 10^(−PL/10)', () => {
    const I = inst(
      req(
        [dev({ channelGains: undefined, position: { xM: 0, yM: 0 } })],
        [srv({ position: { xM: 300, yM: 400 } }), srv({ id: 'es-2', position: { xM: 1000, yM: 0 } })],
      ),
    );
    // 500 m: PL = 128.1 + 37.6·log10(0.5) = 128.1 − 11.3186… ; 1 km: PL = 128.1
    close(I.devices[0].gains[0], 10 ** (-(128.1 + 37.6 * Math.log10(0.5)) / 10));
    close(I.devices[0].gains[1], 10 ** -12.81);
  });

  it('servers missing from channelGains get gain 0', () => {
    const I = inst(req([dev({ channelGains: { 'es-2': 3e-11 } })]));
    expect(I.devices[0].gains).toEqual([0, 3e-11]);
  });
});

describe('evaluate(): backprop terms (docs/model.md §1.2)', () => {
  const I = inst(req([dev()]));
  const e = evaluate(I, [BASE]);
  const t = e.devices[0];

  it('local: α·ψ/(f·C·D) and α·κ·f²·ψ/(C·D)', () => {
    // 2·39 321 600 / (5e8·8) = 0.0196608 s;  2·2e-27·2.5e17·39 321 600 / 8 = 4.9152e-3 J
    close(t.delayS.local, 0.0196608);
    close(t.energyJ.local, 4.9152e-3);
  });

  it('uplink: r = b·log2(1 + g·p/(N0·b)), delay s/r, energy p·s/r', () => {
    const rate = 1e6 * Math.log2(1 + 1e-10 / (N0 * 1e6)); // SNR ≈ 25 118.9
    close(t.delayS.uplink, BITS / rate);
    close(t.energyJ.uplink, (1 * BITS) / rate);
    expect(t.delayS.uplink).toBeGreaterThan(8.96e-3);
    expect(t.delayS.uplink).toBeLessThan(8.97e-3);
  });

  it('edge: (Υ−α)·ψ/(F·C·D) and (Υ−α)·κ_m·F²·ψ/(C·D)', () => {
    // 2·39 321 600/(1e9·10) = 7.86432e-3 s;  2·1e-26·1e18·39 321 600/10 = 0.0786432 J
    close(t.delayS.edge, 7.86432e-3);
    close(t.energyJ.edge, 0.0786432);
  });

  it('totals, stability 2L²/(k(1−α/Υ)), memory α(w + a + 16A), objective with raw weights', () => {
    close(t.delayS.total, t.delayS.local + t.delayS.uplink + t.delayS.edge);
    close(t.energyJ.total, t.energyJ.local + t.energyJ.uplink + t.energyJ.edge);
    close(t.physicalDelayS, t.delayS.total);
    close(t.stabilityBound, 2 / (1000 * (1 - 2 / 4))); // 0.004
    expect(t.peakMemoryBytes).toBe(2 * (98_304 + 288_768 + 16 * 2048)); // 839 680
    close(e.objective, t.delayS.total + t.energyJ.total + t.stabilityBound);
    expect(e.violations).toEqual([]);
  });

  it('stability scales with L² and each sum with its weight', () => {
    const I2 = inst(
      req([dev()], undefined, { objective: { normalize: false, lipschitz: 3, weights: { delay: 2, energy: 0.5, stability: 7 } } }),
    );
    const e2 = evaluate(I2, [BASE]);
    close(e2.devices[0].stabilityBound, (2 * 9) / (1000 * 0.5));
    close(e2.objective, 2 * t.delayS.total + 0.5 * t.energyJ.total + 7 * e2.devices[0].stabilityBound);
  });

  it('includeUplinkDelay: false drops the uplink from the delay sum but not from energy or the physical delay', () => {
    const I2 = inst(req([dev()], undefined, { objective: { normalize: false, includeUplinkDelay: false } }));
    const t2 = evaluate(I2, [BASE]).devices[0];
    close(t2.delayS.total, 0.0196608 + 7.86432e-3);
    close(t2.physicalDelayS, t.physicalDelayS);
    close(t2.energyJ.total, t.energyJ.total);
    close(t2.delayS.uplink, t.delayS.uplink);
  });

  it('a custom uplinkBits replaces s_n', () => {
    const I2 = inst(req([dev({ uplinkBits: 1e6 })]));
    close(evaluate(I2, [BASE]).devices[0].delayS.uplink, (t.delayS.uplink * 1e6) / BITS);
  });
});

describe('evaluate(): zeroth-order terms (docs/model.md §1.5)', () => {
  const I = inst(req([dev()]));
  const zo = (queries: number, parallelism: number): DeviceDecision => ({ ...BASE, mode: { kind: 'zeroth-order', queries, parallelism } });
  const bp = evaluate(I, [BASE]).devices[0];

  it('q = 2, P = 2: ζ·[α·2φ/(fCD) + (2q/P)·τ], ζ·α·κf²·2φ/(CD), uplink 2·s, edge (Υ−α)·2ψ', () => {
    const t = evaluate(I, [zo(2, 2)]).devices[0];
    // local delay: 20·(2·2·13 107 200/(5e8·8) + 2·0.01) = 20·(0.0131072 + 0.02) = 0.662144
    close(t.delayS.local, 0.662144);
    // local energy: 20·2·2e-27·2.5e17·26 214 400/8 = 20·3.2768e-3 = 0.065536
    close(t.energyJ.local, 0.065536);
    close(t.delayS.uplink, 20 * 2 * bp.delayS.uplink);
    close(t.energyJ.uplink, 20 * 2 * bp.energyJ.uplink);
    // edge: 20·2·2·39 321 600/(1e9·10) = 0.3145728 s; energy 20·2·0.0786432 = 3.145728 J
    close(t.delayS.edge, 0.3145728);
    close(t.energyJ.edge, 3.145728);
    close(t.stabilityBound, bp.stabilityBound);
    // memory: α(w + 2qAs) + X(P·B/q), X(x) = x·d·(18h + Hd)·s
    //       = 2·(98 304 + 2·2·2048·2) + 8·16·(1152 + 16)·2 = 229 376 + 299 008 = 528 384
    expect(t.peakMemoryBytes).toBe(528_384);
  });

  it('the call overhead scales with 2q/P and adds delay only; memory working set scales with P/q', () => {
    const a = evaluate(I, [zo(4, 1)]).devices[0];
    const b = evaluate(I, [zo(4, 8)]).devices[0];
    close(a.delayS.local - b.delayS.local, 20 * (8 - 1) * 0.01);
    close(a.energyJ.local, b.energyJ.local);
    // X(8·8/4 = 16) − X(1·8/4 = 2) = 14·16·1168·2
    expect(b.peakMemoryBytes - a.peakMemoryBytes).toBe(14 * 16 * 1168 * 2);
    close(PHI * 3, PSI);
  });

  it('custom callOverheadS, step multiplier and adapter rank', () => {
    const I2 = inst({
      ...req([dev({ callOverheadS: 0.5 })]),
      model: { layers: 4, hiddenSize: 64, batchSize: 8, zerothOrderStepMultiplier: 3, adapterRank: 4 },
    });
    const t = evaluate(I2, [zo(1, 1)]).devices[0];
    close(t.delayS.local, 3 * ((2 * 2 * PHI) / (5e8 * 8) + 2 * 0.5));
    // A = 2·4·64 = 512: 2·(98 304 + 2·1·512·2) + X(8) = 200 704 + 299 008
    expect(t.peakMemoryBytes).toBe(2 * (98_304 + 2048) + 299_008);
  });
});

describe('normalisation (docs/model.md §1.3)', () => {
  const body = req(
    [dev(), dev({ id: 'b', tokens: 32, channelGains: { 'es-1': 1e-12, 'es-2': 5e-11 } }), dev({ id: 'c', inferenceOnly: true })],
    undefined,
    {
      objective: { normalize: true },
    },
  );
  const I = inst(body);

  it('the reference point: α = ⌈Υ/2⌉, f_max, p_max, strongest server, equal shares', () => {
    const ref = referenceDecisions(I);
    expect(ref.map((r) => r.server)).toEqual([0, 1, 0]);
    expect(ref.every((r) => r.splitLayer === 2)).toBe(true);
    expect(ref[0].bandwidthHz).toBe(1e6);
    expect(ref[1].bandwidthHz).toBe(2e6);
    expect(ref[0].serverFrequencyHz).toBe(1e9);
    expect(ref[2].mode).toEqual({ kind: 'zeroth-order', queries: 1, parallelism: 2 });
    expect(ref[0].cpuFrequencyHz).toBe(1e9);
    expect(ref[0].transmitPowerW).toBe(2);
  });

  it('α at the reference is clipped to the allowed split range', () => {
    const I2 = inst(
      req([dev({ minSplitLayer: 3 }), dev({ id: 'b', maxSplitLayer: 1 })], undefined, {
        model: { layers: 5, hiddenSize: 64, batchSize: 8 },
      }),
    );
    expect(referenceDecisions(I2).map((r) => r.splitLayer)).toEqual([3, 1]);
  });

  it('objective = ω_t + ω_e + ω_s at the reference point (3 with weights 1, 1, 1)', () => {
    const e = evaluate(I, referenceDecisions(I));
    close(e.objective, 3);
    expect(e.violations).toEqual([]);
    const I2 = inst({ ...body, objective: { normalize: true, weights: { delay: 2, energy: 0.25, stability: 0 } } });
    close(evaluate(I2, referenceDecisions(I2)).objective, 2.25);
  });

  it('elsewhere the objective is Σ_k ω_k · total_k / reference_k', () => {
    const ref = referenceTotals(I);
    const dec = referenceDecisions(I).map((d) => ({ ...d, cpuFrequencyHz: 0.7e9, splitLayer: 1 }));
    const e = evaluate(I, dec);
    close(e.objective, e.totals.delayS / ref.delayS + e.totals.energyJ / ref.energyJ + e.totals.stability / ref.stability);
    expect(objectiveScales(I)).toEqual(ref);
    const off = inst({ ...body, objective: { normalize: false } });
    expect(objectiveScales(off)).toEqual({ delayS: 1, energyJ: 1, stability: 1 });
  });
});

describe('violations are detected', () => {
  const two = inst(req([dev(), dev({ id: 'b' })], [srv({ maxDevices: 1 }), srv({ id: 'es-2' })]));
  const ok: DeviceDecision[] = [
    { ...BASE, server: 0 },
    { ...BASE, server: 1 },
  ];
  const constraints = (decs: DeviceDecision[], I = two) =>
    evaluate(I, decs)
      .violations.map((v) => v.constraint)
      .sort();

  it('a feasible allocation has none; budgets may be met exactly', () => {
    expect(constraints(ok)).toEqual([]);
    expect(
      constraints(
        [
          { ...BASE, server: 1, bandwidthHz: 1e6 },
          { ...BASE, server: 1, bandwidthHz: 1e6, serverFrequencyHz: 1e9 },
        ],
        inst(req([dev(), dev({ id: 'b' })])),
      ),
    ).toEqual([]);
  });

  it('over-budget bandwidth and server frequency on one server', () => {
    const I = inst(req([dev(), dev({ id: 'b' })]));
    const v = evaluate(I, [
      { ...BASE, server: 1, bandwidthHz: 1.5e6, serverFrequencyHz: 1.5e9 },
      { ...BASE, server: 1, bandwidthHz: 1.5e6, serverFrequencyHz: 0.6e9 },
    ]).violations;
    expect(v.map((x) => x.constraint).sort()).toEqual(['bandwidthHz', 'frequencyHz']);
    expect(v.every((x) => x.serverId === 'es-2')).toBe(true);
    // within the 1e-9 relative floating-point tolerance is not a violation
    expect(
      evaluate(I, [
        { ...BASE, server: 1, bandwidthHz: 1e6 * (1 + 1e-12) },
        { ...BASE, server: 1, bandwidthHz: 1e6 },
      ]).violations,
    ).toEqual([]);
  });

  it('maxDevices exceeded', () => {
    expect(
      constraints([
        { ...BASE, server: 0 },
        { ...BASE, server: 0 },
      ]),
    ).toEqual(['maxDevices']);
  });

  it('split layer out of range or not an integer', () => {
    expect(constraints([{ ...BASE, splitLayer: 4 }, ok[1]])).toEqual(['splitLayer']);
    expect(constraints([{ ...BASE, splitLayer: 0 }, ok[1]])).toEqual(['splitLayer']);
    expect(constraints([{ ...BASE, splitLayer: 1.5 }, ok[1]])).toEqual(['splitLayer']);
    const narrow = inst(req([dev({ minSplitLayer: 2, maxSplitLayer: 2 })]));
    expect(constraints([{ ...BASE, splitLayer: 3 }], narrow)).toEqual(['splitLayer']);
  });

  it('frequency and power outside their ranges, non-positive shares', () => {
    expect(constraints([{ ...BASE, cpuFrequencyHz: 1.1e9 }, ok[1]])).toEqual(['cpuFrequencyHz']);
    expect(constraints([{ ...BASE, transmitPowerW: 2.5 }, ok[1]])).toEqual(['transmitPowerW']);
    expect(constraints([{ ...BASE, transmitPowerW: 0 }, ok[1]])).toEqual(['transmitPowerW']);
    expect(constraints([{ ...BASE, bandwidthHz: 0 }, ok[1]])).toEqual(['bandwidthHz']);
    expect(constraints([{ ...BASE, serverFrequencyHz: 0 }, ok[1]])).toEqual(['serverFrequencyHz']);
    const ranged = inst(req([dev({ minFrequencyHz: 6e8, minPowerW: 1.5 })]));
    expect(constraints([{ ...BASE }], ranged)).toEqual(['cpuFrequencyHz', 'transmitPowerW']);
  });

  it('association to a server with zero gain', () => {
    const I = inst(req([dev({ channelGains: { 'es-2': 1e-11 } })]));
    expect(constraints([{ ...BASE, server: 0 }], I)).toEqual(['association']);
  });

  // An out-of-range server index is reported as an association violation, never thrown.
  it('association to a server index out of range is a violation, not an exception', () => {
    const I = inst(req([dev({ channelGains: { 'es-2': 1e-11 } })]));
    expect(constraints([{ ...BASE, server: 2 }], I)).toEqual(['association']);
  });

  it('memory: backprop over memoryBytes; a zeroth-order mode that fits passes', () => {
    // backprop α = 2 needs 839 680 bytes; zeroth-order q = 2, P = 2 needs 528 384
    const I = inst(req([dev({ memoryBytes: 600_000 })]));
    expect(constraints([BASE], I)).toEqual(['memoryBytes']);
    expect(constraints([{ ...BASE, mode: { kind: 'zeroth-order', queries: 2, parallelism: 2 } }], I)).toEqual([]);
    const exact = inst(req([dev({ memoryBytes: 839_680 })]));
    expect(constraints([BASE], exact)).toEqual([]);
  });

  it('a mode the device may not use (backprop on inferenceOnly; a zeroth-order mode when backprop is forced)', () => {
    const I = inst(req([dev({ inferenceOnly: true }), dev({ id: 'b', trainingMode: 'backprop' })]));
    expect(constraints([BASE, { ...BASE, server: 1, mode: { kind: 'zeroth-order', queries: 1, parallelism: 2 } }], I)).toEqual([
      'trainingMode',
      'trainingMode',
    ]);
    // q must divide B: q = 16 is not a mode when B = 8
    const J = inst(req([dev()]));
    expect(constraints([{ ...BASE, mode: { kind: 'zeroth-order', queries: 16, parallelism: 2 } }], J)).toEqual(['trainingMode']);
  });

  it('deadline on the physical delay (uplink included even when the objective omits it)', () => {
    const phys = evaluate(inst(req([dev()])), [BASE]).devices[0].physicalDelayS;
    const I = inst(req([dev({ deadlineS: phys * 0.999 })], undefined, { objective: { normalize: false, includeUplinkDelay: false } }));
    expect(constraints([BASE], I)).toEqual(['deadlineS']);
    const J = inst(req([dev({ deadlineS: phys * 1.001 })]));
    expect(constraints([BASE], J)).toEqual([]);
  });
});
