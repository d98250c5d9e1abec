import { describe, it, expect } from 'vitest';
import { judgeCheck } from '../../src/compare/index.js';

describe('guardrail reasons', () => {
  it('say what the value did: a drop rule on a rising metric says it rose, never "dropped by -x"', () => {
    const r = judgeCheck({ max_drop: 0.01 }, [0.9], [0.90218]);
    expect(r.status).toBe('pass');
    expect(r.reason).toMatch(/^rose by 0\.00218, within the allowed 0\.01/);
    const f = judgeCheck({ max_rise: 0.05 }, [0.3], [0.2]);
    expect(f.reason).toMatch(/^dropped by 0\.1, within the allowed 0\.05/);
    expect(judgeCheck({ max_drop: 0.01 }, [0.9], [0.85]).reason).toMatch(/^dropped by 0\.05, more than the allowed 0\.01/);
    expect(judgeCheck({ max_drop: 0.01 }, [0.9], [0.9]).reason).toMatch(/^unchanged, within/);
  });

  it('state the interval in the sense of the words: a drop rule on a metric that rose gives the rise and its CI', () => {
    // base 0.91, 0.915, 0.905 → head 0.93, 0.935, 0.925: it rose by 0.02, and the CI of that rise is positive
    const r = judgeCheck({ max_drop: 0.01 }, [0.91, 0.915, 0.905], [0.93, 0.935, 0.925]);
    expect(r.status).toBe('pass');
    const m = /^rose by 0\.02 \(95% CI (-?[\d.]+) to (-?[\d.]+)\)/.exec(r.reason);
    expect(m, r.reason).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(0.02);
    expect(Number(m![2])).toBeGreaterThan(0.02);
  });

  it('agree in word and sign for every rule kind, in both directions, with and without seeds', () => {
    const up = [0.91, 0.915, 0.905].map((x) => x + 0.02);
    const base = [0.91, 0.915, 0.905];
    for (const rule of [{ max_drop: 0.5 }, { max_rise: 0.5 }, { max_drop_pct: 50 }, { max_rise_pct: 50 }]) {
      for (const [b, h, word] of [
        [[0.9], [0.93], 'rose'],
        [[0.93], [0.9], 'dropped'],
        [base, up, 'rose'],
        [up, base, 'dropped'],
      ] as const) {
        const r = judgeCheck(rule, b, h);
        expect(r.reason, JSON.stringify(rule)).toMatch(new RegExp(`^${word} by 0\\.0[23]\\b`));
        expect(Math.sign(r.delta!)).toBe(word === 'rose' ? 1 : -1);
        expect(r.reason).not.toMatch(/by -/);
      }
    }
  });
});
