import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/pipeline/index.js';
import { expectCode, reproError } from '../helpers/errors.js';
import { parse } from '../helpers/pipeline.js';

const stage = (yaml: string, params: Record<string, unknown> = {}) => parse(yaml, params).stages[0]!;

describe('${...} interpolation', () => {
  it('takes names from vars, params.yaml and the stage seed', () => {
    const s = stage(
      `vars: { dir: data, n: 3 }
seed: 5
stages:
  a:
    cmd: run --lr \${train.lr} --n \${n} --seed \${seed} --flag \${train.flag}
    deps: [\${dir}/in.csv]
    outs: ["\${dir}/out-\${train.layers[1]}.bin"]
`,
      { 'params.yaml': { train: { lr: 0.01, flag: true, layers: [8, 16] } } },
    );
    expect(s.cmd).toEqual(['run --lr 0.01 --n 3 --seed 5 --flag true']);
    expect(s.deps[0]!.path).toBe('data/in.csv');
    expect(s.outs[0]!.path).toBe('data/out-16.bin');
  });

  it('lets vars shadow params.yaml, and reads params.yaml only when needed', () => {
    let reads = 0;
    const yaml = 'vars: { lr: 1 }\nstages:\n  a:\n    cmd: run ${lr}\n';
    const p = parsePipeline(yaml, 'repro.yaml', {
      root: '/r',
      readParams: () => {
        reads++;
        return { lr: 2 };
      },
    });
    expect(p.stages[0]!.cmd).toEqual(['run 1']);
    expect(reads).toBe(0);
  });

  it('reads vars from a list of maps and params files', () => {
    const s = stage(
      `vars:
  - { a: 1 }
  - cfg.yaml
  - more.yaml:c
stages:
  x:
    cmd: echo \${a} \${b} \${c}
`,
      { 'cfg.yaml': { b: 2 }, 'more.yaml': { c: 3, d: 4 } },
    );
    expect(s.cmd).toEqual(['echo 1 2 3']);
    expect(expectCode(() => parse('vars: [nope.yaml]\n'), 'E_NOT_FOUND')).toMatchObject({ pos: { line: 1, col: 8 } });
    expect(expectCode(() => parse('vars: [more.yaml:zz]\n', { 'more.yaml': { c: 3 } }), 'E_CONFIG')).toMatchObject({
      pos: { line: 1, col: 8 },
    });
  });

  it('refuses a var defined twice instead of taking the last value', () => {
    const twice = (yaml: string, params: Record<string, unknown> = {}) => reproError(() => parse(`${yaml}stages: {}\n`, params));
    expect(twice('vars:\n  - { a: 1, b: 1 }\n  - cfg.yaml\n', { 'cfg.yaml': { b: 2 } })).toMatchObject({
      code: 'E_CONFIG',
      pos: { line: 3, col: 5 },
      message: expect.stringContaining("cannot redefine var 'b': already defined at repro.yaml:2:13"),
    });
    expect(twice('vars:\n  - cfg.yaml\n  - {b: 3}\n', { 'cfg.yaml': { b: 2 } })).toMatchObject({
      pos: { line: 3, col: 6 },
      message: expect.stringContaining("already defined by vars file 'cfg.yaml' at repro.yaml:2:5"),
    });
    expect(twice('vars:\n  - {a: 1}\n  - {a: 1}\n').code).toBe('E_CONFIG');
    // One file naming a key twice defines it once.
    expect(parse('vars: ["cfg.yaml:b,b"]\nstages: {}\n', { 'cfg.yaml': { b: 2 } }).vars).toEqual({ b: 2 });
  });

  it('escapes with \\${', () => {
    expect(stage('stages:\n  a:\n    cmd: echo \\${HOME} ${x}\nvars: {x: 1}\n').cmd).toEqual(['echo ${HOME} 1']);
  });

  it('joins lists with spaces in cmd only', () => {
    expect(stage('vars: {files: [a, b]}\nstages:\n  a:\n    cmd: cat ${files}\n').cmd).toEqual(['cat a b']);
    expectCode(() => parse('vars: {files: [a, b]}\nstages:\n  a:\n    cmd: x\n    deps: ["${files}"]\n'), 'E_INTERPOLATION');
  });

  it('interpolates params keys, params files, wdir, locks and check keys', () => {
    const p = parse(`vars: { sec: train, f: other.yaml, w: sub, lk: req.txt, m: acc }
locks: [\${lk}]
stages:
  a:
    wdir: \${w}
    cmd: x
    params: [\${sec}.lr, {\${f}: [k]}]
    metrics: [m.json]
    tolerance: { "m.json:\${m}": 0.1 }
checks:
  "sub/m.json:\${m}": { min: 0.5 }
`);
    const a = p.stages[0]!;
    expect(p.locks).toEqual(['req.txt']);
    expect(a.wdir).toBe('sub');
    expect(a.params.map((r) => [r.file, r.key])).toEqual([
      ['sub/params.yaml', 'train.lr'],
      ['sub/other.yaml', 'k'],
    ]);
    expect(a.tolerance).toEqual({ 'sub/m.json:acc': 0.1 });
    expect(Object.keys(p.checks)).toEqual(['sub/m.json:acc']);
  });

  it('takes a seed from a variable', () => {
    const p = parse('stages:\n  t:\n    matrix: {seed: [1, 2]}\n    seed: ${item.seed}\n    cmd: run ${seed}\n');
    expect(p.stages.map((s) => [s.name, s.seed, s.cmd[0]])).toEqual([
      ['t@1', 1, 'run 1'],
      ['t@2', 2, 'run 2'],
    ]);
  });
});

describe('${...} errors (E_INTERPOLATION at the node)', () => {
  it('names an unknown variable and suggests the nearest', () => {
    const e = reproError(() => parse('vars: {data_dir: d}\nstages:\n  a:\n    cmd: x\n    deps: [${data_dri}/a]\n'));
    expect(e).toMatchObject({ code: 'E_INTERPOLATION', pos: { line: 5, col: 12 }, hint: "did you mean 'data_dir'?" });
    expect(e.message).toContain("'data_dri'");
  });

  it('lists known names when nothing is close', () => {
    const e = reproError(() => parse('vars: {alpha: 1}\nstages:\n  a:\n    cmd: echo ${zzz}\n'));
    expect(e).toMatchObject({ code: 'E_INTERPOLATION', pos: { line: 4, col: 10 } });
    expect(e.hint).toMatch(/known: .*alpha/);
  });

  it('reports a missing member with the keys that exist', () => {
    const e = reproError(() => parse('stages:\n  a:\n    cmd: echo ${train.lrr}\n', { 'params.yaml': { train: { lr: 1 } } }));
    expect(e).toMatchObject({ code: 'E_INTERPOLATION', pos: { line: 3, col: 10 }, hint: "did you mean 'train.lr'?" });
  });

  it('rejects unclosed, empty and malformed expressions', () => {
    for (const expr of ['${a', '${}', '${a b}', '${a..b}']) {
      const e = reproError(() => parse(`vars: {a: 1}\nstages:\n  a:\n    cmd: "echo ${expr}"\n`));
      expect([expr, e.code, e.pos]).toMatchObject([expr, 'E_INTERPOLATION', { line: 4, col: 10 }]);
    }
  });

  it('rejects maps inside strings and ${seed} with seed: false', () => {
    expectCode(() => parse('vars: {m: {a: 1}}\nstages:\n  a:\n    cmd: echo ${m}\n'), 'E_INTERPOLATION');
    const e = reproError(() => parse('stages:\n  a:\n    seed: false\n    cmd: echo ${seed}\n'));
    expect(e).toMatchObject({ code: 'E_INTERPOLATION', pos: { line: 4, col: 10 } });
  });
});
