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
});
