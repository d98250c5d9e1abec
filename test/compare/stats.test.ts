import { describe, expect, it } from 'vitest';
import { mean, percentiles, sampleSd, standardError } from '../../src/compare/index.js';

describe('descriptive statistics', () => {
  it('computes mean, sd and se', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9]; // Σ(x − 5)² = 32
    expect(mean(xs)).toBe(5);
    expect(sampleSd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(standardError(xs)).toBeCloseTo(Math.sqrt(32 / 7) / Math.sqrt(8), 14);
  });

  it('keeps precision for large offsets', () => {
    expect(sampleSd([1e9 + 1, 1e9 + 2, 1e9 + 3])).toBeCloseTo(1, 9);
  });

  it('is NaN where undefined', () => {
    expect(mean([])).toBeNaN();
    expect(sampleSd([3])).toBeNaN();
    expect(standardError([3])).toBeNaN();
  });
});

describe('percentiles', () => {
  it("matches numpy's default linear method", () => {
    // np.percentile([1, 2, 3, 4], [50, 95, 99]) → [2.5, 3.85, 3.97]
    const [p50, p95, p99] = percentiles([4, 1, 3, 2]);
    expect(p50).toBe(2.5);
    expect(p95).toBeCloseTo(3.85, 14);
    expect(p99).toBeCloseTo(3.97, 14);
    // np.percentile([15, 20, 35, 40, 50], [0, 40, 100]) → [15, 29, 50]
    expect(percentiles([15, 20, 35, 40, 50], [0, 40, 100])).toEqual([15, 29, 50]);
    // np.percentile([0.1, 0.7, 0.2, 1e9 + 0.3], [33, 66.6]) → [0.199, 0.699]
    const [a, b] = percentiles([0.1, 0.7, 0.2, 1e9 + 0.3], [33, 66.6]);
    expect(a).toBeCloseTo(0.199, 12);
    expect(b).toBeCloseTo(0.699, 9);
  });

  it('handles one sample and rejects none', () => {
    expect(percentiles([7], [50, 99])).toEqual([7, 7]);
    expect(() => percentiles([])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => percentiles([1], [101])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
