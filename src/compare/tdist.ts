/**
 * Student's t distribution: CDF and quantile for any real df > 0 (Welch's df is not an integer).
 * df = Infinity (or beyond NORMAL_DF, where the two differ by less than 1e-8) uses the normal.
 */
import { incompleteBeta, lnBeta, normalCdf } from './special.js';

const NORMAL_DF = 1e8;

/**
 * P(T ≤ t) for T ~ t(df):
 *   P(T ≤ −|t|) = ½ · I_x(df/2, ½),  x = df / (df + t²),  1 − x = t² / (df + t²)
 * and P(T ≤ t) = 1 − P(T ≤ −t) for t > 0. The lower tail is computed directly, so small
 * p-values keep their relative precision.
 */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || df <= 0) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (df > NORMAL_DF) return normalCdf(t);
  const t2 = t * t;
  const lower = 0.5 * incompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
  return t <= 0 ? lower : 1 - lower;
}

/** Density of t(df); used for Newton steps in the quantile search. */
function tPdf(t: number, df: number): number {
  if (df > NORMAL_DF) return Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  // Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(−(ν+1)/2)
  //   = (1 + t²/ν)^(−(ν+1)/2) / (√ν B(ν/2, ½)), in logs.
  const lnC = -0.5 * Math.log(df) - lnBeta(df / 2, 0.5);
  return Math.exp(lnC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * The p-quantile of t(df): the t with tCdf(t, df) = p. Solved by Newton steps on tCdf kept inside a
 * bisection bracket, so it always converges; the result is as accurate as tCdf
 * allows. Symmetry t_p = −t_(1−p) is used so the search always works in the lower tail.
 */
export function tQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || Number.isNaN(df) || df <= 0 || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p > 0.5) return -lowerQuantile(1 - p, df);
  return lowerQuantile(p, df);
}

/** Quantile for 0 < p < ½ (so the answer is negative). */
function lowerQuantile(p: number, df: number): number {
  // Bracket [lo, hi] with tCdf(lo) ≤ p ≤ tCdf(hi) = ½.
  let hi = 0;
  let lo = -1;
  while (tCdf(lo, df) > p) {
    hi = lo;
    lo *= 2;
    if (!Number.isFinite(lo)) return -Infinity;
  }
  let t = (lo + hi) / 2;
  for (let i = 0; i < 300; i++) {
    const f = tCdf(t, df) - p;
    if (f === 0) return t;
    if (f > 0) hi = t;
    else lo = t;
    // Newton step; fall back to bisection when it leaves the bracket.
    let next = t - f / tPdf(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.abs(t) || hi - lo <= 1e-15 * Math.abs(lo)) return next;
    t = next;
  }
  return t;
}
