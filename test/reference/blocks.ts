// INDEPENDENT reference for docs/model.md §2 block allocation, written from that text and sharing no code
// with src/blocks: the uplink rate is inverted by plain bisection on the bandwidth, an assignment's
// latency by bisection on T, memory and compute from the raw per-layer figures.
//  • enumerate: every assignment (K^J, tiny instances).
//  • mipOptimum: a GLPK MIP with one column per (device, subset of blocks), bisected on T (tiny).
//  • fixedLatencyMinNeedHz: for blocks of equal bits, the least total bandwidth with which every
//    block can be placed by a round latency T, as a GLPK set-partitioning program over "device k
//    holds depths l..l+n−1", no pruning and no decomposition (medium instances, 8–32 devices).

import { solveLinearProgram } from '../../src/solver/math/glpk.js';
import type { BlocksInput } from '../../src/blocks/types.js';

export interface Dev {
  v: number;
  mem: number;
  snr: number;
}
export interface Inst {
  phi: number[];
  beta: number[];
  act: number[];
  bits: number[];
  weight: number;
  devs: Dev[];
  W: number;
  cap: number;
}

export function fromInput(input: BlocksInput): Inst {
  const { instance, options } = input;
  return {
    phi: instance.blocks.map((b) => b.forwardFlops),
    beta: instance.blocks.map((b) => b.backwardFlops),
    act: instance.blocks.map((b) => b.activationBytes),
    bits: instance.blocks.map((b) => b.bits),
    weight: instance.weightBytes,
    devs: instance.devices.map((d) => ({
      v: d.flopsPerSecond,
      mem: d.memoryBytes,
      snr: (d.channelGain * d.powerW) / instance.noiseWPerHz,
    })),
    W: instance.bandwidthHz,
    cap: options.maxBlocksPerDevice ?? instance.blocks.length,
  };
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** compute s, memory, bits of device k holding depths S (1-based) */
export function load(inst: Inst, k: number, S: number[]) {
  const l = Math.min(...S);
  const compute = (sum(inst.phi) + sum(inst.beta.slice(l - 1))) / inst.devs[k].v;
  // deepest-first, like the model: a device sized exactly to a memory level must agree bit for bit
  const memory = inst.weight + sum(inst.act.slice(l - 1).reverse());
  const bits = sum(S.map((j) => inst.bits[j - 1]));
  return { compute, memory, bits };
}

export function needRef(snr: number, bits: number, slack: number): number {
  if (bits === 0) return slack >= 0 ? 0 : Infinity;
  if (slack <= 0) return Infinity;
  const rate = bits / slack;
  const r = (b: number) => b * Math.log2(1 + snr / b);
  if (rate >= snr / Math.LN2) return Infinity;
  let lo = 0;
  let hi = 1;
  while (r(hi) < rate) hi *= 2;
  for (let i = 0; i < 90; i++) {
    const mid = (lo + hi) / 2;
    if (r(mid) >= rate) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function latencyRef(inst: Inst, sets: number[][], prune = Infinity): number {
  const loads = sets.map((S, k) => (S.length ? { k, ...load(inst, k, S) } : null)).filter((x) => x !== null);
  const total = (T: number) => sum(loads.map((x) => needRef(inst.devs[x.k].snr, x.bits, T - x.compute)));
  let lo = Math.max(...loads.map((x) => x.compute));
  if (lo >= prune) return Infinity;
  if (prune < Infinity && !(total(prune) <= inst.W)) return Infinity; // cannot beat the incumbent
  let hi = lo + 1e-3;
  while (!(total(hi) <= inst.W)) hi = lo + 2 * (hi - lo);
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (total(mid) <= inst.W) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function enumerate(inst: Inst): number {
  const J = inst.phi.length;
  const K = inst.devs.length;
  let best = Infinity;
  for (let code = 0; code < K ** J; code++) {
    const sets: number[][] = Array.from({ length: K }, () => []);
    let c = code;
    for (let j = 1; j <= J; j++) {
      sets[c % K].push(j);
      c = Math.floor(c / K);
    }
    if (sets.some((S, k) => S.length > inst.cap || (S.length > 0 && load(inst, k, S).memory > inst.devs[k].mem))) continue;
    best = Math.min(best, latencyRef(inst, sets, best));
  }
  return best;
}

/** GLPK MIP of the integer program at fixed T (one subset per device, each block once), bisected on T. */
export function mipOptimum(inst: Inst): number {
  const J = inst.phi.length;
  const K = inst.devs.length;
  const subsets: number[][] = [];
  for (let mask = 1; mask < 2 ** J; mask++) subsets.push(Array.from({ length: J }, (_, i) => i + 1).filter((j) => mask & (1 << (j - 1))));
  const feasibleAt = (T: number): boolean => {
    const objective: { name: string; coef: number }[] = [];
    const cover = Array.from({ length: J }, (_, i) => ({
      name: `c${i + 1}`,
      terms: [] as { name: string; coef: number }[],
      lower: 1,
      upper: 1,
    }));
    const one = Array.from({ length: K }, (_, k) => ({ name: `d${k}`, terms: [] as { name: string; coef: number }[], upper: 1 }));
    const binaries: string[] = [];
    for (let k = 0; k < K; k++) {
      subsets.forEach((S, s) => {
        if (S.length > inst.cap) return;
        const L = load(inst, k, S);
        if (L.memory > inst.devs[k].mem) return;
        const need = needRef(inst.devs[k].snr, L.bits, T - L.compute);
        if (!Number.isFinite(need)) return;
        const z = `z_${k}_${s}`;
        binaries.push(z);
        objective.push({ name: z, coef: need / inst.W });
        one[k].terms.push({ name: z, coef: 1 });
        for (const j of S) cover[j - 1].terms.push({ name: z, coef: 1 });
      });
    }
    if (cover.some((c) => c.terms.length === 0)) return false;
    const sol = solveLinearProgram({ direction: 'min', objective, rows: [...cover, ...one.filter((o) => o.terms.length)], binaries });
    return sol.status === 'optimal' && sol.objective <= 1 + 1e-12;
  };
  let lo = 0;
  let hi = 1e-3;
  while (!feasibleAt(hi)) hi *= 2;
  for (let i = 0; i < 45; i++) {
    const mid = (lo + hi) / 2;
    if (feasibleAt(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Least Σ_k b_k with which every block is placed and every device finishes by T (Infinity when no
 * placement does), for instances whose blocks all carry the same bits. Columns z_{k,l,n}: device k
 * holds the n consecutive depths l..l+n−1. Rows: every depth covered exactly once; every device
 * at most one column. Restricting devices to consecutive depths loses nothing when bits are equal:
 * order the devices of any assignment by their shallowest depth and hand them consecutive depths
 * of their own counts in that order; the blocks shallower than a device's shallowest all sit on
 * earlier devices, so each one starts no shallower than before, with as many bits: it needs no
 * more bandwidth. (The test checks this formulation against enumeration on small instances.)
 */
export function fixedLatencyMinNeedHz(inst: Inst, T: number, timeLimitMs = 60_000): number {
  const J = inst.phi.length;
  const K = inst.devs.length;
  if (!inst.bits.every((b) => b === inst.bits[0])) throw new Error('fixedLatencyMinNeedHz needs blocks of equal bits');
  const device = Array.from({ length: K }, (_, k) => ({ name: `dev${k}`, terms: [] as { name: string; coef: number }[], upper: 1 }));
  const cover = Array.from({ length: J }, (_, i) => ({
    name: `cover${i + 1}`,
    terms: [] as { name: string; coef: number }[],
    lower: 1,
    upper: 1,
  }));
  const objective: { name: string; coef: number }[] = [];
  for (let k = 0; k < K; k++) {
    for (let l = 1; l <= J; l++) {
      const { compute, memory } = load(inst, k, [l]);
      if (memory > inst.devs[k].mem) continue;
      for (let n = 1; n <= Math.min(inst.cap, J - l + 1); n++) {
        const need = needRef(inst.devs[k].snr, n * inst.bits[0], T - compute);
        if (!(need <= inst.W)) break; // more blocks only need more
        const z = `z_${k}_${l}_${n}`;
        objective.push({ name: z, coef: need / inst.W });
        device[k].terms.push({ name: z, coef: 1 });
        for (let j = l; j < l + n; j++) cover[j - 1].terms.push({ name: z, coef: 1 });
      }
    }
  }
  if (cover.some((c) => c.terms.length === 0)) return Infinity;
  const rows = [...cover, ...device.filter((d) => d.terms.length > 0)];
  const sol = solveLinearProgram(
    { name: 'reference-fixed-latency', direction: 'min', objective, rows, binaries: objective.map((o) => o.name) },
    { timeLimitMs },
  );
  if (sol.status === 'infeasible') return Infinity;
  if (sol.status !== 'optimal') throw new Error(`reference IP at T=${T}: ${sol.status}`);
  return sol.objective * inst.W;
}
