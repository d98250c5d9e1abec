import { describe, expect, it } from 'vitest';
import { tCdf, tQuantile } from '../../src/compare/index.js';

describe('tQuantile', () => {
  // Published two-sided 95% critical values (any t table; R: qt(0.975, df)).
  it.each([
    [1, 12.7062047],
    [2, 4.3026527],
    [4, 2.7764451],
    [10, 2.2281389],
    [30, 2.0422725],
    [1000, 1.9623391],
  ])('t(0.975, df=%d) = %f', (df, expected) => {
    expect(tQuantile(0.975, df)).toBeCloseTo(expected, 6);
    expect(tQuantile(0.025, df)).toBeCloseTo(-expected, 6);
  });

  it('matches other table values and non-integer df', () => {
    expect(tQuantile(0.995, 3)).toBeCloseTo(5.8409093, 6); // qt(0.995, 3)
    expect(tQuantile(0.975, 2.5)).toBeCloseTo(3.5746548, 6); // qt(0.975, 2.5)
    expect(tQuantile(0.975, Infinity)).toBeCloseTo(1.959964, 6); // normal z(0.975)
  });

  it('is exact in the far tail of the Cauchy (df = 1): t_p = −1/tan(πp)', () => {
    const p = 1e-10;
    const expected = -1 / Math.tan(Math.PI * p); // −3183098861.8379...
    expect(tQuantile(p, 1) / expected).toBeCloseTo(1, 9);
  });

  it('handles the edges', () => {
    expect(tQuantile(0.5, 7)).toBe(0);
    expect(tQuantile(0, 7)).toBe(-Infinity);
    expect(tQuantile(1, 7)).toBe(Infinity);
    expect(tQuantile(1.5, 7)).toBeNaN();
    expect(tQuantile(0.9, 0)).toBeNaN();
  });

  it('inverts tCdf', () => {
    for (const df of [1, 3, 7.3, 50]) {
      for (const p of [0.001, 0.1, 0.6, 0.999]) expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 12);
    }
  });
});

describe('tCdf', () => {
  it('matches closed forms', () => {
    // df = 1 (Cauchy): F(t) = ½ + atan(t)/π
    expect(tCdf(2, 1)).toBeCloseTo(0.5 + Math.atan(2) / Math.PI, 12);
    // df = 2: F(t) = ½ + t / (2√(2 + t²))
    expect(tCdf(1, 2)).toBeCloseTo(0.5 + 1 / (2 * Math.sqrt(3)), 12);
    expect(tCdf(-3, 2)).toBeCloseTo(0.5 - 3 / (2 * Math.sqrt(11)), 12);
    expect(tCdf(0, 5)).toBe(0.5);
  });

  it('keeps relative precision in the lower tail', () => {
    expect(tCdf(-10, 3) / 0.0010641995292070751).toBeCloseTo(1, 9); // pt(-10, 3)
    expect(tCdf(-50, 7) / 1.67562629777502e-10).toBeCloseTo(1, 8); // pt(-50, 7)
  });

  it('stays accurate for large df (scipy.stats.t)', () => {
    expect(tCdf(-1.2, 1e6) / 0.11506981236586235).toBeCloseTo(1, 9);
    expect(tCdf(-6, 50) / 1.0944697425399989e-7).toBeCloseTo(1, 10);
    expect(tQuantile(0.975, 1e5)).toBeCloseTo(1.9599877075346095, 10);
  });

  it('tends to the normal', () => {
    expect(tCdf(1.959963985, Infinity)).toBeCloseTo(0.975, 9);
    expect(tCdf(-1, 1e12)).toBeCloseTo(0.15865525393145707, 9);
  });
});
