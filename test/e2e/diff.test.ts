import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testRepo, repro, git, tempRepos } from '../helpers/repo.js';
import { read, writeTree } from '../helpers/tree.js';
import { parseLock } from '../../src/lock/index.js';

/**
 * `repro run --seeds` and `repro diff`, end to end: real Git repositories, real stage processes.
 * The metric is 0.5 + effect + noise, the noise a fixed table indexed by (seed + salt) mod 5, so
 * two configurations with different salts have different per-seed noise (pairing by seed does not
 * cancel it) and the verdicts are exact, not luck.
 */

const TRAIN = `#!/bin/sh
# usage: train.sh EFFECT SALT; the seed comes in as $REPRO_SEED
awk -v s="$REPRO_SEED" -v k="$2" -v e="$1" 'BEGIN {
  split("0.03 -0.02 0.01 -0.04 0.02", t, " ");
  n = t[(s + k) % 5 + 1];
  lat = "";
  for (i = 0; i < 40; i++) lat = lat (i ? ", " : "") (10 + i * (1 + e));
  printf "{\\"acc\\": %.6f, \\"loss\\": %.6f, \\"latency_ms\\": [%s]}\\n", 0.5 + e + n, 0.5 - e - n, lat > "metrics.json";
  print "step,score" > "scores.csv";
  for (i = 0; i < 50; i++) printf "%d,%.6f\\n", i, i / 50 + e >> "scores.csv";
  printf "model seed=%s effect=%s\\n", s, e > "model.txt";
}'
`;

const FILES = {
  'params.yaml': 'effect: 0\nsalt: 0\n',
  'train.sh': TRAIN,
  '.gitignore': '/prep-count.log\n',
  'repro.yaml': `version: 1
seed: 1
stages:
  prep:
    cmd: "echo ran >> prep-count.log && echo data > data.txt"
    seed: false
    outs: [data.txt]
  train:
    cmd: sh train.sh \${effect} \${salt}
    deps: [data.txt, train.sh]
    params: [effect, salt]
    outs: [model.txt]
    metrics: [metrics.json]
    plots: [scores.csv]
`,
};

const { dirs } = tempRepos({ after: 'all' });

async function json(dir: string, ...args: string[]) {
  const r = await repro(dir, ...args, '--json');
  if (r.code !== 0) throw new Error(`repro ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function clone(from: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'repro-clone-'));
  dirs.push(d);
  git(tmpdir(), 'clone', '-q', from, d);
  return d;
}

/** Volatile values (commit ids, run ids, content hashes) replaced, so a shape compares literally. */
function scrub(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(scrub);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
  if (typeof v === 'string' && /^[0-9a-f]{40}$/.test(v)) return '<sha>';
  if (typeof v === 'string' && /^[0-9a-f]{64}(\.dir)?$/.test(v)) return '<hash>';
  if (typeof v === 'string' && /^\d{8}T\d{6}\.\d{3}Z-\w{6}$/.test(v)) return '<run>';
  return v;
}

const row = (d: { metrics: { rows: { key: string }[] } }, key: string) => d.metrics.rows.find((r) => r.key === key) as any;

// Commits: pipeline (no lock) → base (effect 0) → small (effect 0.001: inside the noise) → big (effect 0.5)
let R: string;
const sweeps: any[] = [];
beforeAll(async () => {
  R = await testRepo(FILES);
  dirs.push(R);
  const steps: [string, string[]][] = [
    ['base', []],
    ['small', ['-S', 'effect=0.001', '-S', 'salt=2']],
    ['big', ['-S', 'effect=0.5', '-S', 'salt=4']],
  ];
  for (const [msg, args] of steps) {
    sweeps.push(await json(R, 'run', '--seeds', '1-5', ...args));
    git(R, 'add', '-A');
    git(R, 'commit', '-qm', msg);
  }
}, 120_000);

describe('repro run --seeds', () => {
  it('records one run per seed under one sweep id, runs a seed: false stage once, keeps the first seed', async () => {
    const s = sweeps[0];
    expect(s.ok).toBe(true);
    expect(s.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(s.runs.map((r: any) => r.seed)).toEqual([1, 2, 3, 4, 5]);
    expect(s.runs.every((r: any) => typeof r.run_id === 'string')).toBe(true);
    const prep = s.runs.map((r: any) => r.stages.find((x: any) => x.name === 'prep').status);
    expect(prep).toEqual(['executed', 'up-to-date', 'up-to-date', 'up-to-date', 'up-to-date']);
    expect((await read(R, 'prep-count.log')).trim().split('\n')).toHaveLength(1); // once in three sweeps
    expect(s.restore.stages.find((x: any) => x.name === 'train').status).toBe('restored');

    // every run of a sweep carries its id; 3 sweeps x 5 seeds, no record for the restoring run
    const refs = git(R, 'for-each-ref', '--format=%(refname)', 'refs/repro/runs').trim().split('\n');
    expect(refs).toHaveLength(15);
    const rec = JSON.parse(git(R, 'show', `refs/repro/runs/${s.runs[2].run_id}:.repro-run/record.json`));
    expect(rec.sweep).toEqual({ id: s.sweep_id, seeds: [1, 2, 3, 4, 5], index: 2 });

    // the last sweep (effect 0.5, salt 4) left seed 1: noise t[(1 + 4) % 5 + 1] = 0.03
    expect(JSON.parse(await read(R, 'metrics.json')).acc).toBeCloseTo(1.03, 6);
    expect(await read(R, 'model.txt')).toBe('model seed=1 effect=0.5\n');
    expect((await json(R, 'status')).clean).toBe(true);
  });

  it('writes the per-seed values into repro.lock seed_metrics of the stage that declares the metrics', async () => {
    const lock = parseLock(await read(R, 'repro.lock'));
    const sm = lock.stages.train!.seed_metrics!;
    expect(Object.keys(sm).sort()).toEqual(['1', '2', '3', '4', '5']);
    // the latency_ms list is not copied, its summaries are (10 + 1.5·i for i < 40: numpy's percentiles)
    expect(sm['1']).toEqual({
      'metrics.json:acc': 1.03,
      'metrics.json:loss': -0.03,
      'metrics.json:latency_ms:p50': expect.closeTo(39.25, 9),
      'metrics.json:latency_ms:p95': expect.closeTo(65.575, 9),
      'metrics.json:latency_ms:p99': expect.closeTo(67.915, 9),
      'metrics.json:latency_ms:mean': expect.closeTo(39.25, 9),
      'metrics.json:latency_ms:max': 68.5,
      'metrics.json:latency_ms:n': 40,
    });
    expect(sm['4']!['metrics.json:acc']).toBe(0.96);
    expect(lock.stages.prep!.seed_metrics).toBeUndefined();
  });

  it('keeps seed_metrics across a seed change, drops them when anything else changes', async () => {
    const c = await clone(R);
    expect((await repro(c, 'run', '--seed', '3', '--no-record')).code).toBe(0);
    expect(await read(c, 'repro.lock')).toContain('seed_metrics');
    expect((await repro(c, 'run', '--seed', '3', '-S', 'effect=0.2', '--no-record')).code).toBe(0);
    expect(await read(c, 'repro.lock')).not.toContain('seed_metrics');
  });

  it('rejects bad seed lists with exit 2', async () => {
    for (const bad of ['3-1', '1,1', 'x', '']) {
      const r = await repro(R, 'run', '--seeds', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('invalid --seeds');
    }
    expect((await repro(R, 'run', '--seeds', '1,2', '--seed', '3')).code).toBe(2);
  });
});

describe('repro diff between sweeps', () => {
  it('a large real effect is improved (paired by seed, Holm-adjusted); the direction follows the name', async () => {
    const d = await json(R, 'diff', 'HEAD~1', 'HEAD');
    expect(d.a).toMatchObject({ label: 'HEAD~1', kind: 'commit' });
    expect(d.a.runs).toHaveLength(5);
    expect(d.b.runs).toHaveLength(5);
    const acc = row(d, 'metrics.json:acc');
    expect(acc).toMatchObject({ direction: 'higher', test: 'paired', verdict: 'improved', warning: null });
    expect(acc.a.n).toBe(5);
    expect(acc.a.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(acc.delta).toBeCloseTo(0.499, 6);
    expect(acc.ci[0]).toBeGreaterThan(0.4);
    expect(acc.p_adjusted).toBeLessThan(0.05);
    expect(row(d, 'metrics.json:loss')).toMatchObject({ direction: 'lower', verdict: 'improved' });
    expect(d.metrics).toMatchObject({ adjustment: 'holm', tested: 8, alpha: 0.05 }); // acc, loss and latency_ms's six summaries
    expect(d.params).toEqual([
      { key: 'params.yaml:effect', change: 'changed', a: 0.001, b: 0.5 },
      { key: 'params.yaml:salt', change: 'changed', a: 2, b: 4 },
    ]);
    expect(d.outputs.map((o: any) => [o.path, o.change])).toEqual([
      ['metrics.json', 'modified'],
      ['model.txt', 'modified'],
      ['scores.csv', 'modified'],
    ]);
    expect(d.stages).toEqual([
      {
        name: 'train',
        change: 'changed',
        reasons: expect.arrayContaining([
          expect.objectContaining({ kind: 'param', key: 'effect' }),
          expect.objectContaining({ kind: 'cmd' }),
        ]),
      },
    ]);
    const dist = d.distributions.find((x: any) => x.key === 'scores.csv:score');
    expect(dist).toMatchObject({ kind: 'samples', n_a: 50, n_b: 50, band: 'major' });
    expect(d.distributions.find((x: any) => x.key === 'scores.csv:step')).toBeUndefined();
    const lat = d.distributions.find((x: any) => x.key === 'metrics.json:latency_ms');
    expect(lat.percentiles.p50[0]).toBeCloseTo(10 + 19.5 * 1.001, 6);
    expect(lat.percentiles.p99[1]).toBeLessThan(10 + 39 * 1.5 + 1e-9);
  });

  it('an effect inside the seed noise is no significant change', async () => {
    const d = await json(R, 'diff', 'HEAD~2', 'HEAD~1');
    const acc = row(d, 'metrics.json:acc');
    expect(acc).toMatchObject({ test: 'paired', verdict: 'no significant change' });
    expect(acc.delta).toBeCloseTo(0.001, 6);
    expect(acc.ci[0]).toBeLessThan(0);
    expect(acc.ci[1]).toBeGreaterThan(0);
    expect(d.distributions.find((x: any) => x.key === 'scores.csv:score').band).toBe('stable');
  });

  it('a run id compares that run and its sweep siblings', async () => {
    const d = await json(R, 'diff', sweeps[1].runs[3].run_id, sweeps[2].runs[0].run_id);
    expect(d.a.kind).toBe('run');
    expect(d.a.runs).toHaveLength(5);
    expect(row(d, 'metrics.json:acc')).toMatchObject({ verdict: 'improved', test: 'paired' });
  });

  it('prints a table with mean ± se and the CI, and Markdown for a pull request', async () => {
    const text = (await repro(R, 'diff', 'HEAD~1', 'HEAD', '--precision', '3')).stdout;
    expect(text).toMatch(/^repro diff: HEAD~1 \([0-9a-f]{7}, 5 runs\) -> HEAD \([0-9a-f]{7}, 5 runs\)$/m);
    expect(text).toMatch(
      /metrics\.json:acc\s+0\.501 ± 0\.013 \(n=5\)\s+1 ± 0\.013 \(n=5\)\s+\+0\.499\s+\+99\.6%\s+\[0\.\d+, 0\.\d+\]\s+improved/,
    );
    expect(text).toMatch(/metrics\.json:loss\s+0\.499 ± 0\.013 \(n=5\)\s+0 ± 0\.013 \(n=5\)\s+-0\.499\s+-100\.0%/);
    expect(text).toContain('Holm-adjusted across 8 tested metrics');

    const md = (await repro(R, 'diff', 'HEAD~1', 'HEAD', '--md')).stdout;
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^### repro diff: `HEAD~1 \(\w{7}, 5 runs\)` → `HEAD \(\w{7}, 5 runs\)`$/);
    const at = lines.indexOf('#### Metrics');
    expect(at).toBeGreaterThan(0);
    const header = lines[at + 2]!;
    expect(header).toBe('| metric | `HEAD~1` | `HEAD` | Δ | relative | 95% CI of Δ | verdict |');
    expect(lines[at + 3]).toBe('| --- | ---: | ---: | ---: | ---: | --- | --- |');
    const accRow = lines.find((l) => l.startsWith('| `metrics.json:acc` |'))!;
    expect(accRow).toContain('**improved**');
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    for (const l of lines
      .slice(at + 2)
      .filter((x) => x.startsWith('|'))
      .slice(0, 4))
      expect(cells(l)).toBe(cells(header));
    expect(md).toContain('Holm-adjusted across 8 tested metrics');
    expect(md).toContain('#### Params');
  });

  it('--targets limits the sections to the paths given; --all adds unchanged rows', async () => {
    const d = await json(R, 'diff', 'HEAD~1', 'HEAD', '--targets', 'metrics.json');
    expect(d.params).toEqual([]);
    expect(d.outputs.map((o: any) => o.path)).toEqual(['metrics.json']);
    expect(d.metrics.rows.map((r: any) => r.key)).toEqual([
      'metrics.json:acc',
      'metrics.json:latency_ms:max',
      'metrics.json:latency_ms:mean',
      'metrics.json:latency_ms:p50',
      'metrics.json:latency_ms:p95',
      'metrics.json:latency_ms:p99',
      'metrics.json:loss',
    ]); // latency_ms:n is the same on both sides
    const all = await json(R, 'diff', 'HEAD~1', 'HEAD', '--all');
    expect(all.stages.map((s: any) => [s.name, s.change])).toEqual([
      ['prep', 'unchanged'],
      ['train', 'changed'],
    ]);
    expect(all.outputs.find((o: any) => o.path === 'data.txt').change).toBe('unchanged');
  });
});

describe('repro diff --targets with metric names', () => {
  it('file:key, a sample list and one of its summaries select those rows only; an unknown one is refused', async () => {
    const keys = (d: any) => d.metrics.rows.map((r: any) => r.key);
    const acc = await json(R, 'diff', 'HEAD~1', 'HEAD', '--targets', 'metrics.json:acc');
    expect(keys(acc)).toEqual(['metrics.json:acc']);
    expect(acc.params).toEqual([]);
    expect(acc.outputs).toEqual([]);
    expect(acc.distributions).toEqual([]);
    const p95 = await json(R, 'diff', 'HEAD~1', 'HEAD', '--targets', 'metrics.json:latency_ms:p95', 'metrics.json:loss');
    expect(keys(p95)).toEqual(['metrics.json:latency_ms:p95', 'metrics.json:loss']);
    expect(p95.distributions.map((x: any) => x.key)).toEqual(['metrics.json:latency_ms']);
    const list = await json(R, 'diff', 'HEAD~1', 'HEAD', '--targets', 'metrics.json:latency_ms');
    expect(keys(list)).toEqual(['max', 'mean', 'p50', 'p95', 'p99'].map((s) => `metrics.json:latency_ms:${s}`));
    // a path and a metric name together: the path keeps selecting its file's rows and output
    const both = await json(R, 'diff', 'HEAD~1', 'HEAD', '--targets', 'scores.csv', 'metrics.json:acc');
    expect(keys(both)).toEqual(['metrics.json:acc']);
    expect(both.outputs.map((o: any) => o.path)).toEqual(['scores.csv']);
    const bad = await repro(R, 'diff', 'HEAD~1', 'HEAD', '--targets', 'metrics.json:acx');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/neither side has the metric 'metrics\.json:acx'/);
    expect(bad.stderr).toMatch(/did you mean 'metrics\.json:acc'\?/);
  });
});

describe('repro diff in a fresh clone (no run refs)', () => {
  it('compares sweeps from repro.lock seed_metrics', async () => {
    const c = await clone(R);
    expect(git(c, 'for-each-ref', 'refs/repro')).toBe('');
    const d = await json(c, 'diff', 'HEAD~1', 'HEAD');
    expect(d.a.runs).toEqual([]);
    expect(d.a.sources).toContain('seed_metrics');
    expect(row(d, 'metrics.json:acc')).toMatchObject({ test: 'paired', verdict: 'improved' });
    expect(row(d, 'metrics.json:acc').b.n).toBe(5);
    expect(row(await json(c, 'diff', 'HEAD~2', 'HEAD~1'), 'metrics.json:acc').verdict).toBe('no significant change');
    expect(d.environment).toBeNull();
    expect(d.notes.join('\n')).toContain('environment not compared');
  });

  it('bare repro diff shows an uncommitted param edit, and the stage it would change', async () => {
    const c = await clone(R);
    await writeFile(join(c, 'params.yaml'), 'effect: 0.7\nsalt: 4\n');
    const d = await json(c, 'diff');
    expect(d.a.label).toBe('HEAD');
    expect(d.b).toMatchObject({ label: 'workspace', kind: 'workspace', commit: null });
    expect(d.params).toEqual([{ key: 'params.yaml:effect', change: 'changed', a: 0.5, b: 0.7 }]);
    const train = d.stages.find((s: any) => s.name === 'train');
    expect(train.reasons).toContainEqual({ kind: 'param', file: 'params.yaml', key: 'effect', from: 0.5, to: 0.7 });
    expect(d.metrics.rows).toEqual([]); // nothing ran yet: the metrics are HEAD's
    const text = (await repro(c, 'diff')).stdout;
    expect(text).toMatch(/params\.yaml:effect\s+0\.5\s+0\.7/);
    expect(text).toContain('param changed: effect 0.5 -> 0.7');
  });
});

describe('repro diff: single runs and bad input', () => {
  const SMALL = {
    'params.yaml': 'v: 1\n',
    'repro.yaml': 'version: 1\nstages:\n  m:\n    cmd: \'echo "{\\"score\\": ${v}}" > m.json\'\n    params: [v]\n    metrics: [m.json]\n',
  };

  it('a single run on a side: the point delta with a warning that it carries no uncertainty', async () => {
    const d0 = await testRepo(SMALL);
    dirs.push(d0);
    expect((await repro(d0, 'run')).code).toBe(0);
    git(d0, 'add', '-A');
    git(d0, 'commit', '-qm', 'v1');
    expect((await repro(d0, 'run', '-S', 'v=3')).code).toBe(0);
    const d = await json(d0, 'diff');
    expect(d.b.runs).toHaveLength(1);
    expect(row(d, 'm.json:score')).toMatchObject({
      test: 'none',
      verdict: 'changed',
      delta: 2,
      relative: 2,
      ci: null,
      warning: 'single run on a side: the difference carries no uncertainty',
    });
    const text = (await repro(d0, 'diff')).stdout;
    expect(text).toMatch(/m\.json:score\s+1\s+3\s+\+2\s+\+200(\.0+)?%\s+-\s+changed \(n=1\)/);
    expect(text).toContain('warning: single run on a side: the difference carries no uncertainty: m.json:score');
    const md = (await repro(d0, 'diff', '--md')).stdout;
    expect(md).toContain('> **Warning**: single run on a side: the difference carries no uncertainty: `m.json:score`');
  });

  it('the --json shape (docs/diff.md)', async () => {
    const d0 = await testRepo(SMALL);
    dirs.push(d0);
    await repro(d0, 'run');
    git(d0, 'add', '-A');
    git(d0, 'commit', '-qm', 'v1');
    await repro(d0, 'run', '-S', 'v=3');
    const body = scrub(await json(d0, 'diff'));
    expect(body).toEqual({
      a: { label: 'HEAD', kind: 'commit', commit: '<sha>', runs: ['<run>'], sources: ['runs'], n: [1, 1] },
      b: { label: 'workspace', kind: 'workspace', commit: null, runs: ['<run>'], sources: ['runs'], n: [1, 1] },
      params: [{ key: 'params.yaml:v', change: 'changed', a: 1, b: 3 }],
      metrics: {
        alpha: 0.05,
        adjustment: 'holm',
        tested: 0,
        rows: [
          {
            key: 'm.json:score',
            direction: 'higher',
            a: { n: 1, mean: 1, sd: null, se: null, values: [1], seeds: [0] },
            b: { n: 1, mean: 3, sd: null, se: null, values: [3], seeds: [0] },
            delta: 2,
            relative: 2,
            test: 'none',
            ci: null,
            p: null,
            p_adjusted: null,
            verdict: 'changed',
            warning: 'single run on a side: the difference carries no uncertainty',
            error: null,
          },
        ],
      },
      outputs: [
        { path: 'm.json', stage: 'm', change: 'modified', a: { hash: '<hash>', size: 13 }, b: { hash: '<hash>', size: 13 }, size_delta: 0 },
      ],
      environment: [],
      lock_files: [],
      stages: [
        {
          name: 'm',
          change: 'changed',
          reasons: [
            { kind: 'cmd', from: expect.any(Array), to: expect.any(Array) },
            { kind: 'param', file: 'params.yaml', key: 'v', from: 1, to: 3 },
          ],
        },
      ],
      distributions: [],
      notes: [],
    });
  });

  it('histogram plots are compared bin by bin (PSI by hand: 0.25·ln 2 + 0.25·ln 1.5)', async () => {
    const hist = (a: number, b: number) =>
      JSON.stringify([
        { bin: 0, count: a },
        { bin: 1, count: b },
      ]);
    const d0 = await testRepo({
      'hist.json': hist(50, 50),
      'repro.yaml': 'version: 1\nstages:\n  h:\n    cmd: "true"\n    plots: [hist.json]\n',
    });
    dirs.push(d0);
    writeTree(d0, { 'hist.json': hist(25, 75) });
    const d = await json(d0, 'diff');
    expect(d.distributions).toHaveLength(1);
    const h = d.distributions[0];
    expect(h).toMatchObject({ key: 'hist.json:count', kind: 'histogram', n_a: 2, n_b: 2, band: 'major', percentiles: null, error: null });
    expect(h.psi).toBeCloseTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 12);
    expect(h.js).toBeGreaterThan(0);
  });

  it('unknown revisions and run ids are exit 2; --json with --md is a usage error', async () => {
    const d0 = await testRepo(SMALL);
    dirs.push(d0);
    const r = await repro(d0, 'diff', 'no-such-rev');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown revision or run id: 'no-such-rev'");
    expect(r.stderr).toContain('hint:');
    const j = await repro(d0, 'diff', 'HEAD', '20990101T000000.000Z-zzzzzz', '--json');
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).error.code).toBe('E_NOT_FOUND');
    expect((await repro(d0, 'diff', '--json', '--md')).code).toBe(2);
    const p = await repro(d0, 'diff', '--precision', 'x');
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("error: --precision must be an integer from 0 to 20: 'x'");
  });

  it('a revision without repro.lock, a metrics file that is not JSON/YAML, and non-numeric values are marked', async () => {
    const d0 = await testRepo({
      ...SMALL,
      'm.json': '{"score": "high", "other": 1}\n',
      'repro.yaml': SMALL['repro.yaml'].replace('    cmd', '    frozen: true\n    cmd'),
    });
    dirs.push(d0);
    writeTree(d0, { 'm.json': '{"score": [unclosed\n' });
    const d = await json(d0, 'diff');
    expect(d.notes).toContain('HEAD: no repro.lock: outputs and stage keys are not compared');
    expect(d.stages).toBeNull();
    const bad = row(d, 'm.json');
    expect(bad.verdict).toBe('error');
    expect(bad.error).toContain("workspace: metrics file is not JSON or YAML: 'm.json'");
    writeTree(d0, { 'm.json': '{"score": "low", "other": 2}\n' });
    const d2 = await json(d0, 'diff');
    expect(row(d2, 'm.json:score')).toMatchObject({ verdict: 'changed', error: 'not a number', text: { a: 'high', b: 'low' } });
    expect(row(d2, 'm.json:other')).toMatchObject({ verdict: 'changed', delta: 1 });
    const text = (await repro(d0, 'diff')).stdout;
    expect(text).toMatch(/m\.json:score\s+'high'\s+'low'.*ERROR: not a number/);
  });
});
