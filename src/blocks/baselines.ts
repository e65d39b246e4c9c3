// Baselines of docs/model.md §2, each returning an assignment (or null when it finds none that fits
// memory and maxBlocksPerDevice) and its round latency under its own bandwidth rule.

import { type BlocksModel, evaluateFixedSplit, evaluateOptimalSplit, uplinkRateBps } from './cost.js';
import { searchBlocks } from './search.js';
import type { BlockAssignment } from './types.js';
import { solverPerformanceNow } from '../solver/control.js';

export interface BaselineOutcome {
  assignment: BlockAssignment | null;
  roundLatencyS: number | null;
}

const none: BaselineOutcome = { assignment: null, roundLatencyS: null };

/** Block j goes to the next device in cyclic order that can take it (memory, cap). */
export function roundRobin(model: BlocksModel, cap: number): BaselineOutcome {
  const sets: BlockAssignment = Array.from({ length: model.K }, () => []);
  let next = 0;
  for (let j = 1; j <= model.J; j++) {
    let placed = false;
    for (let t = 0; t < model.K; t++) {
      const k = (next + t) % model.K;
      // shallow-first: a device's shallowest block is its first one, so only that one is gated
      if (sets[k].length >= cap || (sets[k].length === 0 && model.minDepth[k] > j)) continue;
      sets[k].push(j);
      next = (k + 1) % model.K;
      placed = true;
      break;
    }
    if (!placed) return none;
  }
  return { assignment: sets, roundLatencyS: evaluateOptimalSplit(model, sets).roundLatencyS };
}

/** Every block on the one device (with the whole bandwidth) that fits and finishes first. */
export function singleDevice(model: BlocksModel, cap: number): BaselineOutcome {
  if (cap < model.J) return none;
  const bits = model.rangeBits(1, model.J);
  let best = -1;
  let bestT = Infinity;
  for (let k = 0; k < model.K; k++) {
    if (model.minDepth[k] > 1) continue;
    const T = model.computeS(k, 1) + (bits > 0 ? bits / uplinkRateBps(model.instance.bandwidthHz, model.snrHz[k]) : 0);
    if (T < bestT) {
      bestT = T;
      best = k;
    }
  }
  if (best < 0) return none;
  const sets: BlockAssignment = Array.from({ length: model.K }, (_, k) =>
    k === best ? Array.from({ length: model.J }, (_, i) => i + 1) : [],
  );
  return { assignment: sets, roundLatencyS: evaluateOptimalSplit(model, sets).roundLatencyS };
}

/**
 * Equal bandwidth W/K for every device, with the best matching we can find for that split: our
 * search with a per-device bandwidth ceiling instead of the shared budget.
 */
export function equalBandwidth(model: BlocksModel, cap: number, deadline: number, seeds: BlockAssignment[]): BaselineOutcome {
  const share = model.instance.bandwidthHz / model.K;
  const bw = Array.from({ length: model.K }, () => share);
  const evaluate = (a: BlockAssignment) => evaluateFixedSplit(model, a, bw);
  const out = searchBlocks({ model, cap, deadline, fixedBandwidthHz: share, evaluate }, seeds, 0);
  if (!out.assignment) return none;
  return { assignment: out.assignment, roundLatencyS: evaluate(out.assignment).roundLatencyS };
}

/**
 * The publication's method (Wu, Chen, Huang 2024), as we read it. Blocks are grouped into G
 * consecutive-depth groups of q = max(⌈J/K⌉, 1) blocks (q = 1 is its one-to-one matching), then
 * bisection on T; for each T a dual ascent on the bandwidth price, here the per-device
 * bandwidth ceiling B̄ it induces: Cutting — device k can take group g iff its need at T is ≤ B̄;
 * ReCoUNting — since needs fall with depth, k can take every group from s_k on, so c_t =
 * #{k : s_k ≤ t} devices can serve the groups 1..t; CHecking — a matching exists iff c_t ≥ t for
 * every t, built greedily shallow-first with the least flexible eligible device. B̄ rises when the
 * check fails and falls when the matching's total bandwidth exceeds W.
 */
export function publication(model: BlocksModel, cap: number, deadline: number): BaselineOutcome {
  const W = model.instance.bandwidthHz;
  const q = Math.min(cap, Math.max(1, Math.ceil(model.J / model.K)));
  const G = Math.ceil(model.J / q);
  if (G > model.K) return none;
  const groups = Array.from({ length: G }, (_, g) => ({ from: g * q + 1, to: Math.min((g + 1) * q, model.J) }));

  // One matching costs up to K × G bandwidth inversions (half a million at 1024 × 512): the
  // deadline is checked inside it, and a late one gives up the whole baseline.
  let late = false;
  const matchAt = (T: number, ceiling: number): { sets: BlockAssignment; total: number } | 'check-failed' => {
    const need = (k: number, g: number) => model.needHz(k, groups[g].from, model.rangeBits(groups[g].from, groups[g].to), T);
    // cutting
    const start = new Array<number>(model.K).fill(G);
    for (let k = 0; k < model.K; k++) {
      if ((k & 15) === 15 && solverPerformanceNow() > deadline) {
        late = true;
        return 'check-failed';
      }
      for (let g = 0; g < G; g++) {
        if (need(k, g) <= ceiling) {
          start[k] = g;
          break;
        }
      }
    }
    // recounting + checking
    for (let t = 0; t < G; t++) {
      const c = start.filter((s) => s <= t).length;
      if (c < t + 1) return 'check-failed';
    }
    const used = new Array<boolean>(model.K).fill(false);
    const sets: BlockAssignment = Array.from({ length: model.K }, () => []);
    let total = 0;
    for (let g = 0; g < G; g++) {
      let pick = -1;
      for (let k = 0; k < model.K; k++) {
        if (used[k] || start[k] > g || need(k, g) > ceiling) continue;
        if (pick < 0 || start[k] > start[pick] || (start[k] === start[pick] && need(k, g) < need(pick, g))) pick = k;
      }
      if (pick < 0) return 'check-failed';
      used[pick] = true;
      total += need(pick, g);
      for (let j = groups[g].from; j <= groups[g].to; j++) sets[pick].push(j);
    }
    return { sets, total };
  };

  const feasibleAt = (T: number): BlockAssignment | null => {
    let lo = 0;
    let hi = W;
    let found: BlockAssignment | null = null;
    for (let it = 0; it < 40 && !late; it++) {
      const ceiling = 0.5 * (lo + hi);
      const m = matchAt(T, it === 0 ? W : ceiling);
      if (late) return null;
      if (m === 'check-failed') {
        if (it === 0) return null;
        lo = ceiling; // price too high: raise the ceiling
      } else if (m.total > W) {
        hi = it === 0 ? W : ceiling; // over budget: raise the price
      } else return m.sets;
    }
    return found;
  };

  // bracket T: grow from the fastest compute time until a matching fits
  let lo = 0;
  let hi = Math.max(1e-6, ...Array.from({ length: model.K }, (_, k) => model.computeS(k, model.J)));
  let best: BlockAssignment | null = null;
  for (let it = 0; it < 200 && !(best = feasibleAt(hi)); it++) {
    lo = hi;
    hi *= 2;
    if (late || solverPerformanceNow() > deadline) return none;
  }
  if (!best || late) return none;
  for (let it = 0; it < 50 && hi - lo > 1e-7 * hi && solverPerformanceNow() < deadline; it++) {
    const mid = 0.5 * (lo + hi);
    const m = feasibleAt(mid);
    if (late) break;
    if (m) {
      best = m;
      hi = mid;
    } else lo = mid;
  }
  return { assignment: best, roundLatencyS: evaluateOptimalSplit(model, best).roundLatencyS };
}
