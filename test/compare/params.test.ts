import { describe, expect, it } from 'vitest';
import { diffParams } from '../../src/compare/index.js';

describe('diffParams', () => {
  it('diffs flattened keys, sorted, with lists as values', () => {
    const a = { train: { lr: 0.01, layers: [64, 32], opt: { name: 'adam' } }, seed: 1, old: true };
    const b = { train: { lr: 0.02, layers: [64, 32], opt: { name: 'adam', beta: 0.9 } }, seed: 1, prepare: { split: 0.2 } };
    expect(diffParams(a, b)).toEqual([
      { key: 'old', a: true, change: 'removed' },
      { key: 'prepare.split', b: 0.2, change: 'added' },
      { key: 'seed', a: 1, b: 1, change: 'unchanged' },
      { key: 'train.layers', a: [64, 32], b: [64, 32], change: 'unchanged' },
      { key: 'train.lr', a: 0.01, b: 0.02, change: 'changed' },
      { key: 'train.opt.beta', b: 0.9, change: 'added' },
      { key: 'train.opt.name', a: 'adam', b: 'adam', change: 'unchanged' },
    ]);
  });

  it('notices changes inside lists, of type, and to null', () => {
    const d = diffParams({ l: [1, { x: 2 }], t: 1, n: null }, { l: [1, { x: 3 }], t: '1', n: null });
    expect(d.map((x) => [x.key, x.change])).toEqual([
      ['l', 'changed'],
      ['n', 'unchanged'],
      ['t', 'changed'],
    ]);
  });

  it('sorts by code unit, not locale', () => {
    expect(diffParams({ b: 1, B: 1, a: 1 }, {}).map((x) => x.key)).toEqual(['B', 'a', 'b']);
  });
});
