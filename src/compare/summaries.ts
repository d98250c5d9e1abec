import { SAMPLE_SUMMARIES } from '../core/metric-ref.js';
import { mean, percentiles } from './stats.js';

/**
 * Each sample list as its summary metrics (core/metric-ref.ts): `key:p50`, `key:p95`, `key:p99`
 * (numpy's default, linear interpolation: see `percentiles`), `key:mean`, `key:max`, `key:n`.
 * An empty list has none.
 */
export function sampleSummaries(samples: Record<string, readonly number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, xs] of Object.entries(samples)) {
    if (xs.length === 0) continue;
    const [p50, p95, p99] = percentiles(xs, [50, 95, 99]);
    let max = -Infinity;
    for (const x of xs) if (x > max || Number.isNaN(x)) max = x;
    const values: Record<(typeof SAMPLE_SUMMARIES)[number], number> = {
      p50: p50!,
      p95: p95!,
      p99: p99!,
      mean: mean(xs),
      max,
      n: xs.length,
    };
    for (const s of SAMPLE_SUMMARIES) out[`${key}:${s}`] = values[s];
  }
  return out;
}
