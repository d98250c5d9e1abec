import { describe, expect, it } from 'vitest';
import { valuesWithinTolerance } from '../../src/compare/index.js';

describe('valuesWithinTolerance', () => {
  it('includes the boundary despite float rounding', () => {
    expect(Math.abs(0.93 - 0.925)).toBeGreaterThan(0.005); // 0.005000000000000004
    expect(valuesWithinTolerance(0.93, 0.925, 0.005)).toBe(true);
    expect(valuesWithinTolerance(0.93, 0.924, 0.005)).toBe(false);
  });

  it('handles exact, infinite and NaN values', () => {
    expect(valuesWithinTolerance(1, 1, 0)).toBe(true);
    expect(valuesWithinTolerance(1, 1.000001, 0)).toBe(false);
    expect(valuesWithinTolerance(Infinity, Infinity, 0)).toBe(true);
    expect(valuesWithinTolerance(NaN, NaN, 1)).toBe(false);
    expect(valuesWithinTolerance(1, 2, NaN)).toBe(false);
  });
});
