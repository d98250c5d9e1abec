/**
 * Descriptive statistics. Undefined quantities are NaN (the mean of nothing, the spread of one
 * value), as in numpy; the tests built on them reject such inputs with an error instead.
 */
import { ReproError } from '../core/errors.js';

/** Arithmetic mean Σx / n; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Sample standard deviation with Bessel's correction, √(Σ(x − x̄)² / (n − 1)); NaN when n < 2.
 * Two-pass (centre first) so that values like 1e9 + small noise keep their precision.
 */
export function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (n - 1));
}

/** Standard error of the mean, s / √n; NaN when n < 2. */
export function standardError(xs: readonly number[]): number {
  return sampleSd(xs) / Math.sqrt(xs.length);
}

/**
 * Percentiles by linear interpolation between closest ranks, numpy's default (`method='linear'`):
 * for q in [0, 100], h = (n − 1)·q/100, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) over the
 * sorted samples. Returns one value per requested percentile, in the order asked.
 */
export function percentiles(samples: readonly number[], qs: readonly number[] = [50, 95, 99]): number[] {
  if (samples.length === 0) throw new ReproError('E_USAGE', 'cannot compute percentiles: no samples');
  const xs = [...samples].sort((a, b) => a - b);
  const n = xs.length;
  return qs.map((q) => {
    if (!(q >= 0 && q <= 100)) throw new ReproError('E_USAGE', `percentile out of range: '${q}'`);
    const h = ((n - 1) * q) / 100;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    return lerp(xs[lo]!, xs[hi]!, h - lo);
  });
}

/** numpy's `_lerp`: a + (b − a)·t, computed from the nearer end so results match it bit for bit. */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}
