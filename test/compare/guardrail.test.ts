import { describe, expect, it } from 'vitest';
import { judgeCheck } from '../../src/compare/index.js';

// Three seeds per side. Welch CI of head − base (scipy ttest_ind(head, base, equal_var=False)):
// delta = 0.875 − 0.91 = −0.035, 95% CI (−0.0557770, −0.0142230), so the drop is 0.035 with
// CI (0.0142230, 0.0557770).
const base = [0.9, 0.91, 0.92];
const head = [0.87, 0.875, 0.88];

describe('judgeCheck with several runs per side', () => {
  it('fails when the whole CI of the drop is past the limit', () => {
    const r = judgeCheck({ max_drop: 0.01 }, base, head);
    expect(r.status).toBe('fail');
    expect(r.rule).toBe('max_drop 0.01');
    expect(r.base_mean).toBeCloseTo(0.91, 12);
    expect(r.head_mean).toBeCloseTo(0.875, 12);
    expect(r.delta).toBeCloseTo(-0.035, 12);
    expect(r.ci![0]).toBeCloseTo(-0.055777, 6);
    expect(r.ci![1]).toBeCloseTo(-0.014223, 6);
    expect(r.reason).toBe('dropped by 0.035 (95% CI 0.01422 to 0.05578), significantly more than the allowed 0.01');
  });

  it('warns when only the point estimate is past the limit', () => {
    const r = judgeCheck({ max_drop: 0.02 }, base, head);
    expect(r.status).toBe('warn');
    expect(r.reason).toMatch(/within the uncertainty/);
  });

  it('passes within the limit', () => {
    expect(judgeCheck({ max_drop: 0.06 }, base, head).status).toBe('pass');
  });

  it('reads percentage limits relative to |base mean|', () => {
    // 1% of 0.91 = 0.0091 < CI low 0.0142 → fail; 5% = 0.0455 > 0.035 → pass
    expect(judgeCheck({ max_drop_pct: 1 }, base, head)).toMatchObject({ status: 'fail', rule: 'max_drop_pct 1' });
    expect(judgeCheck({ max_drop_pct: 5 }, base, head).status).toBe('pass');
    expect(judgeCheck({ max_drop_pct: 5 }, [0, 0], [0, 1])).toMatchObject({ status: 'warn', reason: 'base mean is 0: a percentage limit has no scale' });
  });

  it('turns drop and rise around for lower-is-better metrics', () => {
    // a fall of 0.035 is an improvement for a loss
    expect(judgeCheck({ max_drop: 0.01, direction: 'lower' }, base, head).status).toBe('pass');
    expect(judgeCheck({ max_rise: 0.01, direction: 'lower' }, base, head)).toMatchObject({ status: 'fail', rule: 'max_rise 0.01' });
    expect(judgeCheck({ max_rise: 0.01 }, base, head).status).toBe('pass');
    expect(judgeCheck({ max_drop: 0.01, direction: 'lower' }, head, base).status).toBe('fail');
  });
});

describe('judgeCheck bounds and combinations', () => {
  it('applies min and max to the head mean', () => {
    expect(judgeCheck({ min: 0.88 }, base, head)).toMatchObject({ status: 'fail', rule: 'min 0.88', reason: 'mean 0.875 is below the min 0.88' });
    expect(judgeCheck({ min: 0.875 }, base, head).status).toBe('pass');
    expect(judgeCheck({ max: 0.87 }, base, head)).toMatchObject({ status: 'fail', rule: 'max 0.87' });
  });

  it('reports the worst rule, or every rule on a pass', () => {
    expect(judgeCheck({ max_drop: 0.02, min: 0.88 }, base, head)).toMatchObject({ status: 'fail', rule: 'min 0.88' });
    expect(judgeCheck({ max_drop: 0.02, min: 0.8 }, base, head)).toMatchObject({ status: 'warn', rule: 'max_drop 0.02' });
    const r = judgeCheck({ min: 0.8, max_drop: 0.06 }, base, head);
    expect(r.status).toBe('pass');
    expect(r.rule).toBe('min 0.8, max_drop 0.06');
  });

  it('judges only min/max when the base has no values', () => {
    const r = judgeCheck({ min: 0.8, max_drop: 0.01 }, [], head);
    expect(r).toMatchObject({ status: 'warn', rule: 'max_drop 0.01', base_mean: null, delta: null });
    expect(r.ci).toBeUndefined();
  });

  it('rejects a check with no rule and a head with no values', () => {
    expect(() => judgeCheck({}, base, head)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => judgeCheck({ min: 0 }, base, [])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('judgeCheck with a single run on a side', () => {
  it('compares the point delta and says it has no uncertainty', () => {
    const r = judgeCheck({ max_drop: 0.01 }, [0.91], [0.895]);
    expect(r.status).toBe('fail');
    expect(r.ci).toBeUndefined();
    expect(r.reason).toMatch(/no uncertainty/);
    expect(judgeCheck({ max_drop: 0.01 }, [0.91], head).status).toBe('fail');
  });

  it('allows a drop of exactly the limit despite float rounding', () => {
    expect(0.91 - 0.9).toBeGreaterThan(0.01);
    expect(judgeCheck({ max_drop: 0.01 }, [0.91], [0.9]).status).toBe('pass');
  });
});
