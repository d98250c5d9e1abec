import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline, paramsReader, readParamsFile } from '../../src/pipeline/index.js';
import { repro, tempRepos } from '../helpers/repo.js';
import { expectCode, reproError } from '../helpers/errors.js';
import { parse } from '../helpers/pipeline.js';
import { tempTree } from '../helpers/tree.js';

// Bad input that must fail with a clear, positioned error (exit 2), never an internal error,
// a hang, or a silently wrong pipeline.

const STAGE = 'stages:\n  train:\n    cmd: python train.py\n    params: [lr]\n';

/** Error fields worth asserting: code, file:line:col, message, hint. */
async function loadError(files: Record<string, string | Buffer>) {
  const root = tempTree();
  for (const [p, c] of Object.entries(files)) await writeFile(join(root, p), c);
  return reproError(loadPipeline(root));
}
const where = (e: { pos?: { file: string; line: number; col: number } }) => e.pos && `${e.pos.file}:${e.pos.line}:${e.pos.col}`;

describe('params files: values JSON cannot hold', () => {
  it.each([
    ['lr: .inf\n', 'params.yaml:1:5', '.inf'],
    ['x: 1\nlr: -.inf\n', 'params.yaml:2:5', '-.inf'],
    ['x: 1\nnested:\n  lr: [1, .nan]\n', 'params.yaml:3:11', '.nan'],
  ])('%j is E_CONFIG at read time', async (params, at, raw) => {
    const e = await loadError({ 'repro.yaml': STAGE, 'params.yaml': params });
    expect(e.code).toBe('E_CONFIG');
    expect(where(e)).toBe(at);
    expect(e.message).toContain(`unsupported YAML value '${raw}'`);
    expect(e.hint).toMatch(/finite number/);
  });

  it('reports a {file: [keys]} params file the same way', async () => {
    const e = await loadError({ 'repro.yaml': 'stages:\n  a:\n    cmd: x\n    params: [{cfg.yaml: [lr]}]\n', 'cfg.yaml': 'lr: .NaN\n' });
    expect([e.code, where(e)]).toEqual(['E_CONFIG', 'cfg.yaml:1:5']);
  });

  it('exits 2 through the CLI instead of an internal error when the key is computed', async () => {
    const { repo } = tempRepos();
    const dir = await repo({ 'repro.yaml': STAGE, 'params.yaml': 'lr: .inf\n', 'train.py': '' });
    const r = await repro(dir, 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("params.yaml:1:5: unsupported YAML value '.inf'");
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('params files: YAML syntax errors at their line:col with a hint', () => {
  it.each([
    ['a: 1\nb:\n\tc: 2\n', 'params.yaml:3:1', /tab/],
    ['a: 1\nb: 2\nc: 3\nlr: [0.5\n', 'params.yaml:4:5', /'\[' is not closed/],
    ['lr: 1\nepochs: 2\nlr: 3\n', 'params.yaml:3:1', /duplicate key 'lr' \(first at line 1, col 1\)/],
    ['lr: 1\n---\nlr: 2\n', 'params.yaml:2:1', /holds more than one YAML document/],
    ['a: 1\nb: *nope\n', 'params.yaml:2:4', /unresolved alias '\*nope'/],
  ])('%j', async (params, at, message) => {
    const root = tempTree({ 'params.yaml': params });
    const e = await reproError(readParamsFile(root, 'params.yaml'));
    expect(e.code).toBe('E_YAML');
    expect(where(e)).toBe(at);
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/parseAllDocuments/);
    expect(e.hint).toBeTruthy();
  });

  it('treats 1 and "1" as one key', async () => {
    const root = tempTree({ 'p.yaml': '1: a\n"1": b\n' });
    expect(() => paramsReader(root)('p.yaml')).toThrow(
      expect.objectContaining({ code: 'E_YAML', pos: { file: 'p.yaml', line: 2, col: 1 } }),
    );
  });

  it('keeps a __proto__ key as data', async () => {
    const root = tempTree({ 'p.yaml': '__proto__: {polluted: 1}\n' });
    const data = (await readParamsFile(root, 'p.yaml')) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(['__proto__']);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('repro.yaml: multiple documents, aliases, resource exhaustion', () => {
  it('says a multi-document file holds more than one document', () => {
    const e = reproError(() => parse('stages: {}\n---\nstages: {}\n'));
    expect(e).toMatchObject({ code: 'E_YAML', pos: { line: 2, col: 1 } });
    expect(e.message).toContain('holds more than one YAML document');
    expect(e.hint).toContain('---');
  });

  it('rejects an unresolved alias instead of reading null', () => {
    const e = reproError(() => parse('stages:\n  a:\n    cmd: x\n    deps: *nope\n'));
    expect(e).toMatchObject({ code: 'E_YAML', pos: { line: 4, col: 11 } });
    expect(e.message).toContain("unresolved alias '*nope'");
    expect(e.hint).toContain('&nope');
  });

  it('rejects an alias bomb at once', () => {
    const bomb = (levels: number): string => {
      let text = 'vars:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
      for (let i = 1; i <= levels; i++)
        text += `  a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]\n`;
      return text + 'stages: {}\n';
    };
    // ~135,000 values, past the budget and small enough to expand whole: without the budget the
    // test fails here (in seconds) instead of hanging on the 10^10 values below.
    expectCode(() => parse(bomb(5)), 'E_CONFIG');
    const e = reproError(() => parse(bomb(9)));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/aliases expand to more than/);
    expect(e.pos?.line).toBeGreaterThan(1);
  });

  it('still accepts one anchor reused by many stages', () => {
    let text = 'stages:\n';
    for (let i = 0; i < 300; i++)
      text += `  s${i}:\n    cmd: x\n    deps: ${i === 0 ? '&common ' : '*common'}${i === 0 ? '[a.py, b.py]' : ''}\n`;
    expect(parse(text).stages).toHaveLength(300);
  });

  it.each([20_000, 700])('rejects %i nested lists as nested too deeply', (n) => {
    const e = reproError(() => parse(`vars:\n  a: ${'['.repeat(n)}${']'.repeat(n)}\nstages: {}\n`));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toContain('nested too deeply');
    expect(e.pos?.line).toBe(2);
  });

  it('exits 2 on an alias bomb and on deep nesting through the CLI', async () => {
    const { repo } = tempRepos();
    let bomb = 'x: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 9; i++)
      bomb += `x${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const dir = await repo({ 'repro.yaml': `vars:\n  ${bomb.replace(/\n(?=.)/g, '\n  ')}stages: {}\n` });
    const r = await repro(dir, 'status');
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('aliases expand to more than')]);
    await writeFile(join(dir, 'repro.yaml'), `vars:\n  a: ${'['.repeat(20_000)}\nstages: {}\n`);
    const deep = await repro(dir, 'status');
    expect([deep.code, deep.stderr]).toEqual([2, expect.stringMatching(/repro\.yaml:2:\d+: value is nested too deeply/)]);
    expect(deep.stderr).not.toContain('internal error');
  });
});

describe('merge-conflict markers', () => {
  const conflicted = (ours: string, theirs: string) => `<<<<<<< HEAD\n${ours}=======\n${theirs}>>>>>>> feature\n`;

  it.each([
    [
      'repro.yaml',
      { 'repro.yaml': `stages:\n  train:\n${conflicted('    cmd: python train.py\n', '    cmd: python train.py --fast\n')}` },
      3,
    ],
    ['params.yaml', { 'repro.yaml': STAGE, 'params.yaml': `epochs: 2\n${conflicted('lr: 0.1\n', 'lr: 0.2\n')}` }, 2],
    [
      'params.yaml',
      { 'repro.yaml': STAGE, 'params.yaml': `<<<<<<< HEAD\nlr: 0.1\n||||||| base\nlr: 0.05\n=======\nlr: 0.2\n>>>>>>> b\n` },
      1,
    ],
  ])('in %s: an unresolved merge conflict at the first marker, with a take-a-side hint', async (file, files, line) => {
    const e = await loadError(files);
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { file, line, col: 1 } });
    expect(e.message).toContain(`unresolved merge conflict in '${file}'`);
    expect(e.hint).toContain(`git checkout --ours -- ${file}`);
  });

  it('in .exprc, through the CLI (exit 2)', async () => {
    const { repo } = tempRepos();
    const dir = await repo({ 'repro.yaml': 'stages: {}\n', '.exprc': conflicted('run:\n  jobs: 2\n', 'run:\n  jobs: 4\n') });
    const r = await repro(dir, 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".exprc:1:1: unresolved merge conflict in '.exprc'");
  });

  it('is not set off by a marker-like line inside a value', () => {
    expect(parse('stages:\n  a:\n    cmd: |\n      echo "=======" \n      <<<<<<< x\n').stages[0]!.cmd[0]).toContain('<<<<<<< x');
  });
});

describe('non-UTF-8 bytes', () => {
  const latin1 = (s: string) => Buffer.from(s, 'latin1');

  it('in repro.yaml', async () => {
    const e = await loadError({ 'repro.yaml': latin1('stages:\n  a:\n    cmd: echo caf\xe9\n') });
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { file: 'repro.yaml', line: 3, col: 18 } });
    expect(e.message).toContain('is not valid UTF-8');
    expect(e.hint).toContain('UTF-8');
  });

  it('in a params file', async () => {
    const e = await loadError({ 'repro.yaml': STAGE, 'params.yaml': latin1('lr: 1\nname: "na\xefve"\n') });
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { file: 'params.yaml', line: 2, col: 10 } });
    expect(e.message).toContain('is not valid UTF-8');
  });

  it('accepts valid UTF-8 with a byte-order mark', async () => {
    const root = tempTree();
    await writeFile(
      join(root, 'repro.yaml'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('stages:\n  a:\n    cmd: echo café ✓\n')]),
    );
    expect((await loadPipeline(root)).stages[0]!.cmd).toEqual(['echo café ✓']);
  });
});

describe('stage wdir on disk', () => {
  const stage = (wdir: string, extra = '') => `stages:\n  a:\n    cmd: x\n    wdir: ${wdir}\n${extra}`;

  it('is an error when it is a file', async () => {
    const e = await loadError({ 'repro.yaml': stage('params.yaml'), 'params.yaml': 'a: 1\n' });
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { file: 'repro.yaml', line: 4, col: 11 } });
    expect(e.message).toContain("wdir 'params.yaml' is not a directory");
    expect(e.hint).toBeTruthy();
  });

  it('is an error when it does not exist and no output makes it', async () => {
    const e = await loadError({ 'repro.yaml': stage('nope') });
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { line: 4, col: 11 } });
    expect(e.message).toContain("wdir 'nope' does not exist");
    expect(e.hint).toContain('.gitkeep');
  });

  it('accepts an existing directory, and a missing one that holds or is an output', async () => {
    const root = tempTree({ 'sub/params.yaml': 'a: 1\n' });
    const yaml = `${stage('sub')}  b:\n    cmd: x\n    wdir: build\n    outs: [model.bin]\n  c:\n    cmd: x\n    outs: [gen/]\n  d:\n    cmd: x\n    wdir: gen/inner\n`;
    await writeFile(join(root, 'repro.yaml'), yaml);
    expect((await loadPipeline(root)).stages.map((s) => s.wdir)).toEqual(['sub', 'build', '', 'gen/inner']);
  });

  it('exits 2 through the CLI', async () => {
    const { repo } = tempRepos();
    const dir = await repo({ 'repro.yaml': stage('params.yaml'), 'params.yaml': 'a: 1\n' });
    const r = await repro(dir, 'run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("repro.yaml:4:11: wdir 'params.yaml' is not a directory");
  });
});

describe('repro.yaml: names, vars, stages and messages', () => {
  it('rejects stage names 1 and "1" as one stage declared twice', () => {
    const e = reproError(() => parse('stages:\n  1:\n    cmd: x\n  "1":\n    cmd: y\n'));
    expect(e).toMatchObject({ code: 'E_YAML', pos: { line: 4, col: 3 } });
    expect(e.message).toContain("duplicate key '1' (first at line 2, col 3)");
    expect(e.hint).toContain('1 and "1"');
  });

  it('resolves vars that refer to other vars and to params', () => {
    const p = parse(
      'vars:\n  out: "${data_dir}/out"\n  data_dir: "${root}/data"\n  root: /tmp/x\n  files: ["${out}/a", \'\\${HOME}\']\n  n: "${epochs}"\nstages:\n  a:\n    cmd: run ${out} ${files} ${n}\n',
      { 'params.yaml': { epochs: 3 } },
    );
    expect(p.vars).toEqual({
      out: '/tmp/x/data/out',
      data_dir: '/tmp/x/data',
      root: '/tmp/x',
      files: ['/tmp/x/data/out/a', '${HOME}'],
      n: 3,
    });
    expect(p.stages[0]!.cmd).toEqual(['run /tmp/x/data/out /tmp/x/data/out/a ${HOME} 3']);
  });

  it('resolves inline vars in a vars list, and takes values from params files as they are', () => {
    const p = parse('vars:\n  - more.yaml\n  - {b: "${a}-x"}\nstages: {}\n', { 'more.yaml': { a: '${lit}' } });
    expect(p.vars).toEqual({ a: '${lit}', b: '${lit}-x' });
  });

  it('names the vars of a reference loop', () => {
    const e = reproError(() => parse('vars:\n  a: "${b}"\n  b: "x/${c}"\n  c: "${a}"\nstages: {}\n'));
    expect(e.code).toBe('E_INTERPOLATION');
    expect(e.message).toContain('vars refer to each other in a loop: a -> b -> c -> a');
    expect(e.pos).toMatchObject({ line: 4, col: 6 });
    const self = reproError(() => parse('vars: {a: "${a}"}\nstages: {}\n'));
    expect(self.message).toContain("var 'a' refers to itself");
  });

  it('rejects stage-only names and unknown names in vars', () => {
    expect(reproError(() => parse('vars: {a: "m/${item}"}\nstages: {}\n')).message).toContain(
      "var 'a' uses '${item}', which only stages have",
    );
    expect(expectCode(() => parse('vars: {a: "${nope}"}\nstages: {}\n'), 'E_INTERPOLATION')).toMatchObject({
      pos: { line: 1, col: 11 },
    });
  });

  it('rejects a pipeline without stages', () => {
    const e = reproError(() => parse('version: 1\n'));
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { line: 1, col: 1 } });
    expect(e.message).toContain("has no 'stages'");
    expect(e.hint).toContain('stages: {}');
  });

  it('leaves repro.lock alone when stages are missing', async () => {
    const { repo } = tempRepos();
    const dir = await repo({ 'repro.yaml': 'stages:\n  a:\n    cmd: echo hi > a.txt\n    outs: [a.txt]\n' });
    expect((await repro(dir, 'run')).code).toBe(0);
    const lock = await readFile(join(dir, 'repro.lock'), 'utf8');
    expect(lock).toContain('a.txt');
    await writeFile(join(dir, 'repro.yaml'), 'version: 1\n');
    const r = await repro(dir, 'run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("repro.yaml:1:1: repro.yaml has no 'stages'");
    expect(await readFile(join(dir, 'repro.lock'), 'utf8')).toBe(lock);
  });

  it('says version must be the number 1 when it is a string', () => {
    const e = reproError(() => parse('version: "1"\nstages: {}\n'));
    expect(e).toMatchObject({ code: 'E_CONFIG', pos: { line: 1, col: 10 } });
    expect(e.message).toContain("version must be the number 1, not the string '1'");
    expect(e.hint).toContain('without quotes');
  });

  it('says an output listed twice in one stage is listed twice', () => {
    const e = reproError(() => parse('stages:\n  train:\n    cmd: x\n    outs: [m.json]\n    metrics: [m.json]\n'));
    expect(e).toMatchObject({ code: 'E_DUPLICATE_OUT', pos: { line: 5, col: 15 } });
    expect(e.message).toContain("output 'm.json' is listed twice in stage 'train'");
    expect(e.message).not.toContain('both');
  });
});
