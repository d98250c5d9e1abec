/**
 * Two-sided t tests for a difference of means, reported as "b − a" (head minus base), with the
 * (1 − alpha) confidence interval of that difference. Both match R's `t.test(b, a)` and
 * `t.test(b, a, paired = TRUE)`.
 *
 * Degenerate spread (se = 0: all values equal, or all paired differences equal): there is no
 * noise, so a zero difference gets t = NaN, p = 1 and a zero-width CI, and a non-zero one
 * t = ±Infinity, p = 0 and the CI [diff, diff]. R refuses these inputs ("data are essentially
 * constant"); a deterministic metric run under several seeds is common enough here to answer.
 */
import { ReproError } from '../core/errors.js';
import { mean } from './stats.js';
import { tCdf, tQuantile } from './tdist.js';

export interface TTestResult {
  /** mean(b) − mean(a) (for the paired test, the mean of the differences b_i − a_i) */
  diff: number;
  /** standard error of diff */
  se: number;
  /** degrees of freedom (not an integer for Welch) */
  df: number;
  /** the (1 − alpha) confidence interval of diff: diff ± t_(1−alpha/2, df) · se */
  ci: [number, number];
  /** diff / se */
  t: number;
  /** two-sided p-value, 2 · P(T ≤ −|t|) */
  p: number;
}

/**
 * Welch's unequal-variance t test:
 *   se² = s_a²/n_a + s_b²/n_b
 *   df  = se⁴ / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1))      (Welch–Satterthwaite)
 * When both variances are 0, df is 0/0; we use n_a + n_b − 2 (it does not affect the result).
 */
export function welch(a: readonly number[], b: readonly number[], alpha = 0.05): TTestResult {
  if (a.length < 2 || b.length < 2) {
    throw new ReproError('E_USAGE', `cannot run a t test: need at least 2 values per side, got ${a.length} and ${b.length}`);
  }
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const denom = (va * va) / (a.length - 1) + (vb * vb) / (b.length - 1);
  const df = denom > 0 ? ((va + vb) * (va + vb)) / denom : a.length + b.length - 2;
  return finish(mean(b) - mean(a), se, df, alpha);
}

/**
 * Paired t test on d_i = b_i − a_i (a[i] and b[i] must belong together, e.g. the same seed):
 *   diff = mean(d),  se = sd(d)/√n,  df = n − 1.
 */
export function pairedT(a: readonly number[], b: readonly number[], alpha = 0.05): TTestResult {
  if (a.length !== b.length) {
    throw new ReproError('E_USAGE', `cannot run a paired t test: sides have ${a.length} and ${b.length} values`);
  }
  if (a.length < 2) throw new ReproError('E_USAGE', `cannot run a paired t test: need at least 2 pairs, got ${a.length}`);
  const d = a.map((x, i) => b[i]! - x);
  return finish(mean(d), Math.sqrt(variance(d) / d.length), d.length - 1, alpha);
}

function finish(diff: number, se: number, df: number, alpha: number): TTestResult {
  if (!(alpha > 0 && alpha < 1)) throw new ReproError('E_USAGE', `alpha must be between 0 and 1: '${alpha}'`);
  if (se === 0) {
    if (diff === 0) return { diff, se, df, ci: [0, 0], t: NaN, p: 1 };
    return { diff, se, df, ci: [diff, diff], t: diff > 0 ? Infinity : -Infinity, p: 0 };
  }
  const t = diff / se;
  const half = tQuantile(1 - alpha / 2, df) * se;
  return { diff, se, df, ci: [diff - half, diff + half], t, p: Math.min(1, 2 * tCdf(-Math.abs(t), df)) };
}

/** Unbiased sample variance Σ(x − x̄)²/(n − 1), two-pass. */
function variance(xs: readonly number[]): number {
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return ss / (xs.length - 1);
}
