// The solver against the independent exhaustive reference (test/reference/exhaustive.ts) on ~30
// seeded tiny instances (1–4 devices, 1–2 servers, 4–8 layers): varied weights (including a zero
// energy weight), normalisation on and off, maxDevices, narrow split ranges, zero gains, memory
// limits, inferenceOnly devices and fixed training modes (docs/model.md §1.5), includeUplinkDelay false.
// Proves: (1) the solver's objective is the optimum (agrees with exhaustive search within 1e-4
// relative); (2) its allocation is feasible and its reported objective is exactly evaluate() of it;
// (3) its `bound` is a valid lower bound (≤ its objective and ≤ the exhaustive optimum);
// (4) no baseline (each a feasible allocation) claims an objective below the exhaustive optimum.
import { describe, expect, it } from 'vitest';
import { generateRequest, TINY_PRESET, type GeneratorOptions } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import { evaluate } from '../src/model/evaluate.js';
import type { AllocateRequest } from '../src/model/request.js';
import type { AllocateResult, Instance, SolveOptions } from '../src/model/types.js';
import { solveAllocate } from '../src/solver/index.js';
import { allocationToDecisions, describeDecisions, exhaustiveReference, type ReferenceResult } from './reference/exhaustive.js';

const AGREE = 1e-4; // solver vs exhaustive optimum, relative
const EXACT = 1e-9; // reported objective vs evaluate(), bound vs objective

const WEIGHTS = [
  { delay: 1, energy: 1, stability: 1 },
  { delay: 1, energy: 0, stability: 0.1 }, // zero energy weight: p = p_max, f = f_max
  { delay: 0.2, energy: 1, stability: 0.05 },
  { delay: 1, energy: 1, stability: 0 }, // splits driven by compute alone
  { delay: 1, energy: 0.5, stability: 3 },
];

interface TinyCase {
  k: number;
  label: string;
  body: AllocateRequest;
}

function tinyCase(k: number): TinyCase {
  const seed = 1000 + k;
  const devices = 1 + (k % 4);
  const servers = k % 5 === 0 ? 1 : 2;
  const layers = 4 + (k % 5);
  const weights = WEIGHTS[k % WEIGHTS.length];
  const norm = k % 3 !== 2;
  const includeUplinkDelay = k % 7 !== 6;
  const o: GeneratorOptions = {
    ...TINY_PRESET,
    devices,
    servers,
    layers,
    objective: { weights, normalize: norm, includeUplinkDelay },
    device: { ...TINY_PRESET.device },
  };
  const features: string[] = [];
  let zeta: number | undefined;
  switch (k % 6) {
    case 1:
      if (servers === 2) {
        o.maxDevices = Math.max(1, Math.ceil(devices / 2));
        features.push(`maxDevices=${o.maxDevices}`);
      }
      break;
    case 2:
      o.splitRangeFraction = 0.8;
      features.push('split ranges');
      break;
    case 3:
      o.memory = { fraction: 0.8, factor: [0.15, 1] };
      zeta = 2;
      features.push('memory', 'ζ=2');
      break;
    case 4:
      o.channel = 'gains';
      o.coverageM = 350;
      features.push('zero gains');
      break;
    case 5:
      o.inferenceOnlyFraction = 0.4;
      o.trainingModes = ['auto', 'auto', 'backprop', 'zeroth-order'];
      zeta = 3;
      features.push('inferenceOnly/trainingMode', 'ζ=3');
      break;
    default:
      break;
  }
  if (!includeUplinkDelay) {
    // the uplink energy alone is minimised as p → p_min: keep p_min > 0 so the optimum is attained
    o.device = { ...o.device, minPowerW: [0.05, 0.2] };
    features.push('no uplink delay');
  }
  if (k % 8 === 7) {
    o.device = { ...o.device, minFrequencyFraction: [0.2, 0.7] };
    features.push('f_min > 0');
  }
  const body = generateRequest(seed, o);
  if (zeta !== undefined) body.model.zerothOrderStepMultiplier = zeta;
  const label = `k=${k} seed=${seed} ${devices}×${servers}×${layers} w=${weights.delay}/${weights.energy}/${weights.stability} normalize=${norm}${features.length ? ' ' + features.join(', ') : ''}`;
  return { k, label, body };
}

const CASES = Array.from({ length: 30 }, (_, k) => tinyCase(k));

const OPTIONS: SolveOptions = { timeLimitMs: 10_000, baselines: true, algorithm: 'auto', seed: 1, relativeGap: 1e-4 };

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

function report(c: TinyCase, I: Instance, ref: ReferenceResult, res: AllocateResult): string {
  let solverDecisions = '(none)';
  try {
    solverDecisions = describeDecisions(I, allocationToDecisions(I, res.allocations));
  } catch (e) {
    solverDecisions = String(e);
  }
  return [
    c.label,
    `solver: status=${res.status} objective=${res.objective} bound=${res.bound}`,
    `  ${solverDecisions}`,
    `reference: objective=${ref.objective}`,
    `  ${ref.feasible ? describeDecisions(I, ref.decisions) : 'infeasible'}`,
  ].join('\n');
}

describe('solveAllocate agrees with exhaustive search on tiny instances', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const I = normalize(c.body).instance;
      const ref = exhaustiveReference(I);
      const res = await solveAllocate(I, { ...OPTIONS });
      const msg = report(c, I, ref, res);
      if (process.env.REF_VERBOSE) console.log(`${msg}\nrelative difference: ${rel(res.objective ?? NaN, ref.objective)}\n`);
      if (!ref.feasible) {
        expect(res.status, msg).toBe('INFEASIBLE');
        return;
      }
      expect(['OPTIMAL', 'FEASIBLE'], msg).toContain(res.status);
      expect(res.objective, msg).toBeTypeOf('number');
      const objective = res.objective as number;
      // (1) optimum
      expect(rel(objective, ref.objective), msg).toBeLessThanOrEqual(AGREE);
      // (2) feasible, and the reported objective is evaluate() of the returned allocation
      const decisions = allocationToDecisions(I, res.allocations);
      const ev = evaluate(I, decisions);
      expect(ev.violations, msg).toEqual([]);
      expect(rel(ev.objective, objective), msg).toBeLessThanOrEqual(EXACT);
      // (3) bound: below the objective, and a valid lower bound on the true optimum
      if (res.bound !== undefined) {
        expect(res.bound, msg).toBeLessThanOrEqual(objective * (1 + EXACT));
        expect(res.bound, msg).toBeLessThanOrEqual(ref.objective * (1 + 1e-7));
      }
      // (4) baselines are feasible allocations: none can beat the true optimum
      for (const b of res.baselines) {
        expect(b.objective, `${msg}\nbaseline ${b.name} below the optimum`).toBeGreaterThanOrEqual(ref.objective * (1 - 1e-7));
      }
    });
  }

  it('a device that cannot hold α_min layers in any allowed mode: both say INFEASIBLE, the solver names it', async () => {
    const body = generateRequest(77, { ...TINY_PRESET, devices: 3, servers: 2, layers: 6 });
    body.devices[1].memoryBytes = 1000; // far below one layer's weights (w = 98 304 bytes)
    const I = normalize(body).instance;
    expect(exhaustiveReference(I).feasible).toBe(false);
    const res = await solveAllocate(I, { ...OPTIONS });
    expect(res.status).toBe('INFEASIBLE');
    const named = (res.infeasibilities ?? []).flatMap((x) => x.deviceIds);
    expect(named).toContain(body.devices[1].id);
  });
});
