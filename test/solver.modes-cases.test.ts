// Training modes (docs/model.md §1.5: backprop vs zeroth-order under device memory), case by
// case, through solveAllocate on normalised requests. Complements test/solver.modes-property.test.ts
// (random instances) and the exhaustive agreement in test/solver.exhaustive.test.ts (tiny
// instances, ζ = 2 or 3):
//  • inferenceOnly devices always get zeroth-order with q | B (q ∈ {1,2,4,8,16}) and P | 2q;
//  • ample memory: auto ⇒ backprop for ζ = 20 (default), 5 and the 1.5 boundary; trainingMode
//    zeroth-order ⇒ zeroth-order with one call per step (P = 2q); fixed q and/or P respected;
//  • memory pressure (memory fits zeroth-order at more layers than backprop): the answer is the
//    cheaper of "zeroth-order" and "backprop at a smaller split" — checked against hand-built
//    alternatives re-evaluated with evaluate(), and equal to the better of the two mode-restricted
//    optima; both outcomes occur across ζ and memory levels;
//  • a device that cannot hold α_min layers in any allowed mode ⇒ INFEASIBLE naming exactly it
//    (constraint 'memoryBytes'), including the boundary (one byte short vs exactly enough).
// Expected memory is the formula of docs/model.md §1.5 written here, not src/model/cost.ts.
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { evaluate } from '../src/model/evaluate.js';
import type { AllocateRequest, DeviceSpec, ServerSpec } from '../src/model/request.js';
import type { AllocateResult, AllocationOut, DeviceDecision, Instance, SolveOptions, TrainingMode } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';

const GiB = 2 ** 30;
const OPTIONS: SolveOptions = { timeLimitMs: 2000, baselines: true, algorithm: 'auto', seed: 1, relativeGap: 1e-4 };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

type Mode = { kind: 'backprop' } | { kind: 'zeroth-order'; q: number; P: number };

/** M(α, mode) of docs/model.md §1.5 from the request body (defaults: s = 2, w = 12h²s, A = 2rh, a = B·d(34h + 5Hd)). */
function specMemory(body: AllocateRequest, dev: DeviceSpec, alpha: number, mode: Mode): number {
  const h = body.model.hiddenSize;
  const B = body.model.batchSize;
  const s = body.model.bytesPerActivation ?? 2;
  const H = Math.max(1, h / 64);
  const d = dev.tokens;
  const w = body.model.weightBytesPerLayer ?? 12 * h * h * s;
  const A = body.model.adapterParamsPerLayer ?? 2 * (body.model.adapterRank ?? 16) * h;
  if (mode.kind === 'backprop') return alpha * (w + (dev.activationBytesPerLayer ?? B * d * (34 * h + 5 * H * d)) + 16 * A);
  return alpha * (w + 2 * mode.q * A * s) + ((mode.P * B) / mode.q) * d * (18 * h + H * d) * s;
}

function zerothOrderModes(B: number, fixedQ?: number, fixedP?: number): Mode[] {
  const out: Mode[] = [];
  for (const q of fixedQ !== undefined ? [fixedQ] : [1, 2, 4, 8, 16].filter((x) => B % x === 0))
    for (let P = 1; P <= 2 * q; P++)
      if ((2 * q) % P === 0 && (fixedP === undefined || P === fixedP)) out.push({ kind: 'zeroth-order', q, P });
  return out;
}

/** 2q/P forward calls per zeroth-order step (the call overhead's factor). */
function callsPerStep(m: Mode): number {
  return m.kind === 'zeroth-order' ? (2 * m.q) / m.P : 0;
}

function modeOf(a: AllocationOut): Mode {
  return a.trainingMode === 'backprop' ? { kind: 'backprop' } : { kind: 'zeroth-order', q: a.queries!, P: a.parallelism! };
}

function toTrainingMode(m: Mode): TrainingMode {
  return m.kind === 'backprop' ? m : { kind: 'zeroth-order', queries: m.q, parallelism: m.P };
}

function decisionsOf(I: Instance, res: AllocateResult): DeviceDecision[] {
  return I.devices.map((d) => {
    const a = res.allocations.find((x) => x.deviceId === d.id)!;
    return {
      server: I.servers.findIndex((s) => s.id === a.serverId),
      splitLayer: a.splitLayer,
      mode: toTrainingMode(modeOf(a)),
      cpuFrequencyHz: a.cpuFrequencyHz,
      transmitPowerW: a.transmitPowerW,
      bandwidthHz: a.bandwidthHz,
      serverFrequencyHz: a.serverFrequencyHz,
    };
  });
}

async function solve(body: AllocateRequest): Promise<{ I: Instance; res: AllocateResult }> {
  const I = normalize(body).instance;
  return { I, res: await solveAllocate(I, { ...OPTIONS }) };
}

function alloc(res: AllocateResult, id: string): AllocationOut {
  const a = res.allocations.find((x) => x.deviceId === id);
  if (!a) throw new Error(`no allocation for ${id} (status ${res.status}, ${JSON.stringify(res.infeasibilities)})`);
  return a;
}

function expectFeasible(I: Instance, res: AllocateResult, msg = ''): void {
  expect(['OPTIMAL', 'FEASIBLE'], `${msg} ${JSON.stringify(res.infeasibilities)}`).toContain(res.status);
  const ev = evaluate(I, decisionsOf(I, res));
  expect(ev.violations, msg).toEqual([]);
  expect(rel(ev.objective, res.objective!), msg).toBeLessThanOrEqual(1e-9);
}

describe('inferenceOnly devices (docs/model.md §1.5: must use zeroth-order)', () => {
  // B = 8 → q ∈ {1,2,4,8}; B = 12 → {1,2,4}; B = 48 → {1,2,4,8,16}
  for (const B of [8, 12, 48]) {
    it(`B = ${B}: zeroth-order, q ∈ {1,2,4,8,16} with q | B, P | 2q — with and without memory limits`, async () => {
      for (const seed of [1, 2, 3]) {
        const body = generateRequest(seed, { ...TINY_PRESET, batchSize: B, devices: 6, servers: 2, layers: 8, inferenceOnlyFraction: 0.5 });
        body.devices.forEach((d, i) => {
          if (i % 3 === 0) d.inferenceOnly = true; // at least two per instance
          if (d.inferenceOnly && i % 2 === 1) d.trainingMode = 'auto';
          // every other device gets a memory just above its smallest zeroth-order footprint at α = 1
          if (i % 2 === 0) {
            const least = Math.min(...zerothOrderModes(B).map((m) => specMemory(body, d, 1, m)));
            d.memoryBytes = Math.ceil(least * (1 + 0.5 * (seed - 1)));
          }
        });
        const { I, res } = await solve(body);
        expectFeasible(I, res, `seed ${seed}`);
        const io = body.devices.filter((d) => d.inferenceOnly);
        expect(io.length).toBeGreaterThanOrEqual(2);
        for (const d of io) {
          const a = alloc(res, d.id);
          const msg = `seed ${seed} ${d.id} → ${JSON.stringify(a)}`;
          expect(a.trainingMode, msg).toBe('zeroth-order');
          expect([1, 2, 4, 8, 16], msg).toContain(a.queries);
          expect(B % a.queries!, msg).toBe(0);
          expect((2 * a.queries!) % a.parallelism!, msg).toBe(0);
          expect(a.peakMemoryBytes, msg).toBe(specMemory(body, d, a.splitLayer, modeOf(a)));
          if (d.memoryBytes !== undefined) expect(a.peakMemoryBytes, msg).toBeLessThanOrEqual(d.memoryBytes);
          // no memory limit: nothing stops one call per step (P = 2q), the least call overhead
          else expect(a.parallelism, msg).toBe(2 * a.queries!);
        }
      }
    });
  }

  it('paper scale (h = 1024, B = 512, Υ = 32): every inferenceOnly device is zeroth-order and fits its memory', async () => {
    const body = generateRequest(11, { devices: 12, servers: 3, inferenceOnlyFraction: 1 });
    body.devices.forEach((d, i) => (d.memoryBytes = (4 + 2 * (i % 6)) * GiB));
    const { I, res } = await solve(body);
    expectFeasible(I, res);
    for (const d of body.devices) {
      const a = alloc(res, d.id);
      expect(a.trainingMode).toBe('zeroth-order');
      expect(512 % a.queries!).toBe(0);
      expect((2 * a.queries!) % a.parallelism!).toBe(0);
      expect(a.peakMemoryBytes).toBe(specMemory(body, d, a.splitLayer, modeOf(a)));
      expect(a.peakMemoryBytes).toBeLessThanOrEqual(d.memoryBytes!);
    }
  });
});

describe('ample memory: the step multiplier ζ decides, trainingMode and fixed q / P are respected', () => {
  for (const zeta of [undefined, 5, 1.5]) {
    it(`ζ = ${zeta ?? '20 (default)'}: auto → backprop; zeroth-order → P = 2q; fixed q / P kept`, async () => {
      for (const seed of [5, 6]) {
        const body = generateRequest(seed, { ...TINY_PRESET, batchSize: 16, devices: 7, servers: 2, layers: 8 });
        if (zeta !== undefined) body.model.zerothOrderStepMultiplier = zeta;
        const [auto1, auto2, zo, fixedQ, fixedQP, fixedOnAuto, memOnly] = body.devices;
        auto1.trainingMode = 'auto';
        zo.trainingMode = 'zeroth-order';
        fixedQ.trainingMode = 'zeroth-order';
        fixedQ.queries = 4;
        fixedQP.trainingMode = 'zeroth-order';
        fixedQP.queries = 8;
        fixedQP.parallelism = 2;
        fixedOnAuto.queries = 2; // auto with a fixed q: backprop still wins
        fixedOnAuto.parallelism = 1;
        memOnly.memoryBytes = 1e12; // a (huge) limit given: still ample
        void auto2; // no trainingMode field: auto by default
        const { I, res } = await solve(body);
        const msg = `ζ=${zeta ?? 20} seed=${seed}`;
        expectFeasible(I, res, msg);
        for (const d of [auto1, auto2, fixedOnAuto, memOnly]) expect(alloc(res, d.id).trainingMode, `${msg} ${d.id}`).toBe('backprop');
        for (const d of [auto1, auto2, fixedOnAuto, memOnly]) expect(alloc(res, d.id).queries, `${msg} ${d.id}`).toBeUndefined();
        const z = alloc(res, zo.id);
        expect(z.trainingMode, msg).toBe('zeroth-order');
        expect(z.parallelism, msg).toBe(2 * z.queries!);
        const q = alloc(res, fixedQ.id);
        expect([q.trainingMode, q.queries, q.parallelism], msg).toEqual(['zeroth-order', 4, 8]);
        const qp = alloc(res, fixedQP.id);
        expect([qp.trainingMode, qp.queries, qp.parallelism], msg).toEqual(['zeroth-order', 8, 2]);
        for (const a of res.allocations) {
          const d = body.devices.find((x) => x.id === a.deviceId)!;
          expect(a.peakMemoryBytes, `${msg} ${d.id}`).toBe(specMemory(body, d, a.splitLayer, modeOf(a)));
        }
      }
    });
  }

  it('paper scale, no memory limit: every auto device trains with backprop', async () => {
    const body = generateRequest(3, { devices: 15, servers: 3 });
    const { I, res } = await solve(body);
    expectFeasible(I, res);
    expect(res.allocations.every((a) => a.trainingMode === 'backprop')).toBe(true);
  });
});

describe('memory pressure: zeroth-order at more layers, or backprop at fewer — the cheaper one', () => {
  // Υ = 8, h = 64, B = 8, d = 16. Per docs/model.md §1.5: w = 98 304, A = 2 048, a = 288 768 bytes, so one
  // backprop layer needs w + a + 16A = 419 840 bytes; a zeroth-order layer 98 304 + 8 192·q plus a
  // one-off working set X(P·B/q) = (P·8/q)·16·1 168·2. Local compute is cheap (fast, frugal device)
  // and the server slow, and the stability weight is 0: without memory the device keeps Υ − 1
  // layers, so every memory limit below pushes it to fewer backprop layers or to zeroth-order.
  const LAYERS = 8;
  const device = (over: Partial<DeviceSpec>): DeviceSpec => ({
    id: 'ue-1',
    gpuCores: 4,
    flopsPerCycle: 2,
    maxFrequencyHz: 1e9,
    maxPowerW: 1,
    kappa: 1e-28,
    tokens: 16,
    samples: 1000,
    channelGains: { 'es-1': 1e-10 },
    ...over,
  });
  const server: ServerSpec = { id: 'es-1', gpuCores: 1, flopsPerCycle: 1, frequencyHz: 1e9, bandwidthHz: 2e6, kappa: 1e-26 };
  const request = (zeta: number, d: Partial<DeviceSpec>): AllocateRequest => ({
    model: { layers: LAYERS, hiddenSize: 64, batchSize: 8, zerothOrderStepMultiplier: zeta },
    // a second, unconstrained device shares the server's budgets
    devices: [device(d), device({ id: 'ue-2', tokens: 24, channelGains: { 'es-1': 3e-11 } })],
    servers: [server],
    // normalize: false, so the mode-restricted instances below share the objective's scale
    objective: { normalize: false, weights: { delay: 1, energy: 1, stability: 0 } },
  });
  const BP: Mode = { kind: 'backprop' };

  it('sanity: with no memory limit the device keeps Υ − 1 layers with backprop', async () => {
    const { res } = await solve(request(20, {}));
    expect(alloc(res, 'ue-1')).toMatchObject({ trainingMode: 'backprop', splitLayer: LAYERS - 1 });
  });

  it('for ζ ∈ {1.5, 2, 3, 20} and memory for 1..6 backprop layers: the optimum is the better mode-restricted optimum, never beaten by a hand-built alternative', async () => {
    const seen = { zerothOrder: 0, smallerBackprop: 0 };
    for (const zeta of [1.5, 2, 3, 20]) {
      for (let bpLayers = 1; bpLayers <= LAYERS - 2; bpLayers++) {
        const probe = request(zeta, {});
        const dev0 = probe.devices[0];
        const memory = specMemory(probe, dev0, bpLayers, BP); // exactly bpLayers backprop layers
        const body = request(zeta, { memoryBytes: memory });
        const dev = body.devices[0];
        const zoModes = zerothOrderModes(8);
        const fitsZo = (alpha: number) => zoModes.filter((m) => specMemory(body, dev, alpha, m) <= memory);
        let maxZo = 0;
        for (let alpha = 1; alpha <= LAYERS - 1; alpha++) if (fitsZo(alpha).length > 0) maxZo = alpha;
        // the premise: memory fits zeroth-order at a split where backprop does not fit
        expect(maxZo, `ζ=${zeta} memory=${memory}`).toBeGreaterThan(bpLayers);

        const { I, res } = await solve(body);
        const msg = `ζ=${zeta} memory=${memory} (backprop ≤ ${bpLayers} layers, zeroth-order ≤ ${maxZo})`;
        expectFeasible(I, res, msg);
        const a = alloc(res, 'ue-1');
        const chosen = modeOf(a);
        expect(a.peakMemoryBytes, msg).toBe(specMemory(body, dev, a.splitLayer, chosen));
        expect(a.peakMemoryBytes, msg).toBeLessThanOrEqual(memory);
        if (chosen.kind === 'backprop') {
          expect(a.splitLayer, msg).toBeLessThanOrEqual(bpLayers);
          seen.smallerBackprop++;
        } else seen.zerothOrder++;

        // Hand-built alternatives from the answer (same server, frequencies, power, shares):
        // backprop at the most layers that fit, and zeroth-order at every split with the fewest
        // calls per step 2q/P that fit there.
        const base = decisionsOf(I, res);
        const variants: { label: string; dec: DeviceDecision[] }[] = [
          {
            label: `backprop α=${bpLayers}`,
            dec: base.map((x, n) => (n === 0 ? { ...x, mode: toTrainingMode(BP), splitLayer: bpLayers } : x)),
          },
        ];
        for (let alpha = 1; alpha <= maxZo; alpha++) {
          const fit = fitsZo(alpha);
          if (fit.length === 0) continue;
          const best = fit.reduce((x, y) => (callsPerStep(y) < callsPerStep(x) ? y : x));
          variants.push({
            label: `zeroth-order α=${alpha} ${JSON.stringify(best)}`,
            dec: base.map((x, n) => (n === 0 ? { ...x, mode: toTrainingMode(best), splitLayer: alpha } : x)),
          });
        }
        for (const v of variants) {
          const ev = evaluate(I, v.dec);
          expect(ev.violations, `${msg}: ${v.label}`).toEqual([]);
          expect(res.objective!, `${msg}: answer ${JSON.stringify(chosen)} α=${a.splitLayer} vs ${v.label}`).toBeLessThanOrEqual(
            ev.objective * (1 + 1e-9),
          );
        }

        // Mode-restricted optima (same objective scale: normalize is off), re-evaluated in the
        // auto instance: the answer is the better of the two, in value and in mode.
        const restricted = async (mode: 'backprop' | 'zeroth-order') => {
          const b = request(zeta, { memoryBytes: memory, trainingMode: mode });
          const s = await solve(b);
          expect(s.res.status, `${msg} restricted to ${mode}`).toBe('OPTIMAL');
          return evaluate(I, decisionsOf(s.I, s.res)).objective;
        };
        const bpBest = await restricted('backprop');
        const zoBest = await restricted('zeroth-order');
        expect(
          rel(res.objective!, Math.min(bpBest, zoBest)),
          `${msg}: backprop-only ${bpBest}, zeroth-order-only ${zoBest}, auto ${res.objective}`,
        ).toBeLessThanOrEqual(1e-7);
        if (rel(bpBest, zoBest) > 1e-6) expect(chosen.kind, msg).toBe(bpBest < zoBest ? 'backprop' : 'zeroth-order');
      }
    }
    if (process.env.MODES_VERBOSE) console.log(seen);
    // both sides of the trade-off are exercised
    expect(seen.zerothOrder, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen.smallerBackprop, JSON.stringify(seen)).toBeGreaterThan(0);
  });
});

describe('INFEASIBLE: a device that cannot hold α_min layers in any allowed mode is named', () => {
  const B = 8;
  // A: α_min = 3, one byte short of its smallest footprint over all modes at α = 3
  // B: backprop only, fits zeroth-order at α = 1 but not backprop
  // C: inferenceOnly with q = 1, P = 2 fixed (working set X(16)), fits backprop at α = 1 but not that
  // D: unconstrained
  function body(short: boolean): AllocateRequest {
    const b = generateRequest(21, { ...TINY_PRESET, batchSize: B, devices: 4, servers: 2, layers: 6 });
    const [A, Bd, C] = b.devices;
    A.minSplitLayer = 3;
    const leastA = Math.min(specMemory(b, A, 3, { kind: 'backprop' }), ...zerothOrderModes(B).map((m) => specMemory(b, A, 3, m)));
    A.memoryBytes = short ? leastA - 1 : leastA;
    Bd.trainingMode = 'backprop';
    const bpB = specMemory(b, Bd, 1, { kind: 'backprop' });
    const zoB = Math.min(...zerothOrderModes(B).map((m) => specMemory(b, Bd, 1, m)));
    expect(zoB).toBeLessThan(bpB - 1);
    Bd.memoryBytes = short ? bpB - 1 : bpB;
    C.inferenceOnly = true;
    C.queries = 1;
    C.parallelism = 2;
    const zoC = specMemory(b, C, 1, { kind: 'zeroth-order', q: 1, P: 2 });
    expect(specMemory(b, C, 1, { kind: 'backprop' })).toBeLessThan(zoC - 1);
    C.memoryBytes = short ? zoC - 1 : zoC;
    return b;
  }

  it('one byte short: INFEASIBLE, one memoryBytes entry naming exactly A, B and C', async () => {
    const b = body(true);
    const { res } = await solve(b);
    expect(res.status).toBe('INFEASIBLE');
    expect(res.allocations).toEqual([]);
    expect(res.objective).toBeUndefined();
    expect(res.infeasibilities).toHaveLength(1);
    expect(res.infeasibilities![0].constraint).toBe('memoryBytes');
    expect(res.infeasibilities![0].deviceIds.slice().sort()).toEqual(
      b.devices
        .slice(0, 3)
        .map((d) => d.id)
        .sort(),
    );
  });

  it('exactly enough: feasible, and each of them sits at its only fitting split using all its memory', async () => {
    const b = body(false);
    const { I, res } = await solve(b);
    expectFeasible(I, res);
    const [A, Bd, C] = b.devices;
    const a = alloc(res, A.id);
    expect(a.splitLayer).toBe(3);
    expect(a.peakMemoryBytes).toBe(A.memoryBytes);
    expect(alloc(res, Bd.id)).toMatchObject({ trainingMode: 'backprop', splitLayer: 1, peakMemoryBytes: Bd.memoryBytes });
    expect(alloc(res, C.id)).toMatchObject({
      trainingMode: 'zeroth-order',
      queries: 1,
      parallelism: 2,
      splitLayer: 1,
      peakMemoryBytes: C.memoryBytes,
    });
  });

  it('paper scale, 1 GiB each: exactly the devices whose smallest zeroth-order working set exceeds 1 GiB are named', async () => {
    const b = generateRequest(8, { devices: 20, servers: 4 });
    b.devices.forEach((d) => (d.memoryBytes = GiB));
    // backprop needs ≥ B·d·(34h + 5Hd) ≈ 18.5 GiB per layer here; zeroth-order's least footprint at
    // α = 1 is w + 2·16·A·s + X(512/16 = 32) ≈ 0.9–2.2 GiB depending on d ∈ [512, 1024]
    const expected = b.devices
      .filter((d) => Math.min(specMemory(b, d, 1, { kind: 'backprop' }), ...zerothOrderModes(512).map((m) => specMemory(b, d, 1, m))) > GiB)
      .map((d) => d.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(b.devices.length);
    const { res } = await solve(b);
    expect(res.status).toBe('INFEASIBLE');
    expect(res.infeasibilities).toEqual([expect.objectContaining({ constraint: 'memoryBytes' })]);
    expect(res.infeasibilities![0].deviceIds.slice().sort()).toEqual(expected.sort());
    // and with them removed the rest is feasible, all zeroth-order within 1 GiB
    const rest: AllocateRequest = { ...b, devices: b.devices.filter((d) => !expected.includes(d.id)) };
    const s = await solve(rest);
    expectFeasible(s.I, s.res);
    for (const a of s.res.allocations) {
      expect(a.trainingMode).toBe('zeroth-order');
      expect(a.peakMemoryBytes).toBeLessThanOrEqual(GiB);
    }
  });
});
