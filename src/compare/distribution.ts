/**
 * Comparing distributions (histogram or sample columns in `plots:`): the Population Stability
 * Index and the Jensen–Shannon divergence.
 */
import { ReproError } from '../core/errors.js';
import { lowerBound } from '../core/sorted.js';
import { percentiles } from './stats.js';

/**
 * Stand-in for an empty bin's proportion in PSI, whose ln(p_b/p_a) is infinite when a bin is empty
 * on one side. 1e-4 is the customary choice in credit-scoring practice: an empty bin opposite a 10%
 * bin then adds (0.1 − 0.0001)·ln(1000) ≈ 0.69, clearly "major", rather than infinity. Proportions
 * are not renormalised after the substitution, so hand calculations stay simple.
 */
export const PSI_EPSILON = 1e-4;

export interface PsiOptions {
  /** number of quantile bins cut from the expected side (default 10: deciles) */
  bins?: number;
  /** proportion used for an empty bin (default PSI_EPSILON) */
  epsilon?: number;
}

/**
 * PSI between two samples. Bin edges are the expected side's quantiles at k/bins (numpy's linear
 * percentiles; repeated edges from ties are merged); bin i holds values in (edge(i−1), edge(i)],
 * the outer bins are open-ended so every actual value lands somewhere.
 */
export function psi(expected: readonly number[], actual: readonly number[], opts: PsiOptions = {}): number {
  const bins = opts.bins ?? 10;
  if (expected.length === 0 || actual.length === 0) {
    throw new ReproError('E_USAGE', 'cannot compute PSI: a side has no samples');
  }
  if (!Number.isInteger(bins) || bins < 2) throw new ReproError('E_USAGE', `PSI needs at least 2 bins: '${bins}'`);
  const qs = Array.from({ length: bins - 1 }, (_, k) => (100 * (k + 1)) / bins);
  const edges = [...new Set(percentiles(expected, qs))];
  return psiFromBins(histogram(expected, edges), histogram(actual, edges), opts.epsilon);
}

/**
 * PSI from histogram counts over the same bins (proportions work too; each side is normalised):
 *   PSI = Σ (b_i − a_i) · ln(b_i / a_i),  a_i, b_i the proportions, 0 replaced by epsilon.
 * Symmetric in its arguments and ≥ 0; see `psiBand` for the usual reading.
 */
export function psiFromBins(countsA: readonly number[], countsB: readonly number[], epsilon = PSI_EPSILON): number {
  const [pa, pb] = proportions(countsA, countsB, 'PSI');
  let sum = 0;
  for (let i = 0; i < pa.length; i++) {
    const a = pa[i]! === 0 ? epsilon : pa[i]!;
    const b = pb[i]! === 0 ? epsilon : pb[i]!;
    sum += (b - a) * Math.log(b / a);
  }
  return sum;
}

/** The customary reading of PSI: < 0.1 stable, 0.1 to 0.25 moderate shift, > 0.25 major shift. */
export function psiBand(v: number): 'stable' | 'moderate' | 'major' {
  if (v < 0.1) return 'stable';
  return v <= 0.25 ? 'moderate' : 'major';
}

/**
 * Jensen–Shannon divergence in bits, from counts or proportions over the same bins:
 *   JS(P, Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M),  M = (P + Q)/2,  KL(P ‖ M) = Σ p_i log2(p_i / m_i)
 * with 0 · log 0 = 0. Bounded: 0 for identical distributions, 1 for disjoint ones. No epsilon needed.
 */
export function jsDivergence(countsA: readonly number[], countsB: readonly number[]): number {
  const [pa, pb] = proportions(countsA, countsB, 'JS divergence');
  let sum = 0;
  for (let i = 0; i < pa.length; i++) {
    const m = (pa[i]! + pb[i]!) / 2;
    if (pa[i]! > 0) sum += 0.5 * pa[i]! * Math.log2(pa[i]! / m);
    if (pb[i]! > 0) sum += 0.5 * pb[i]! * Math.log2(pb[i]! / m);
  }
  return Math.min(1, Math.max(0, sum)); // clamp float rounding
}

/** Counts of xs in the bins (−∞, e0], (e0, e1], …, (e_last, ∞) for sorted edges. */
export function histogram(xs: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const x of xs) counts[lowerBound(edges, x)]! += 1;
  return counts;
}

function proportions(a: readonly number[], b: readonly number[], what: string): [number[], number[]] {
  if (a.length === 0) throw new ReproError('E_USAGE', `cannot compute ${what}: no bins`);
  if (a.length !== b.length) {
    throw new ReproError('E_USAGE', `cannot compute ${what}: bin counts differ in length (${a.length} and ${b.length})`);
  }
  return [normalise(a, what), normalise(b, what)];
}

function normalise(counts: readonly number[], what: string): number[] {
  let total = 0;
  for (const c of counts) {
    if (!(c >= 0) || !Number.isFinite(c)) throw new ReproError('E_USAGE', `cannot compute ${what}: bad bin count '${c}'`);
    total += c;
  }
  if (total === 0) throw new ReproError('E_USAGE', `cannot compute ${what}: a side has no observations`);
  return counts.map((c) => c / total);
}
