import { describe, it, expect } from 'vitest';
import { percentiles, sampleSummaries } from '../../src/compare/index.js';
import { isSummaryKey, splitMetricRef } from '../../src/core/metric-ref.js';

describe('sample summaries', () => {
  it('percentiles are numpy’s default (linear interpolation), against textbook values', () => {
    // numpy.percentile([15, 20, 35, 40, 50], 40) = 29: h = 4·0.4 = 1.6 → 20 + 0.6·(35 − 20)
    expect(percentiles([50, 15, 40, 20, 35], [40])).toEqual([29]);
    expect(percentiles([1, 2, 3, 4], [50])).toEqual([2.5]); // the median of an even count
    expect(percentiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [99])[0]).toBeCloseTo(9.91, 12);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(hundred, [50, 95, 99]).map((x) => Number(x.toFixed(10)))).toEqual([50.5, 95.05, 99.01]);
    expect(percentiles([7], [0, 50, 100])).toEqual([7, 7, 7]);
  });

  it('each list becomes key:p50, :p95, :p99, :mean, :max, :n', () => {
    const s = sampleSummaries({ lat: [4, 1, 3, 2], empty: [] });
    expect(s).toEqual({ 'lat:p50': 2.5, 'lat:p95': 3.85, 'lat:p99': 3.97, 'lat:mean': 2.5, 'lat:max': 4, 'lat:n': 4 });
  });

  it('a summary name splits before the key, not before the suffix', () => {
    expect(splitMetricRef('metrics/rf.json:latency_ms:p95')).toMatchObject({ path: 'metrics/rf.json', key: 'latency_ms:p95' });
    expect(splitMetricRef('m.json:acc')).toMatchObject({ path: 'm.json', key: 'acc' });
    expect(splitMetricRef('c:/x.json:a.b')).toMatchObject({ path: 'c:/x.json', key: 'a.b' });
    expect(isSummaryKey('lat:p99')).toBe(true);
    expect(isSummaryKey('lat.0')).toBe(false);
  });
});
