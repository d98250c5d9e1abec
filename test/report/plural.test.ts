import { describe, expect, it } from 'vitest';
import { count, plural } from '../../src/core/plural.js';
import { renderCheckout, renderSweepSummary } from '../../src/report/run/index.js';
import { outcomeCounts } from '../../src/report/outputs.js';
import type { CheckoutResult, RunResult, SweepResult } from '../../src/model/run.js';

// Counts in report texts go through core/plural.ts: "1 stage", "2 stages", never "1 stages" (issue 13).
describe('plural', () => {
  it('singular for exactly one, plural otherwise, irregular plurals given', () => {
    expect([count(0, 'run'), count(1, 'run'), count(2, 'run')]).toEqual(['0 runs', '1 run', '2 runs']);
    expect(count(1, 'entry', 'entries')).toBe('1 entry');
    expect(count(3, 'entry', 'entries')).toBe('3 entries');
    expect(plural(1, 'is', 'are')).toBe('is');
    expect(plural(2, 'is', 'are')).toBe('are');
  });

  const checkout = (over: Partial<CheckoutResult>): CheckoutResult => ({
    interrupted: false,
    restored: [],
    unchanged: [],
    missing: [],
    corrupt: [],
    modified: [],
    notRun: [],
    ...over,
  });

  it('checkout: outputs with unsaved changes, stages never run', () => {
    const mod = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `o${i}`, stage: 's', files: [''] }));
    expect(renderCheckout(checkout({ modified: mod(1) }))).toContain('nothing restored: 1 output has unsaved changes');
    expect(renderCheckout(checkout({ modified: mod(2) }))).toContain('nothing restored: 2 outputs have unsaved changes');
    const never = (n: number) => Array.from({ length: n }, (_, i) => ({ stage: `s${i}`, outs: ['x'] }));
    expect(renderCheckout(checkout({ notRun: never(1) }))).toContain(', 1 stage never run');
    expect(renderCheckout(checkout({ notRun: never(2) }))).toContain(', 2 stages never run');
  });

  it('a sweep of one seed and of two', () => {
    const run = { stages: [], runId: null } as unknown as RunResult;
    const sweep = (seeds: number[]): SweepResult => ({
      id: 'sw',
      seeds,
      runs: seeds.map((seed) => ({ seed, result: run })),
      restore: null,
      ok: true,
      interrupted: false,
      seedMetrics: {},
    });
    expect(renderSweepSummary(sweep([1]))).toContain('sweep sw: 1 seed\n');
    expect(renderSweepSummary(sweep([1, 2]))).toContain('sweep sw: 2 seeds\n');
    const stopped = { ...sweep([1]), ok: false, seeds: [1] };
    expect(renderSweepSummary(stopped)).toContain('stopped after 1 of 1 seed;');
  });

  it('verify output counts', () => {
    expect(outcomeCounts([{ outcome: 'identical' }])).toBe('1 output: 1 identical');
    expect(outcomeCounts([{ outcome: 'identical' }, { outcome: 'differs' }])).toMatch(/^2 outputs: 1 identical, 1 /);
  });
});
