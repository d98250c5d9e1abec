import { describe, expect, it } from 'vitest';
import { pairedT, welch } from '../../src/compare/index.js';

// Student's sleep data (Cushny & Peebles 1905; R's `sleep`): extra hours of sleep for the same ten
// patients under two drugs.
const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('pairedT', () => {
  it('reproduces the textbook sleep-data result', () => {
    // differences 1.2 2.4 1.3 1.3 0 1 1.8 0.8 4.6 1.4; R: t.test(group2, group1, paired = TRUE)
    // t = 4.0621, df = 9, p-value = 0.002833, 95 percent CI 0.7001142 2.4598858, mean diff 1.58
    const r = pairedT(group1, group2);
    expect(r.diff).toBeCloseTo(1.58, 12);
    expect(r.df).toBe(9);
    expect(r.t).toBeCloseTo(4.0621277, 6);
    expect(r.p).toBeCloseTo(0.0028329, 6);
    expect(r.ci[0]).toBeCloseTo(0.7001142, 6);
    expect(r.ci[1]).toBeCloseTo(2.4598858, 6);
  });

  it('gives a wider interval at a smaller alpha', () => {
    const r99 = pairedT(group1, group2, 0.01);
    expect(r99.ci[0]).toBeLessThan(0.7001142);
    // by hand: se = sd(d)/√10 = 1.2299955/√10 = 0.3889587; t(0.995, 9) = 3.2498355
    expect(r99.ci[1]).toBeCloseTo(1.58 + 3.2498355 * 0.3889587, 5);
  });

  it('rejects unequal lengths and single pairs', () => {
    expect(() => pairedT([1, 2], [1])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => pairedT([1], [2])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('answers when the differences have no spread', () => {
    expect(pairedT([1, 2, 3], [2, 3, 4])).toMatchObject({ diff: 1, se: 0, p: 0, ci: [1, 1], t: Infinity });
    expect(pairedT([1, 2, 3], [1, 2, 3])).toMatchObject({ diff: 0, se: 0, p: 1, ci: [0, 0] });
  });
});

describe('welch', () => {
  it('reproduces R t.test(extra ~ group, data = sleep)', () => {
    // By hand: s1² = 3.2005556, s2² = 4.0090000, n = 10 each
    //   se² = 0.32005556 + 0.40090000 = 0.72095556, se = 0.8490910
    //   t = (2.33 − 0.75)/se = 1.58/0.8490910 = 1.8608135
    //   df = se⁴ / (0.32005556²/9 + 0.4009²/9) = 0.5197769/0.0292395 = 17.776474
    // R prints t = -1.8608, df = 17.776, p-value = 0.07939, CI -3.3654832 0.2054832 (for group1 − group2).
    const r = welch(group1, group2);
    expect(r.diff).toBeCloseTo(1.58, 12);
    expect(r.se).toBeCloseTo(0.849091, 6);
    expect(r.t).toBeCloseTo(1.8608135, 6);
    expect(r.df).toBeCloseTo(17.776474, 5);
    expect(r.p).toBeCloseTo(0.0793941, 6);
    expect(r.ci[0]).toBeCloseTo(-0.2054832, 6);
    expect(r.ci[1]).toBeCloseTo(3.3654832, 6);
  });

  it('uses n − 1 of the noisy side when the other side is constant', () => {
    const r = welch([5, 5, 5], [1, 2, 3, 4]);
    expect(r.df).toBeCloseTo(3, 12);
    expect(r.diff).toBe(-2.5);
  });

  it('answers for two constant sides', () => {
    expect(welch([2, 2], [2, 2])).toMatchObject({ diff: 0, p: 1, ci: [0, 0] });
    expect(welch([2, 2], [3, 3])).toMatchObject({ diff: 1, p: 0, ci: [1, 1] });
  });

  it('rejects a side with one value, and a bad alpha', () => {
    expect(() => welch([1], [1, 2])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => welch([1, 2], [1, 3], 1.5)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
