// Small, dependable 1-D root finders. Every continuous sub-problem of the model reduces to a
// monotone scalar equation, so these are all the numerics the solver needs. Hot paths call them
// thousands of times per solve: they use Brent's method, not plain bisection.

/**
 * Root of a decreasing function on [lo, hi] (both > 0), searched in log space with Brent's
 * method (bracketing; inverse quadratic interpolation, secant, bisection as fallback).
 * Returns lo if fn(lo) <= 0, hi if fn(hi) >= 0. `fLo`, `fHi`: fn(lo), fn(hi) when the caller has them.
 */
export function rootDecreasingLog(fn: (x: number) => number, lo: number, hi: number, relTol = 1e-13, fLo?: number, fHi?: number): number {
  let fa = fLo ?? fn(lo);
  if (fa <= 0) return lo;
  let fb = fHi ?? fn(hi);
  if (fb >= 0) return hi;
  let a = Math.log(lo);
  let b = Math.log(hi);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let i = 0; i < 200; i++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 0.5 * relTol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return Math.exp(b);
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = fn(Math.exp(b));
  }
  return Math.exp(b);
}

/**
 * Root of an increasing function with derivative, safeguarded Newton inside a bracket.
 * Needs fn(lo) <= 0 <= fn(hi).
 */
export function rootIncreasingNewton(
  fn: (x: number) => number,
  dfn: (x: number) => number,
  lo: number,
  hi: number,
  relTol = 1e-14,
): number {
  let x = 0.5 * (lo + hi);
  for (let i = 0; i < 200; i++) {
    const y = fn(x);
    if (y === 0) return x;
    if (y < 0) lo = x;
    else hi = x;
    const d = dfn(x);
    let next = d > 0 ? x - y / d : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= relTol * Math.max(Math.abs(x), 1e-300)) return next;
    x = next;
  }
  return x;
}

/**
 * Inverse of Φ(x) = (1+x)·ln(1+x) − x on x ≥ 0 (Φ is increasing and convex, Φ' = ln(1+x)).
 * It gives the energy-optimal SNR of an uplink (see uplink.ts). Newton from the left of the
 * root never overshoots on a convex increasing function after its first step.
 */
export function inversePhi(y: number): number {
  if (!(y > 0)) return 0;
  // Initial guess: Φ(x) ≈ x²/2 for small x, ≈ (1+x)(ln(1+x) − 1) for large x.
  let x = y < 1 ? Math.sqrt(2 * y) : y / Math.max(1, Math.log(y) - Math.log(Math.log(y + 1) + 1));
  for (let i = 0; i < 100; i++) {
    const l = Math.log1p(x);
    const f = (1 + x) * l - x - y;
    if (l <= 0) {
      x = Math.sqrt(2 * y);
      continue;
    }
    const next = Math.max(x - f / l, x * 1e-3);
    if (Math.abs(next - x) <= 1e-15 * x) return next;
    x = next;
  }
  return x;
}

/**
 * Golden-section search for the minimum of a unimodal function on [lo, hi]. Returns the best
 * interior point seen and the final bracket (callers that need a safe side evaluate its ends).
 */
export function goldenSectionMin(
  fn: (x: number) => number,
  lo: number,
  hi: number,
  iterations: number,
): { x: number; value: number; lo: number; hi: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = hi - g * (hi - lo);
  let d = lo + g * (hi - lo);
  let fc = fn(c);
  let fd = fn(d);
  for (let i = 0; i < iterations; i++) {
    if (fc <= fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - g * (hi - lo);
      fc = fn(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + g * (hi - lo);
      fd = fn(d);
    }
  }
  return fc <= fd ? { x: c, value: fc, lo, hi } : { x: d, value: fd, lo, hi };
}
