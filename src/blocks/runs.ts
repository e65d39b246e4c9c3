// Fixed-latency run costs and the run-path Lagrangian (docs/model.md §2).
//
// At a round latency T, device k holding the contiguous run of n blocks starting at depth l needs
// need_k(l, σ[l, l+n)) Hz (∞ if memory or compute rule it out). A "run path" covers depths 1..J
// with consecutive runs, each run labelled with a device. When every block carries the same bits,
// the best assignment at T IS a run path with distinct devices: sort the devices used by their
// shallowest depth; blocks shallower than a device's shallowest all sit on earlier devices, so
// handing the devices consecutive runs of their own counts in that order moves every device to
// the same count at a depth no shallower, which never needs more bandwidth. Hence at T
//   min_assignments Σ_k need_k  =  min over run paths with distinct devices of Σ run costs,
// a shortest path with one side row per device. Pricing those rows with λ ≥ 0 gives the
// Lagrangian L(λ) = min_path Σ (cost + λ_k) − Σ_k λ_k ≤ that minimum, and any arc whose best path
// already exceeds W under L cannot be part of an assignment within W (reduced-cost fixing).

import type { BlocksModel } from './cost.js';
import type { BlockAssignment } from './types.js';
import { solverPerformanceNow } from '../solver/control.js';

export type Run = RunPath['runs'][number];

interface RunPath {
  /** Σ (cost + λ_k) of the path */
  value: number;
  runs: { device: number; from: number; n: number }[];
}

/** need tables at one T: row (k, l) holds need for n = 1..length (its finite prefix, each ≤ W). */
export class RunCosts {
  readonly J: number;
  readonly K: number;
  readonly offset: Int32Array;
  readonly length: Int32Array;
  readonly data: Float64Array;
  /** false when the deadline cut the build short (the tables are then unusable) */
  readonly complete: boolean = true;

  /**
   * `rowLimitHz`: a run needing more is left out (its row is cut there: more blocks need more).
   * The oracle cuts at the budget W (such a run can never be part of an answer); the relaxation
   * search of search.ts at its per-device ceiling (none, or the equal-bandwidth share).
   */
  constructor(
    readonly model: BlocksModel,
    readonly cap: number,
    readonly T: number,
    deadline = Infinity,
    rowLimitHz = model.instance.bandwidthHz,
  ) {
    const { J, K } = model;
    this.J = J;
    this.K = K;
    this.offset = new Int32Array(K * (J + 1));
    this.length = new Int32Array(K * (J + 1));
    // rows are written in place at their final offsets: one allocation of the largest size
    const data = new Float64Array(RunCosts.entries(J, K, cap));
    let size = 0;
    for (let k = 0; k < K && this.complete; k++) {
      for (let l = 1; l <= J; l++) {
        if ((l & 15) === 0 && solverPerformanceNow() > deadline) this.complete = false;
        const max = Math.min(cap, J - l + 1);
        let n = 0;
        for (; n < max; n++) {
          const v = model.needHz(k, l, model.rangeBits(l, l + n), T);
          if (!(v < Infinity && v <= rowLimitHz)) break;
          data[size + n] = v;
        }
        const idx = k * (J + 1) + l;
        this.offset[idx] = size;
        this.length[idx] = n;
        size += n;
      }
    }
    this.data = data.subarray(0, size);
  }

  /** size of the tables an instance would need (entries), to decide whether to build them */
  static entries(J: number, K: number, cap: number): number {
    let perDevice = 0;
    for (let l = 1; l <= J; l++) perDevice += Math.min(cap, J - l + 1);
    return perDevice * K;
  }

  /**
   * Can distinct devices cover every depth at all (bandwidth aside)? Device k can start no
   * shallower than the first depth where it has a run, and hold at most its longest run. These
   * are nested sets with capacities, so placing depths shallow-first on the least flexible
   * eligible device with room is a maximum matching: a depth left over proves T unreachable
   * (the case where the prices alone would climb forever).
   */
  coverable(): boolean {
    const { J, K } = this;
    const first = new Int32Array(K).fill(J + 1);
    const room = new Int32Array(K);
    for (let k = 0; k < K; k++) {
      for (let l = J; l >= 1; l--) {
        const len = this.length[k * (J + 1) + l];
        if (len > 0) first[k] = l;
        if (len > room[k]) room[k] = len;
      }
    }
    const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => first[b] - first[a]);
    for (let j = 1; j <= J; j++) {
      const k = order.find((d) => first[d] <= j && room[d] > 0);
      if (k === undefined) return false;
      room[k]--;
    }
    return true;
  }

  cost(k: number, l: number, n: number): number {
    const idx = k * (this.J + 1) + l;
    return n >= 1 && n <= this.length[idx] ? this.data[this.offset[idx] + n - 1] : Infinity;
  }

  /** shortest run path from depth j to the end, for every j (B[J+1] = 0), with device prices λ */
  backward(lambda: Float64Array, choice?: { k: Int32Array; n: Int32Array }): Float64Array {
    const { J, K } = this;
    const B = new Float64Array(J + 2).fill(Infinity);
    B[J + 1] = 0;
    for (let j = J; j >= 1; j--) {
      let best = Infinity;
      let bk = -1;
      let bn = 0;
      for (let k = 0; k < K; k++) {
        const idx = k * (J + 1) + j;
        const len = this.length[idx];
        const off = this.offset[idx];
        const lk = lambda[k];
        for (let n = 1; n <= len; n++) {
          const v = this.data[off + n - 1] + lk + B[j + n];
          if (v < best) {
            best = v;
            bk = k;
            bn = n;
          }
        }
      }
      B[j] = best;
      if (choice) {
        choice.k[j] = bk;
        choice.n[j] = bn;
      }
    }
    return B;
  }

  /** shortest run path from depth 1 to depth j (covering 1..j−1), for every j */
  forward(lambda: Float64Array): Float64Array {
    const { J, K } = this;
    const F = new Float64Array(J + 2).fill(Infinity);
    F[1] = 0;
    for (let j = 1; j <= J; j++) {
      const f = F[j];
      if (f === Infinity) continue;
      for (let k = 0; k < K; k++) {
        const idx = k * (J + 1) + j;
        const len = this.length[idx];
        const off = this.offset[idx];
        const base = f + lambda[k];
        for (let n = 1; n <= len; n++) {
          const v = base + this.data[off + n - 1];
          if (v < F[j + n]) F[j + n] = v;
        }
      }
    }
    return F;
  }

  shortestPath(lambda: Float64Array): RunPath {
    const choice = { k: new Int32Array(this.J + 2), n: new Int32Array(this.J + 2) };
    const B = this.backward(lambda, choice);
    const runs: RunPath['runs'] = [];
    if (B[1] < Infinity) for (let j = 1; j <= this.J; j += choice.n[j]) runs.push({ device: choice.k[j], from: j, n: choice.n[j] });
    return { value: B[1], runs };
  }
}

/** The assignment of a run path (devices may repeat: their runs merge). */
export function pathAssignment(K: number, runs: RunPath['runs']): BlockAssignment {
  const sets: BlockAssignment = Array.from({ length: K }, () => []);
  for (const r of runs) for (let j = r.from; j < r.from + r.n; j++) sets[r.device].push(j);
  return sets;
}

/** Σ_k need_k at the table's T of an assignment (∞ when a device cannot hold its set by T). */
export function assignmentNeedHz(model: BlocksModel, cap: number, T: number, assignment: BlockAssignment): number {
  let sum = 0;
  for (let k = 0; k < assignment.length; k++) {
    const S = assignment[k];
    if (S.length === 0) continue;
    if (S.length > cap) return Infinity;
    let l = S[0];
    for (const j of S) if (j < l) l = j;
    sum += model.needHz(k, l, model.bits(S), T);
  }
  return sum;
}
