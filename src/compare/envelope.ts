import { mean, sampleSd } from './stats.js';
import { tQuantile } from './tdist.js';

/**
 * The reproducibility envelope of a metric: where its values fall across seeds. `lo`/`hi` are
 * mean ± t·s (t: Student's 0.975 quantile with n-1 degrees of freedom, s: the sample standard
 * deviation), the band a single run of another seed falls in about 95% of the time for a roughly
 * normal metric; `min`/`max` the values seen. A value is inside when it is within either.
 */
export interface Envelope {
  n: number;
  mean: number;
  sd: number;
  lo: number;
  hi: number;
  min: number;
  max: number;
}

/** null for fewer than two values: no spread to speak of. */
export function envelopeOf(values: readonly number[]): Envelope | null {
  if (values.length < 2) return null;
  const m = mean(values);
  const s = sampleSd(values);
  const t = tQuantile(0.975, values.length - 1);
  return { n: values.length, mean: m, sd: s, lo: m - t * s, hi: m + t * s, min: Math.min(...values), max: Math.max(...values) };
}

export function inEnvelope(e: Envelope, v: number): boolean {
  const eps = 1e-12 * Math.max(1, Math.abs(v));
  return (v >= e.lo - eps && v <= e.hi + eps) || (v >= e.min - eps && v <= e.max + eps);
}
