import { describe, expect, it } from 'vitest';
import { sampleStages } from '../../src/ops/verify/sample.js';
import { renderVerifySummary } from '../../src/report/verify/verify.js';
import { renderVerifyAnnotations } from '../../src/report/verify/annotations.js';
import { renderVerifyJunit } from '../../src/report/verify/junit.js';
import { renderVerifyMarkdown, VERIFY_MD_MARKER } from '../../src/report/verify/md.js';
import { describeLineChange } from '../../src/report/verify/summary.js';
import type { VerifyResult } from '../../src/model/verify.js';

/** A result with one failure of every kind, and text that needs escaping in every format. */
function result(): VerifyResult {
  return {
    ok: false,
    commit: '0123456789abcdef0123456789abcdef01234567',
    dirty: false,
    freshness: {
      status: 'fail',
      stages: [
        { name: 'prep', status: 'fresh', reasons: [], file: 'repro.yaml', line: 3 },
        {
          name: 'train',
          status: 'stale',
          reasons: [{ kind: 'dep', path: 'a<b>&"c".csv', from: 'a'.repeat(64), to: 'b'.repeat(64) }],
          file: 'repro.yaml',
          line: 7,
        },
        { name: 'old', status: 'removed', reasons: [], file: 'repro.lock', line: 20 },
      ],
    },
    data: {
      status: 'warn',
      remote: null,
      outputs: [{ stage: 'prep', path: 'p.txt', hash: 'c'.repeat(64), status: 'missing' }],
      note: '1 of 1 recorded outputs are not in the local cache; remotes are not configured: only the local cache was checked',
    },
    rules: {
      status: 'pass',
      rules: [{ kind: 'check', metric: 'm.json:acc', stage: null, file: 'repro.yaml', line: 12, status: 'pass', problem: null }],
    },
    rerun: {
      status: 'fail',
      stages_requested: ['train'],
      sample: { k: 1, seed: 42 },
      stages: [
        {
          name: 'train',
          status: 'not-reproduced',
          file: 'repro.yaml',
          line: 7,
          error: null,
          stderr_tail: [],
          input_changes: [],
          outputs: [
            {
              path: 'out.txt',
              status: 'differs',
              diff: [
                '--- expected/out.txt',
                '+++ actual/out.txt',
                '@@ -1,2 +1,2 @@',
                ' rows: 10',
                '-built 2024-01-01T10:00:01 | ok',
                '+built 2024-01-01T10:00:07 | ok',
              ],
              first_line: 2,
              volatile: [{ kinds: ['timestamp'], tokens: ['2024-01-01T10:00:01'] }],
              byte_offset: null,
              sizes: [30, 30],
              files: null,
              metrics: [],
              detail: null,
            },
            {
              path: 'model.bin',
              status: 'differs',
              diff: null,
              first_line: null,
              volatile: [],
              byte_offset: 17,
              sizes: [100, 101],
              files: null,
              metrics: [],
              detail: null,
            },
          ],
        },
      ],
    },
    guardrails: {
      status: 'fail',
      base: { ref: 'origin/main', commit: 'fedcba9876543210fedcba9876543210fedcba98' },
      rows: [
        {
          metric: 'm.json:acc',
          base: { mean: 0.91, n: 3, values: [0.9, 0.91, 0.92] },
          head: { mean: 0.875, n: 3, values: [0.87, 0.875, 0.88] },
          delta: -0.035,
          ci: [-0.0558, -0.0142],
          rule: 'max_drop 0.01',
          status: 'fail',
          reason: 'dropped by 0.035 (95% CI 0.0142 to 0.0558), significantly more than the allowed 0.01',
          change: 'regressed',
          file: 'repro.yaml',
          line: 12,
        },
      ],
    },
  };
}

describe('verify reports', () => {
  it('terminal: one line per check, one per failing subject, the differing line explained', () => {
    const text = renderVerifySummary(result());
    expect(text).toBe(
      `verify 0123456
freshness   FAIL  2 of 3 stages not fresh: train, old
    train: dep changed: 'a<b>&"c".csv' (aaaaaaaa -> bbbbbbbb)
    old: in repo.lock but no longer in repro.yaml
data        WARN  1 of 1 recorded outputs are not in the local cache; remotes are not configured: only the local cache was checked
rules       PASS  1 rule names an existing numeric metric
rerun       FAIL  1 of 1 stage did not reproduce: train (random sample of 1, seed 42)
    train: not reproduced: 'out.txt' differs, 'model.bin' differs
        out.txt: first differing line (line 2): 'built 2024-01-01T10:00:01 | ok' -> 'built 2024-01-01T10:00:07 | ok': only '2024-01-01T10:00:01' vs '2024-01-01T10:00:07' differs (looks like timestamp: a value that changes from run to run)
        --- expected/out.txt
        +++ actual/out.txt
        @@ -1,2 +1,2 @@
         rows: 10
        -built 2024-01-01T10:00:01 | ok
        +built 2024-01-01T10:00:07 | ok
        model.bin: binary output differs from byte 17 (sizes 100 and 101 bytes)
guardrails  FAIL  1 check against origin/main (fedcba9): 1 failed
    fail: m.json:acc: max_drop 0.01: dropped by 0.035 (95% CI 0.0142 to 0.0558), significantly more than the allowed 0.01 (base 0.91 (n=3), head 0.875 (n=3), delta -0.035)
verify FAILED: freshness, rerun, guardrails
`.replace('repo.lock', 'repro.lock'),
    );
  });

  it('markdown: marker first, escaped cells, diffs in fenced details, deterministic', () => {
    const md = renderVerifyMarkdown(result());
    expect(md.split('\n')[0]).toBe(VERIFY_MD_MARKER);
    expect(md).toContain('| `m.json:acc` | 0.91 (n=3) | 0.875 (n=3) | -0.035 [-0.0558, -0.0142] | max_drop 0.01 | ❌ fail |');
    expect(md).toContain('| `train` | stale | dep changed: \'a&lt;b>&"c".csv\' (aaaaaaaa -> bbbbbbbb) |');
    expect(md).toContain('| `old` | removed | in repro.lock but no longer in repro.yaml |');
    expect(md).toContain('#### Re-runs (random sample of 1, seed 42: `--sample 1 --sample-seed 42`)');
    expect(md).toContain('<details><summary>train: out.txt differs</summary>\n\n```diff\n');
    expect(md).toContain('\n-built 2024-01-01T10:00:01 | ok\n+built 2024-01-01T10:00:07 | ok\n```\n\n</details>');
    expect(renderVerifyMarkdown(result())).toBe(md);
  });

  it('junit: well-formed escaping, one testcase per subject, warnings as system-out', () => {
    const xml = renderVerifyJunit(result());
    expect(xml).toContain('<testsuites name="repro verify" tests="7" failures="4" skipped="0">');
    expect(xml).toContain(
      `<failure message="train: dep changed: 'a&lt;b&gt;&amp;&quot;c&quot;.csv' (aaaaaaaa -&gt; bbbbbbbb)">repro.yaml:7</failure>`,
    );
    expect(xml).toContain(
      '<testcase classname="repro.verify.data" name="prep: p.txt">\n      <system-out>warning: ' +
        'c'.repeat(64) +
        ' is not in the local cache</system-out>',
    );
    expect(xml).toContain('<testcase classname="repro.verify.guardrails" name="m.json:acc">');
    expect(xml).not.toMatch(/<[^>]*<[^/!?]/); // no unescaped '<' inside a tag
  });

  it('annotations: escaped workflow commands at the declaring line, warnings for guardrail warns and data', () => {
    const res = result();
    (res.guardrails as { rows: { status: string }[] }).rows[0]!.status = 'warn';
    const ann = renderVerifyAnnotations(res).trimEnd().split('\n');
    expect(ann[0]).toBe(
      `::error file=repro.yaml,line=7,title=repro verify%3A stage 'train' is not fresh::train: dep changed: 'a<b>&"c".csv' (aaaaaaaa -> bbbbbbbb)`,
    );
    expect(ann[1]).toBe(
      `::error file=repro.lock,line=20,title=repro verify%3A stage 'old' is not fresh::old: in repro.lock but no longer in repro.yaml`,
    );
    expect(ann[2]).toMatch(
      /^::error file=repro\.yaml,line=7,title=repro verify%3A stage 'train' did not reproduce::train: not reproduced: .*%0Aout\.txt: first differing line/,
    );
    expect(ann[3]).toMatch(
      /^::warning file=repro\.yaml,line=12,title=repro verify%3A guardrail 'm\.json%3Aacc'::m\.json:acc: max_drop 0\.01/,
    );
    expect(ann[4]).toMatch(/^::warning title=repro verify: data::1 of 1 recorded outputs/);
    expect(ann).toHaveLength(5);
  });
});

describe('verify reports without --base (min/max bounds only)', () => {
  function bounds(): VerifyResult {
    const res = result();
    res.guardrails = {
      status: 'fail',
      base: null,
      rows: [
        {
          metric: 'm.json:acc',
          base: null,
          head: { mean: 0.4, n: 1, values: [0.4] },
          delta: null,
          ci: null,
          rule: 'min 0.5',
          status: 'fail',
          reason: 'mean 0.4 is below the min 0.5',
          change: null,
          file: 'repro.yaml',
          line: 12,
        },
      ],
    };
    return res;
  }

  it('terminal: no "against", says what --base adds', () => {
    const text = renderVerifySummary(bounds());
    expect(text).toContain('guardrails  FAIL  1 check of absolute bounds (min/max): 1 failed; --base REF also judges drops\n');
    expect(text).toContain('    fail: m.json:acc: min 0.5: mean 0.4 is below the min 0.5');
    expect(text).not.toContain('against');
    const skipped = { ...bounds(), guardrails: { status: 'skip' as const } };
    expect(renderVerifySummary(skipped)).toMatch(/^guardrails +SKIP +no min\/max checks: to judge drops and rises, give --base REF$/m);
  });

  it('markdown: a heading without a base, no base or delta columns; junit: one guardrail failure', () => {
    const md = renderVerifyMarkdown(bounds());
    expect(md).toContain(
      '#### Guardrails: absolute bounds (min/max; `--base REF` also judges drops)\n\n| metric | head | rule | result | why |\n| --- | ---: | --- | --- | --- |\n| `m.json:acc` | 0.4 | min 0.5 | ❌ fail | mean 0.4 is below the min 0.5 |\n',
    );
    expect(md).not.toContain('Guardrails against');
    const xml = renderVerifyJunit(bounds());
    expect(xml).toMatch(/<testsuite name="guardrails" tests="1" failures="1" skipped="0">/);
    expect(xml).toContain('<failure message="m.json:acc: min 0.5: mean 0.4 is below the min 0.5');
  });
});

describe('describeLineChange', () => {
  it('shows the differing token and what it looks like', () => {
    expect(describeLineChange('host: build-01', 'host: build-02')).toBe(
      "'host: build-01' -> 'host: build-02': only 'build-01' vs 'build-02' differs (looks like a host, user or process name: a value that changes from run to run)",
    );
    expect(describeLineChange('tool v1.2.3', 'tool v1.2.4')).toContain("only 'v1.2.3' vs 'v1.2.4' differs (looks like a version");
    expect(describeLineChange('total 10', 'total 11')).toBe("'total 10' -> 'total 11': only '10' vs '11' differs");
    expect(describeLineChange('', 'new line')).toBe("'' -> 'new line'");
  });
});

describe('sampleStages', () => {
  it('is a deterministic pick of k, in the given order', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const pick = sampleStages(names, 3, 12345);
    expect(pick).toHaveLength(3);
    expect(sampleStages(names, 3, 12345)).toEqual(pick);
    expect([...pick].sort((x, y) => names.indexOf(x) - names.indexOf(y))).toEqual(pick);
    expect(sampleStages(names, 10, 1)).toEqual(names);
    const picks = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => sampleStages(names, 2, s).join()));
    expect(picks.size).toBeGreaterThan(3);
  });
});
