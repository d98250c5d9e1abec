/**
 * Comparisons of measured numbers against limits. Values computed in floating point are off by a
 * few units in the last place (0.93 − 0.925 = 0.005000000000000004), so a limit is allowed a slack
 * of ROUNDING relative to the magnitudes involved. 1e-12 is far above double rounding (~1e-16 per
 * operation) and far below any tolerance a user would write.
 */
export const ROUNDING = 1e-12;

/**
 * |a − b| ≤ tol (plus rounding slack). Equal values are always within tolerance (also ±Infinity);
 * NaN never is.
 */
export function valuesWithinTolerance(a: number, b: number, tol: number): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(tol)) return false;
  return !exceeds(Math.abs(a - b), tol, Math.max(Math.abs(a), Math.abs(b)));
}

/** x > limit by more than rounding, measured against the larger of |limit| and `scale`. */
export function exceeds(x: number, limit: number, scale = 0): boolean {
  return x - limit > ROUNDING * Math.max(Math.abs(limit), Math.abs(scale), Number.MIN_VALUE);
}
