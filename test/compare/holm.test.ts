import { describe, expect, it } from 'vitest';
import { holm } from '../../src/compare/index.js';

describe('holm', () => {
  it('matches R p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")', () => {
    // sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max so far 0.06
    const { adjusted, reject } = holm([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted[0]).toBeCloseTo(0.03, 14);
    expect(adjusted[1]).toBeCloseTo(0.06, 14);
    expect(adjusted[2]).toBeCloseTo(0.06, 14);
    expect(adjusted[3]).toBeCloseTo(0.02, 14);
    expect(reject).toEqual([true, false, false, true]);
  });

  it('caps at 1 and keeps ties in order', () => {
    expect(holm([0.5, 0.5, 0.9]).adjusted).toEqual([1, 1, 1]);
    expect(holm([]).adjusted).toEqual([]);
    expect(holm([0.04]).reject).toEqual([true]);
  });

  it('rejects values that are not p-values', () => {
    expect(() => holm([0.1, NaN])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
