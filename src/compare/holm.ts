/**
 * Holm's step-down correction for testing several metrics at once (controls the family-wise error
 * rate without assuming independence). With the p-values sorted ascending, p(1) ≤ … ≤ p(m):
 *   adjusted p(i) = min(1, max over j ≤ i of (m − j + 1) · p(j))
 * which equals R's `p.adjust(p, "holm")`. A hypothesis is rejected when its adjusted p ≤ alpha,
 * the same decision as Holm's rule "reject while p(i) ≤ alpha / (m − i + 1)".
 */
import { ReproError } from '../core/errors.js';

export interface HolmResult {
  /** adjusted p-values, in the order given */
  adjusted: number[];
  /** adjusted p ≤ alpha, in the order given */
  reject: boolean[];
}

export function holm(pvalues: readonly number[], alpha = 0.05): HolmResult {
  for (const p of pvalues) {
    if (!(p >= 0 && p <= 1)) throw new ReproError('E_USAGE', `p-value out of range: '${p}'`);
  }
  const m = pvalues.length;
  const order = pvalues.map((_, i) => i).sort((i, j) => pvalues[i]! - pvalues[j]! || i - j);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pvalues[idx]!));
    adjusted[idx] = running;
  });
  return { adjusted, reject: adjusted.map((p) => p <= alpha) };
}
