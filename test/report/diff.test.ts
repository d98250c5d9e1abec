import { describe, it, expect } from 'vitest';
import { renderDiff } from '../../src/report/diff/diff.js';
import { renderDiffMarkdown } from '../../src/report/diff/md.js';
import { deltaCell, num, percent, sideTitle } from '../../src/report/diff/format.js';
import type { DiffResult } from '../../src/model/diff.js';

const summary = (values: number[], seeds: (number | null)[], se: number | null) => ({
  n: values.length,
  mean: values.reduce((s, x) => s + x, 0) / values.length,
  sd: null,
  se,
  values,
  seeds,
});

const RESULT: DiffResult = {
  a: { label: 'main', kind: 'commit', commit: 'a'.repeat(40), runs: ['r1', 'r2', 'r3'], sources: ['runs'], n: [3, 3] },
  b: { label: 'workspace', kind: 'workspace', commit: null, runs: ['r4'], sources: ['runs'], n: [1, 1] },
  params: [
    { key: 'params.yaml:lr', change: 'changed', a: 0.1, b: 0.2 },
    { key: 'params.yaml:extra', change: 'added', b: [1, 2] },
  ],
  metrics: {
    alpha: 0.05,
    adjustment: 'holm',
    tested: 1,
    rows: [
      {
        key: 'm.json:acc',
        direction: 'higher',
        a: summary([0.8, 0.82, 0.84], [1, 2, 3], 0.011547),
        b: summary([0.9, 0.91, 0.92], [1, 2, 3], 0.005774),
        delta: 0.09,
        relative: 0.1097,
        test: 'paired',
        ci: [0.055, 0.125],
        p: 0.004,
        p_adjusted: 0.004,
        verdict: 'improved',
        warning: null,
        error: null,
      },
      {
        key: 'm.json:loss',
        direction: 'lower',
        a: summary([0.5], [1], null),
        b: summary([0.4], [1], null),
        delta: -0.1,
        relative: -0.2,
        test: 'none',
        ci: null,
        p: null,
        p_adjusted: null,
        verdict: 'changed',
        warning: 'single run on a side: the difference carries no uncertainty',
        error: null,
      },
      {
        key: 'm.json:note',
        direction: 'higher',
        a: null,
        b: null,
        delta: null,
        relative: null,
        test: 'none',
        ci: null,
        p: null,
        p_adjusted: null,
        verdict: 'changed',
        warning: null,
        error: 'not a number',
        text: { a: 'x', b: 'y|z' },
      },
    ],
  },
  outputs: [
    {
      path: 'model.bin',
      stage: 'train',
      change: 'modified',
      a: { hash: 'h1', size: 2048 },
      b: { hash: 'h2', size: 3072 },
      size_delta: 1024,
    },
  ],
  environment: [{ field: 'runtimes.python3', a: 'Python 3.11.4', b: 'Python 3.12.1' }],
  lock_files: [
    { path: 'requirements.txt', change: 'modified', format: 'requirements', packages: [{ name: 'numpy', a: '1.26.0', b: '2.0.0' }] },
  ],
  stages: [{ name: 'train', change: 'changed', reasons: [{ kind: 'param', file: 'params.yaml', key: 'lr', from: 0.1, to: 0.2 }] }],
  distributions: [
    {
      key: 'p.csv:score',
      kind: 'samples',
      n_a: 100,
      n_b: 100,
      psi: 0.31234,
      js: 0.08,
      band: 'major',
      percentiles: { p50: [0.5, 0.7], p95: [0.9, 1.1], p99: [0.99, 1.2] },
      error: null,
    },
  ],
  notes: ['main: no repro.lock'],
};

describe('repro diff rendering', () => {
  it('terminal', () => {
    expect(renderDiff(RESULT, 3)).toMatchInlineSnapshot(`
      "repro diff: main (aaaaaaa, 3 runs) -> workspace (1 run)

      Params
        param              main      workspace
        params.yaml:lr     0.1       0.2
        params.yaml:extra  (absent)  [1,2]

      Metrics
        metric       main                workspace           delta  relative  95% CI          verdict
        m.json:acc   0.82 ± 0.012 (n=3)  0.91 ± 0.006 (n=3)  +0.09  +11.0%    [0.055, 0.125]  improved
        m.json:loss  0.5                 0.4                 -0.1   -20.0%    -               changed (n=1)
        m.json:note  'x'                 'y|z'               -      -         -               ERROR: not a number
        mean ± standard error over runs; CI of the difference (paired by seed when both sides share seeds, else Welch); verdicts Holm-adjusted across 1 tested metric
        warning: single run on a side: the difference carries no uncertainty: m.json:loss

      Outputs
        model.bin  modified  2.0 KiB -> 3.0 KiB (+1.0 KiB)  stage train

      Environment
        field             main           workspace
        runtimes.python3  Python 3.11.4  Python 3.12.1

      Lock files
        requirements.txt  modified
            numpy  1.26.0  ->  2.0.0

      Stage keys
        train  changed
            param changed: lr 0.1 -> 0.2

      Distributions
        distribution  n        PSI    JS    shift  p50         p95         p99
        p.csv:score   100/100  0.312  0.08  major  0.5 -> 0.7  0.9 -> 1.1  0.99 -> 1.2
        PSI < 0.1 stable, 0.1 to 0.25 moderate, > 0.25 major shift; JS divergence in bits (0 same, 1 disjoint)

      Notes
        main: no repro.lock
      "
    `);
  });

  it('Markdown: tables with escaped cells, warnings as quotes', () => {
    const md = renderDiffMarkdown(RESULT, 3);
    expect(md.split('\n').slice(0, 12).join('\n')).toMatchInlineSnapshot(`
      "### repro diff: \`main (aaaaaaa, 3 runs)\` → \`workspace (1 run)\`

      #### Metrics

      | metric | \`main\` | \`workspace\` | Δ | relative | 95% CI of Δ | verdict |
      | --- | ---: | ---: | ---: | ---: | --- | --- |
      | \`m.json:acc\` | 0.82 ± 0.012 (n=3) | 0.91 ± 0.006 (n=3) | +0.09 | +11.0% | [0.055, 0.125] | **improved** |
      | \`m.json:loss\` | 0.5 | 0.4 | -0.1 | -20.0% | - | changed (n=1) |
      | \`m.json:note\` | 'x' | 'y\\|z' | - | - | - | ERROR: not a number |

      Mean ± standard error over runs (seeds). Verdicts from the 95% CI of the difference (paired by seed when both sides share seeds, else Welch), Holm-adjusted across 1 tested metric.
      "
    `);
    expect(md).toContain('> **Warning**: single run on a side: the difference carries no uncertainty: `m.json:loss`');
    expect(md).toContain("| `m.json:note` | 'x' | 'y\\|z' |");
    expect(md).toContain('| `requirements.txt` | `numpy` | 1.26.0 | 2.0.0 |');
  });

  it('an empty comparison says so', () => {
    const empty: DiffResult = {
      ...RESULT,
      params: [],
      metrics: { ...RESULT.metrics, tested: 0, rows: [] },
      outputs: [],
      environment: [],
      lock_files: [],
      stages: [],
      distributions: [],
      notes: [],
    };
    expect(renderDiff(empty)).toBe('repro diff: main (aaaaaaa, 3 runs) -> workspace (1 run)\nno differences\n');
    expect(renderDiffMarkdown(empty)).toContain('No differences.');
  });

  it('numbers: digits after the point, floating residue as 0, tiny values in exponent form', () => {
    expect(num(0.123456, 4)).toBe('0.1235');
    expect(num(2, 4)).toBe('2');
    expect(num(6.9e-19, 4)).toBe('0');
    expect(num(3e-7, 4)).toBe('3.00e-7');
    expect(num(null)).toBe('-');
    expect(num(NaN)).toBe('NaN');
    expect(percent(0.5)).toBe('+50.00%');
  });

  it('a side header counts the values behind the rows, from runs or seed_metrics', () => {
    const side = { label: 'main', kind: 'commit' as const, commit: 'b'.repeat(40) };
    expect(sideTitle({ ...side, runs: ['r1'], sources: ['runs', 'seed_metrics'], n: [5, 5] })).toBe('main (bbbbbbb, 5 runs)');
    expect(sideTitle({ ...side, runs: ['r1'], sources: ['runs', 'seed_metrics'], n: [1, 5] })).toBe('main (bbbbbbb, 1–5 runs)');
    expect(sideTitle({ ...side, runs: [], sources: ['seed_metrics'], n: [5, 5] })).toBe('main (bbbbbbb, 5 runs, seed_metrics)');
    expect(sideTitle({ ...side, runs: ['r1'], sources: ['runs'], n: [1, 1] })).toBe('main (bbbbbbb, 1 run)');
    expect(sideTitle({ ...side, runs: [], sources: ['files'], n: [1, 1] })).toBe('main (bbbbbbb)');
  });

  it('a delta: residue of equal means is 0, a real difference below the precision keeps its digits', () => {
    const row = RESULT.metrics.rows[0]!;
    const at = (a: number[], b: number[]) => {
      const r = { ...row, a: summary(a, [1, 2], 0.1), b: summary(b, [1, 2], 0.1) };
      return { ...r, delta: r.b.mean - r.a.mean };
    };
    const swapped = at([0.1, 0.7], [0.7, 0.1]);
    swapped.delta = 1.1e-16; // what summing in another order leaves
    expect(deltaCell(swapped, 4)).toBe('0');
    expect(deltaCell(at([0.91234, 0.9], [0.91236, 0.9]), 4)).toBe('+1.00e-5');
    expect(deltaCell(at([1e-20, 1e-20], [2e-20, 2e-20]), 4)).toBe('+1.00e-20');
    expect(deltaCell(at([0.5, 0.5], [0.4, 0.4]), 4)).toBe('-0.1');
  });
});
