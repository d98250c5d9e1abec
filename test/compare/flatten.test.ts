import { describe, expect, it } from 'vitest';
import { flattenMetrics, sampleLists } from '../../src/compare/index.js';

const metrics = {
  accuracy: 0.93,
  train: { loss: 0.21, epochs: 10, converged: true, note: 'ok', best: null },
  per_class: [0.9, 0.8],
  folds: [{ f1: 0.7 }, { f1: 0.75 }],
  empty: {},
  latency_ms: [12, 15, 11],
};

describe('flattenMetrics', () => {
  it('keeps numeric leaves under dotted keys, indices for lists', () => {
    expect(flattenMetrics(metrics)).toEqual({
      accuracy: 0.93,
      'train.loss': 0.21,
      'train.epochs': 10,
      'per_class.0': 0.9,
      'per_class.1': 0.8,
      'folds.0.f1': 0.7,
      'folds.1.f1': 0.75,
      'latency_ms.0': 12,
      'latency_ms.1': 15,
      'latency_ms.2': 11,
    });
  });

  it('applies a prefix and keeps non-finite values', () => {
    expect(flattenMetrics({ loss: NaN, x: 'a' }, 'eval')).toEqual({ 'eval.loss': NaN });
    expect(flattenMetrics(0.5, 'score')).toEqual({ score: 0.5 });
    expect(flattenMetrics(0.5)).toEqual({});
    expect(flattenMetrics(null)).toEqual({});
  });
});

describe('sampleLists', () => {
  it('finds arrays made only of numbers', () => {
    expect(sampleLists(metrics)).toEqual({ per_class: [0.9, 0.8], latency_ms: [12, 15, 11] });
    expect(sampleLists({ runs: [{ t: [1, 2] }, { t: [3] }], mixed: [1, 'a'], none: [] })).toEqual({
      'runs.0.t': [1, 2],
      'runs.1.t': [3],
    });
  });
});
