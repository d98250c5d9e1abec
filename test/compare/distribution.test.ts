import { describe, expect, it } from 'vitest';
import { histogram, jsDivergence, psi, psiBand, psiFromBins } from '../../src/compare/index.js';

describe('psiFromBins', () => {
  it('matches a hand calculation', () => {
    // proportions a = .1 .2 .3 .4, b = .2 .2 .3 .3
    // PSI = (.2 − .1)·ln 2 + 0 + 0 + (.3 − .4)·ln(.75) = 0.0693147 + 0.0287682 = 0.0980829
    expect(psiFromBins([10, 20, 30, 40], [20, 20, 30, 30])).toBeCloseTo(0.0980829, 7);
    // proportions or counts give the same answer; it is symmetric
    expect(psiFromBins([0.1, 0.2, 0.3, 0.4], [2, 2, 3, 3])).toBeCloseTo(0.0980829, 7);
    expect(psiFromBins([20, 20, 30, 30], [10, 20, 30, 40])).toBeCloseTo(0.0980829, 7);
    expect(psiFromBins([5, 5], [5, 5])).toBe(0);
  });

  it('uses epsilon for empty bins', () => {
    // bins 2 and 3: (1e-4 − .5)·ln(1e-4/.5) = 0.4999·8.5171932 = 4.2577445, twice
    expect(psiFromBins([50, 50, 0], [50, 0, 50])).toBeCloseTo(2 * 0.4999 * Math.log(5000), 9);
    expect(psiFromBins([50, 50, 0], [50, 0, 50])).toBeCloseTo(8.515489, 5);
    expect(psiFromBins([1, 0], [0, 1], 0.01)).toBeCloseTo(2 * 0.99 * Math.log(100), 9);
  });

  it('rejects mismatched or empty histograms', () => {
    expect(() => psiFromBins([1, 2], [1, 2, 3])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => psiFromBins([0, 0], [1, 2])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => psiFromBins([], [])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('psi over samples', () => {
  it('bins by the quantiles of the expected side', () => {
    // expected 1..8, 4 bins: edges at numpy percentiles 25/50/75 = 2.75, 4.5, 6.25
    // expected counts 2 2 2 2; actual 3..10 → {} {3,4} {5,6} {7,8,9,10} = 0 2 2 4
    // PSI = (1e-4 − .25)·ln(1e-4/.25) + 0 + 0 + (.5 − .25)·ln 2 = 1.9552290 + 0.1732868 = 2.1285159
    const expected = [1, 2, 3, 4, 5, 6, 7, 8];
    const actual = [3, 4, 5, 6, 7, 8, 9, 10];
    expect(histogram(actual, [2.75, 4.5, 6.25])).toEqual([0, 2, 2, 4]);
    expect(psi(expected, actual, { bins: 4 })).toBeCloseTo(2.1285159, 6);
  });

  it('is 0 for the same sample and small for a similar one', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
    expect(psi(xs, xs)).toBe(0);
    expect(
      psi(
        xs,
        xs.map((x) => x + 0.01),
      ),
    ).toBeLessThan(0.1);
  });

  it('merges repeated edges from ties', () => {
    // all expected values equal: one edge at 1, bins (−∞, 1] and (1, ∞)
    expect(psi([1, 1, 1, 1], [1, 1, 2, 2], { bins: 4 })).toBeCloseTo(psiFromBins([4, 0], [2, 2]), 12);
  });

  it('puts values equal to an edge in the bin below', () => {
    expect(histogram([1, 2, 2.5, 3, 4], [2, 3])).toEqual([2, 2, 1]);
  });
});

describe('psiBand', () => {
  it('reads the customary thresholds', () => {
    expect(psiBand(0)).toBe('stable');
    expect(psiBand(0.0999)).toBe('stable');
    expect(psiBand(0.1)).toBe('moderate');
    expect(psiBand(0.25)).toBe('moderate');
    expect(psiBand(0.2501)).toBe('major');
  });
});

describe('jsDivergence', () => {
  it('is 0 for identical and 1 for disjoint distributions', () => {
    expect(jsDivergence([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jsDivergence([1, 0, 0], [0, 5, 5])).toBe(1);
  });

  it('matches a hand calculation', () => {
    // P = (½, ½), Q = (1, 0), M = (¾, ¼)
    // KL(P‖M) = ½·log2(⅔) + ½·log2(2) = 0.2075187; KL(Q‖M) = log2(4/3) = 0.4150375
    // JS = ½(0.2075187 + 0.4150375) = 0.3112781 (scipy jensenshannon(P, Q, base=2)² agrees)
    expect(jsDivergence([0.5, 0.5], [1, 0])).toBeCloseTo(0.3112781, 7);
    expect(jsDivergence([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(0.1535607, 7);
  });
});
