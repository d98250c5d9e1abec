import { describe, expect, it } from 'vitest';
import { compareMetric, compareMetrics, defaultDirection, SINGLE_RUN_WARNING } from '../../src/compare/index.js';

// Student's sleep data as one metric measured under seeds 1..10 on each side (see ttest.test.ts).
const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const base = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const head = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('defaultDirection', () => {
  it('treats losses, errors and durations as lower-is-better', () => {
    for (const n of ['loss', 'val_loss', 'error_rate', 'top1_err', 'latency_p95', 'train_time', 'rmse', 'MAE', 'perplexity']) {
      expect(defaultDirection(n), n).toBe('lower');
    }
    for (const n of ['accuracy', 'f1', 'auc', 'errands_done']) expect(defaultDirection(n), n).toBe('higher');
  });
});

describe('compareMetric', () => {
  it('pairs by seed when both sides have the same seeds, in any order', () => {
    const order = [3, 0, 9, 1, 8, 2, 7, 4, 6, 5];
    const r = compareMetric({
      name: 'accuracy',
      a: base,
      b: order.map((i) => head[i]!),
      seedsA: seeds,
      seedsB: order.map((i) => seeds[i]!),
    });
    expect(r.test).toBe('paired');
    // R: t.test(head, base, paired = TRUE): CI 0.7001142 2.4598858, p 0.002833
    expect(r.ci![0]).toBeCloseTo(0.7001142, 6);
    expect(r.ci![1]).toBeCloseTo(2.4598858, 6);
    expect(r.p).toBeCloseTo(0.0028329, 6);
    expect(r.delta).toBeCloseTo(1.58, 12);
    expect(r.relative).toBeCloseTo(1.58 / 0.75, 12);
    expect(r.verdict).toBe('improved');
    expect(r.a).toMatchObject({ n: 10, mean: 0.75 });
    expect(r.a.sd).toBeCloseTo(Math.sqrt(3.2005556), 6);
    expect(r.a.se).toBeCloseTo(Math.sqrt(3.2005556 / 10), 6);
  });

  it('calls the same change a regression for a lower-is-better metric', () => {
    const r = compareMetric({ name: 'val_loss', a: base, b: head, seedsA: seeds, seedsB: seeds });
    expect(r.direction).toBe('lower');
    expect(r.verdict).toBe('regressed');
    expect(compareMetric({ name: 'x', a: base, b: head, seedsA: seeds, seedsB: seeds, direction: 'lower' }).verdict).toBe('regressed');
  });

  it('uses Welch when seeds differ, are unknown or repeat', () => {
    // R: t.test(extra ~ group, data = sleep): CI (−0.2054832, 3.3654832) for head − base
    const other = seeds.map((s) => s + 100);
    for (const input of [
      { seedsA: seeds, seedsB: other },
      { seedsA: seeds, seedsB: [...seeds.slice(0, 9), null] },
      { seedsA: [1, 1, 3, 4, 5, 6, 7, 8, 9, 10], seedsB: [1, 1, 3, 4, 5, 6, 7, 8, 9, 10] },
      {},
    ]) {
      const r = compareMetric({ name: 'accuracy', a: base, b: head, ...input });
      expect(r.test).toBe('welch');
      expect(r.ci![0]).toBeCloseTo(-0.2054832, 6);
      expect(r.ci![1]).toBeCloseTo(3.3654832, 6);
      expect(r.p).toBeCloseTo(0.0793941, 6);
      expect(r.verdict).toBe('no significant change');
    }
  });

  it('runs no test with a single run on a side', () => {
    const r = compareMetric({ name: 'accuracy', a: [0.9], b: [0.91, 0.93] });
    expect(r).toMatchObject({ test: 'none', verdict: 'changed', warning: SINGLE_RUN_WARNING });
    expect(r.a).toEqual({ n: 1, mean: 0.9, sd: null, se: null, values: [0.9] });
    expect(r.delta).toBeCloseTo(0.02, 12);
    expect(r.ci).toBeUndefined();
    expect(r.p).toBeUndefined();
    expect(compareMetric({ name: 'accuracy', a: [0.9], b: [0.9] }).verdict).toBe('unchanged');
  });

  it('reports relative change against |mean a|, null when it is 0', () => {
    expect(compareMetric({ name: 'm', a: [0], b: [1] }).relative).toBeNull();
    expect(compareMetric({ name: 'm', a: [-2], b: [-1] }).relative).toBe(0.5);
  });

  it('runs no test on non-finite values', () => {
    const r = compareMetric({ name: 'loss', a: [0.2, 0.3], b: [NaN, 0.3] });
    expect(r.test).toBe('none');
    expect(r.verdict).toBe('changed');
    expect(r.warning).toMatch(/non-finite/);
  });

  it('rejects an empty side', () => {
    expect(() => compareMetric({ name: 'm', a: [], b: [1] })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('compareMetrics', () => {
  it('decides by Holm-adjusted p-values across the tested metrics', () => {
    const r = compareMetrics([
      // paired sleep data: p = 0.0028329
      { name: 'accuracy', a: base, b: head, seedsA: seeds, seedsB: seeds },
      // paired differences 1, 1.5, 0.2, 0.8: p = 0.0473335 (scipy ttest_1samp), CI excludes 0
      { name: 'f1', a: [10, 11, 12, 13], b: [11, 12.5, 12.2, 13.8], seedsA: [1, 2, 3, 4], seedsB: [1, 2, 3, 4] },
      // Welch: p = 0.3747922
      { name: 'auc', a: [0.8, 0.82, 0.81], b: [0.83, 0.85, 0.8] },
      // no test: not part of the family
      { name: 'size', a: [1], b: [2] },
    ]);
    expect(r.adjustment).toBe('holm');
    expect(r.alpha).toBe(0.05);
    const [acc, f1, auc, size] = r.metrics;
    // Holm with m = 3: 0.0028329·3 = 0.0084987; 0.0473335·2 = 0.0946670; max(0.0946670, 0.3747922)
    expect(acc!.p_adjusted).toBeCloseTo(0.0084987, 6);
    expect(acc!.verdict).toBe('improved');
    expect(f1!.p_adjusted).toBeCloseTo(0.094667, 6);
    expect(f1!.ci![0]).toBeGreaterThan(0);
    expect(f1!.verdict).toBe('no significant change');
    expect(f1!.warning).toMatch(/Holm/);
    expect(auc!.p_adjusted).toBeCloseTo(0.3747922, 6);
    expect(auc!.verdict).toBe('no significant change');
    expect(auc!.warning).toBeUndefined();
    expect(size!.p_adjusted).toBeUndefined();
    expect(size!.verdict).toBe('changed');
  });

  it('leaves a single tested metric as it was', () => {
    const r = compareMetrics([{ name: 'f1', a: [10, 11, 12, 13], b: [11, 12.5, 12.2, 13.8], seedsA: [1, 2, 3, 4], seedsB: [1, 2, 3, 4] }]);
    expect(r.metrics[0]!.p_adjusted).toBeCloseTo(0.0473335, 6);
    expect(r.metrics[0]!.verdict).toBe('improved');
  });
});
