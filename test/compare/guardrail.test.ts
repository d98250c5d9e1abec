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
    expect(judgeCheck({ max_drop_pct: 5 }, [0, 0], [0, 1])).toMatchObject({
      status: 'warn',
      reason: 'base mean is 0: a percentage limit has no scale',
    });
  });

  it('reads drop and rise as a decrease and an increase of the raw value, whatever the direction', () => {
    // base → head falls by 0.035: a drop for accuracy and for a loss alike
    expect(judgeCheck({ max_drop: 0.01, direction: 'lower' }, base, head)).toMatchObject({ status: 'fail', rule: 'max_drop 0.01' });
    expect(judgeCheck({ max_rise: 0.01, direction: 'lower' }, base, head).status).toBe('pass');
    expect(judgeCheck({ max_rise: 0.01 }, base, head).status).toBe('pass');
    // head → base rises by 0.035: a loss guarded by max_rise fails, its max_drop passes
    const up = judgeCheck({ max_rise: 0.01, direction: 'lower' }, head, base);
    expect(up).toMatchObject({ status: 'fail', rule: 'max_rise 0.01' });
    expect(up.reason).toBe('rose by 0.035 (95% CI 0.01422 to 0.05578), significantly more than the allowed 0.01');
    expect(judgeCheck({ max_drop: 0.01, direction: 'lower' }, head, base).status).toBe('pass');
    expect(judgeCheck({ max_rise_pct: 1 }, head, base)).toMatchObject({ status: 'fail', rule: 'max_rise_pct 1' });
  });

  it('pairs the two sides by seed when both hold the same seeds', () => {
    // paired differences head − base by seed: −0.03, −0.035, −0.04 → mean −0.035, sd 0.005,
    // 95% CI −0.035 ± 4.3027 · 0.005/√3 = (−0.047421, −0.022579): tighter than Welch's
    const seeds = { base: [1, 2, 3], head: [3, 1, 2] };
    const r = judgeCheck({ max_drop: 0.02 }, base, [0.88, 0.87, 0.875], { seeds });
    expect(r.status).toBe('fail');
    expect(r.ci![0]).toBeCloseTo(-0.047421, 5);
    expect(r.ci![1]).toBeCloseTo(-0.022579, 5);
    // unmatched seeds fall back to Welch, where the same drop is only a warning
    expect(judgeCheck({ max_drop: 0.02 }, base, head, { seeds: { base: [1, 2, 3], head: [4, 5, 6] } }).status).toBe('warn');
  });
});

describe('judgeCheck bounds and combinations', () => {
  it('applies min and max to the head mean', () => {
    expect(judgeCheck({ min: 0.88 }, base, head)).toMatchObject({
      status: 'fail',
      rule: 'min 0.88',
      reason: 'mean 0.875 is below the min 0.88',
    });
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
