import { describe, it, expect } from 'vitest';
import { parseSeeds } from '../../src/ops/sweep.js';

describe('parseSeeds', () => {
  it('takes lists, ranges and mixes, in the order given', () => {
    expect(parseSeeds('1,2,3')).toEqual([1, 2, 3]);
    expect(parseSeeds('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('7, 1-3')).toEqual([7, 1, 2, 3]);
    expect(parseSeeds('0')).toEqual([0]);
  });

  it('rejects what is not a seed list with E_USAGE', () => {
    for (const bad of ['', '1,', 'a', '-1', '5-1', '1,1', '1-3,2', '0-1000', '1.5']) {
      expect(() => parseSeeds(bad), bad).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});
