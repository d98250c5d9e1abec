import { describe, expect, it } from 'vitest';
import { expectCode, reproError } from '../helpers/errors.js';
import { names, parse } from '../helpers/pipeline.js';

const SPEC_EXAMPLE = `version: 1
vars: { data_dir: data }
seed: 42
locks: [requirements.txt, package-lock.json]
env:
  capture: [OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES, "LC_*"]
stages:
  prepare:
    cmd: python prepare.py \${data_dir}/raw.csv \${data_dir}/prepared
    deps: [prepare.py, "\${data_dir}/raw.csv"]
    params: [prepare.split]
    outs: ["\${data_dir}/prepared/"]
  train:
    matrix: { model: [small, large] }
    cmd: python train.py --model \${item.model}
    deps: [train.py, data/prepared/]
    params: [train]
    outs: [models/\${item.model}.bin]
    metrics: [metrics/\${item.model}.json]
    plots: [plots/\${item.model}-loss.csv]
    seed: 7
    deterministic: false
    tolerance: { "metrics/\${item.model}.json:accuracy": 0.005 }
checks:
  "metrics/large.json:accuracy": { min: 0.80, max_drop: 0.01 }
`;

describe('parsePipeline: the SPEC.md example', () => {
  const p = parse(SPEC_EXAMPLE);

  it('reads the top level', () => {
    expect(p.file).toBe('repro.yaml');
    expect(p.root).toBe('/repo');
    expect(p.seed).toBe(42);
    expect(p.vars).toEqual({ data_dir: 'data' });
    expect(p.locks).toEqual(['requirements.txt', 'package-lock.json']);
    expect(p.envCapture).toEqual(['OMP_NUM_THREADS', 'CUDA_VISIBLE_DEVICES', 'LC_*']);
    expect(p.envTools).toEqual([]);
    expect(p.checks).toEqual({
      'metrics/large.json:accuracy': { min: 0.8, max_drop: 0.01, pos: { file: 'repro.yaml', line: 25, col: 3 } },
    });
  });

  it('expands the matrix and interpolates', () => {
    expect(names(p)).toEqual(['prepare', 'train@small', 'train@large']);
    const prep = p.byName.get('prepare')!;
    expect(prep.cmd).toEqual(['python prepare.py data/raw.csv data/prepared']);
    expect(prep.deps.map((d) => d.path)).toEqual(['prepare.py', 'data/raw.csv']);
    expect(prep.outs).toEqual([
      { path: 'data/prepared', kind: 'out', cache: true, git: false, dirHint: true, pos: { file: 'repro.yaml', line: 12, col: 12 } },
    ]);
    expect(prep.params).toEqual([{ file: 'params.yaml', key: 'prepare.split', pos: { file: 'repro.yaml', line: 11, col: 14 } }]);
    expect(prep.seed).toBe(42);
    expect(prep.deterministic).toBe(true);

    const large = p.byName.get('train@large')!;
    expect(large.group).toBe('train');
    expect(large.cmd).toEqual(['python train.py --model large']);
    expect(large.outs.map((o) => [o.path, o.kind, o.cache, o.git])).toEqual([
      ['models/large.bin', 'out', true, false],
      ['metrics/large.json', 'metric', true, true],
      ['plots/large-loss.csv', 'plot', true, true],
    ]);
    expect(large.seed).toBe(7);
    expect(large.deterministic).toBe(false);
    expect(large.tolerance).toEqual({ 'metrics/large.json:accuracy': 0.005 });
    expect(large.pos).toEqual({ file: 'repro.yaml', line: 13, col: 3 });
  });

  it('links the graph', () => {
    expect(p.upstream.get('train@small')).toEqual(['prepare']);
    expect(p.downstream.get('prepare')).toEqual(['train@small', 'train@large']);
    expect(p.outOwner.get('models/small.bin')).toBe('train@small');
  });
});

describe('parsePipeline: stage fields', () => {
  it('applies defaults', () => {
    const p = parse('stages:\n  a:\n    cmd: echo hi\n');
    const a = p.stages[0]!;
    expect(p.seed).toBe(0);
    expect(p.locks).toEqual([]);
    expect(a).toMatchObject({ cmd: ['echo hi'], wdir: '', deps: [], outs: [], params: [], seed: 0, tolerance: {} });
    expect(a).toMatchObject({ deterministic: true, alwaysChanged: false, frozen: false });
    expect(a.desc).toBeUndefined();
  });

  it('accepts an empty pipeline', () => {
    expect(parse('version: 1\nstages: {}\n').stages).toEqual([]);
    expect(parse('version: 1\nstages:\n').stages).toEqual([]);
  });

  it('reads cmd lists, flags, desc and seed: false', () => {
    const a = parse(`stages:
  a:
    cmd: [make data, make model]
    desc: builds it
    always_changed: true
    frozen: true
    seed: false
`).stages[0]!;
    expect(a.cmd).toEqual(['make data', 'make model']);
    expect(a.desc).toBe('builds it');
    expect(a.alwaysChanged).toBe(true);
    expect(a.frozen).toBe(true);
    expect(a.seed).toBeNull();
  });

  it('reads out options', () => {
    const a = parse(`stages:
  a:
    cmd: x
    outs: [{model.bin: {cache: false}}, {small.txt: {git: true}}, {plain.bin: null}]
    metrics: [{m.json: {cache: false}}]
`).stages[0]!;
    expect(a.outs.map((o) => [o.path, o.kind, o.cache, o.git])).toEqual([
      ['model.bin', 'out', false, false],
      ['small.txt', 'out', true, true],
      ['plain.bin', 'out', true, false],
      ['m.json', 'metric', false, true],
    ]);
    expect(a.outs[0]!.pos).toEqual({ file: 'repro.yaml', line: 4, col: 13 });
  });

  it('reads every params form', () => {
    const a = parse(`stages:
  a:
    cmd: x
    params:
      - prepare.split
      - train
      - other.yaml: [a, b.c]
      - whole.yaml:
      - empty.yaml: []
      - single.json: lr
      - train
`).stages[0]!;
    expect(a.params.map((r) => [r.file, r.key])).toEqual([
      ['params.yaml', 'prepare.split'],
      ['params.yaml', 'train'],
      ['other.yaml', 'a'],
      ['other.yaml', 'b.c'],
      ['whole.yaml', null],
      ['empty.yaml', null],
      ['single.json', 'lr'],
    ]);
  });

  it('makes deps, outs and params files relative to wdir', () => {
    const a = parse(`stages:
  a:
    wdir: sub/dir
    cmd: x
    deps: [in.csv, ../shared.py]
    outs: [out/]
    params: [lr, {cfg.yaml: [k]}]
`).stages[0]!;
    expect(a.wdir).toBe('sub/dir');
    expect(a.deps.map((d) => d.path)).toEqual(['sub/dir/in.csv', 'sub/shared.py']);
    expect(a.outs.map((o) => o.path)).toEqual(['sub/dir/out']);
    expect(a.params.map((r) => r.file)).toEqual(['sub/dir/params.yaml', 'sub/dir/cfg.yaml']);
  });

  it('normalises paths and drops repeated deps', () => {
    const a = parse('stages:\n  a:\n    cmd: x\n    deps: [./data//raw.csv, data/raw.csv, "dir\\\\file"]\n').stages[0]!;
    expect(a.deps.map((d) => d.path)).toEqual(['data/raw.csv', 'dir/file']);
  });

  it('reads env tools and checks with direction', () => {
    const p = parse(`env: { tools: ["python --version"] }
stages: {}
checks:
  "m.json:loss": { max_rise_pct: 5, direction: lower }
`);
    expect(p.envTools).toEqual(['python --version']);
    expect(p.checks['m.json:loss']).toMatchObject({ max_rise_pct: 5, direction: 'lower' });
  });
});

describe('parsePipeline: wrong types and values (E_CONFIG at the node)', () => {
  const at = (yaml: string) => {
    const e = reproError(() => parse(yaml));
    return [e.code, e.pos?.line, e.pos?.col];
  };

  it('rejects bad documents and versions', () => {
    expect(at('')).toEqual(['E_CONFIG', 1, 1]);
    expect(at('- a\n- b\n')).toEqual(['E_CONFIG', 1, 1]);
    expect(at('version: 2\n')).toEqual(['E_CONFIG', 1, 10]);
    expectCode(() => parse('stages:\n  a: [\n'), 'E_YAML');
    expectCode(() => parse('stages:\n  a:\n    cmd: x\n  a:\n    cmd: y\n'), 'E_YAML');
  });

  it('rejects wrong field types', () => {
    expect(at('stages:\n  a:\n    cmd: 5\n')).toEqual(['E_CONFIG', 3, 10]);
    expect(at('stages:\n  a:\n    cmd: [ok, {x: 1}]\n')).toEqual(['E_CONFIG', 3, 15]);
    expect(at('stages:\n  a:\n    deps: a.csv\n    cmd: x\n')).toEqual(['E_CONFIG', 3, 11]);
    expect(at('stages:\n  a:\n    cmd: x\n    frozen: yes please\n')).toEqual(['E_CONFIG', 4, 13]);
    expect(at('stages:\n  a:\n    cmd: x\n    seed: -1\n')).toEqual(['E_CONFIG', 4, 11]);
    expect(at('stages:\n  a:\n    cmd: x\n    seed: 1.5\n')).toEqual(['E_CONFIG', 4, 11]);
    expect(at('stages:\n  a:\n    cmd: x\n    seed: true\n')).toEqual(['E_CONFIG', 4, 11]);
    expect(at('seed: false\n')).toEqual(['E_CONFIG', 1, 7]);
    expect(at('stages:\n  a:\n    cmd: x\n    outs: [{a: 1, b: 2}]\n')).toEqual(['E_CONFIG', 4, 12]);
    expect(at('stages:\n  a:\n    cmd: x\n    outs: [{a: {cache: maybe}}]\n')).toEqual(['E_CONFIG', 4, 24]);
  });

  it('rejects a stage without cmd, an empty cmd and a bad stage name', () => {
    expect(at('stages:\n  a:\n    deps: [x]\n')).toEqual(['E_CONFIG', 2, 3]);
    expect(at('stages:\n  a:\n    cmd: "  "\n')).toEqual(['E_CONFIG', 3, 10]);
    expect(at('stages:\n  a:\n    cmd: []\n')).toEqual(['E_CONFIG', 3, 10]);
    expect(at('stages:\n  a@b:\n    cmd: x\n')).toEqual(['E_CONFIG', 2, 3]);
  });

  it('rejects outputs on reserved paths', () => {
    expect(at('stages:\n  a:\n    cmd: x\n    outs: [.git/hooks]\n')).toEqual(['E_CONFIG', 4, 12]);
    expect(at('stages:\n  a:\n    cmd: x\n    outs: [repro.lock]\n')).toEqual(['E_CONFIG', 4, 12]);
    expect(at('stages:\n  a:\n    cmd: x\n    outs: [.]\n')).toEqual(['E_CONFIG', 4, 12]);
  });

  it('validates tolerance', () => {
    const base = 'stages:\n  a:\n    cmd: x\n    metrics: [m.json]\n';
    expect(parse(base + '    tolerance: {"m.json:acc": 0}\n').stages[0]!.tolerance).toEqual({ 'm.json:acc': 0 });
    expect(at(base + '    tolerance: {"m.json:acc": -1}\n')).toEqual(['E_CONFIG', 5, 31]);
    expect(at(base + '    tolerance: {"m.json:acc": high}\n')).toEqual(['E_CONFIG', 5, 31]);
    expect(at(base + '    tolerance: {"other.json:acc": 0.1}\n')).toEqual(['E_CONFIG', 5, 17]);
    expect(at(base + '    tolerance: {"m.json": 0.1}\n')).toEqual(['E_CONFIG', 5, 17]);
  });

  it('validates checks', () => {
    expect(at('checks:\n  "m.json:acc": {}\n')).toEqual(['E_CONFIG', 2, 3]);
    expect(at('checks:\n  "m.json:acc": {min: 2, max: 1}\n')).toEqual(['E_CONFIG', 2, 3]);
    expect(at('checks:\n  "m.json:acc": {max_drop: -0.1}\n')).toEqual(['E_CONFIG', 2, 28]);
    expect(at('checks:\n  "m.json:acc": {min: 1, direction: up}\n')).toEqual(['E_CONFIG', 2, 37]);
    expect(at('checks:\n  "/abs.json:acc": {min: 1}\n')[0]).toBe('E_PATH_ESCAPE');
  });
});

describe('parsePipeline: YAML features', () => {
  it('resolves anchors and aliases', () => {
    const p = parse('stages:\n  a:\n    cmd: x\n    deps: &common [lib.py, cfg.json]\n  b:\n    cmd: y\n    deps: *common\n');
    expect(p.byName.get('b')!.deps.map((d) => d.path)).toEqual(['lib.py', 'cfg.json']);
    expect(p.byName.get('b')!.deps[0]!.pos).toEqual({ file: 'repro.yaml', line: 4, col: 20 });
  });

  it('rejects an alias that contains itself', () => {
    expect(expectCode(() => parse('vars: &v {a: *v}\n'), 'E_CONFIG').message).toContain("alias '*v' refers to itself");
  });

  it('accepts unquoted ${...} in flow lists and maps', () => {
    const p = parse(
      'vars: {m: [a, b], d: data}\nstages:\n  t:\n    matrix: {x: ${m}}\n    cmd: run\n    outs: [${d}/${item.x}.bin, {${d}/${item.x}.log: {cache: false}}]\n',
    );
    expect(p.stages.map((s) => s.outs.map((o) => o.path))).toEqual([
      ['data/a.bin', 'data/a.log'],
      ['data/b.bin', 'data/b.log'],
    ]);
    expect(p.stages[0]!.outs[1]!.pos).toEqual({ file: 'repro.yaml', line: 6, col: 33 });
  });
});
