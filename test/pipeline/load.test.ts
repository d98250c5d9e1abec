import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline, paramsReader, readParamsFile } from '../../src/pipeline/index.js';
import { MEMO_FILE } from '../../src/pipeline/memo.js';
import { reproError } from '../helpers/errors.js';
import { names } from '../helpers/pipeline.js';
import { tempTree } from '../helpers/tree.js';

const SIMPLE = `stages:
  prep:
    cmd: prep \${prep.split}
    deps: [raw.csv]
    params: [prep.split]
    outs: [data/]
  train:
    cmd: train
    deps: [data/x.csv]
    params: [{cfg/train.json: [lr]}]
    metrics: [m.json]
`;

describe('loadPipeline', () => {
  it('reads repro.yaml and the params it needs', async () => {
    const root = tempTree({ 'repro.yaml': SIMPLE, 'params.yaml': 'prep:\n  split: 0.2\n', 'cfg/train.json': '{"lr": 0.1}' });
    const p = await loadPipeline(root);
    expect(p.root).toBe(root);
    expect(names(p)).toEqual(['prep', 'train']);
    expect(p.stages[0]!.cmd).toEqual(['prep 0.2']);
    expect(p.paramsData).toEqual(
      new Map<string, unknown>([
        ['params.yaml', { prep: { split: 0.2 } }],
        ['cfg/train.json', { lr: 0.1 }],
      ]),
    );
  });

  it('is E_NOT_FOUND with an init hint when repro.yaml is missing', async () => {
    const e = await reproError(loadPipeline(tempTree()));
    expect(e.code).toBe('E_NOT_FOUND');
    expect(e.hint).toContain('repro init');
  });

  it('reads another pipeline file, with positions naming it', async () => {
    const root = tempTree({ 'pipelines/x.yaml': 'stages:\n  a:\n    cmd: x\n    dpes: []\n' });
    const e = await reproError(loadPipeline(root, { file: 'pipelines/x.yaml' }));
    expect(e).toMatchObject({ code: 'E_UNKNOWN_KEY', pos: { file: 'pipelines/x.yaml', line: 4, col: 5 } });
  });

  it('applies param overrides in memory and a seed override', async () => {
    const root = tempTree({
      'repro.yaml':
        'seed: 1\nstages:\n  a:\n    cmd: run ${lr} ${seed} ${other}\n  b:\n    cmd: x\n    seed: false\n  c:\n    cmd: x\n    seed: 3\n',
      'params.yaml': 'lr: 0.1\n',
    });
    const p = await loadPipeline(root, { overrides: { lr: 0.5, other: 'y' }, seed: 9 });
    expect(p.stages.map((s) => s.seed)).toEqual([9, null, 9]);
    expect(p.stages[0]!.cmd).toEqual(['run 0.5 9 y']);
    expect(await readFile(join(root, 'params.yaml'), 'utf8')).toBe('lr: 0.1\n');
  });

  it('memoises YAML parses in .repro/ only when it exists, and sees edits', async () => {
    const root = tempTree({ 'repro.yaml': SIMPLE, 'params.yaml': 'prep: {split: 0.2}\n' });
    await loadPipeline(root);
    await expect(readFile(join(root, '.repro', MEMO_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(join(root, '.repro'));
    const first = await loadPipeline(root);
    const memo = JSON.parse(await readFile(join(root, '.repro', MEMO_FILE), 'utf8'));
    expect(Object.keys(memo.entries)).toHaveLength(2); // repro.yaml and params.yaml
    const again = await loadPipeline(root);
    expect(again.stages).toEqual(first.stages);
    await writeFile(join(root, 'params.yaml'), 'prep: {split: 0.3}\n');
    await writeFile(join(root, 'repro.yaml'), SIMPLE.replace('cmd: train', 'cmd: train2'));
    const edited = await loadPipeline(root);
    expect(edited.stages.map((s) => s.cmd[0])).toEqual(['prep 0.3', 'train2']);
    const pruned = JSON.parse(await readFile(join(root, '.repro', MEMO_FILE), 'utf8'));
    expect(Object.keys(pruned.entries)).toHaveLength(2);
  });

  it('ignores a corrupt memo', async () => {
    const root = tempTree({ 'repro.yaml': SIMPLE, 'params.yaml': 'prep: {split: 0.2}\n', [`.repro/${MEMO_FILE}`]: '{not json' });
    expect(names(await loadPipeline(root))).toEqual(['prep', 'train']);
  });
});

describe('paths that leave the repository (E_PATH_ESCAPE at the node)', () => {
  const load = async (yaml: string, files: Record<string, string> = {}) =>
    reproError(loadPipeline(tempTree({ 'repro.yaml': yaml, ...files })));

  it('rejects absolute paths and .. escapes', async () => {
    expect(await load('stages:\n  a:\n    cmd: x\n    deps: [/etc/passwd]\n')).toMatchObject({
      code: 'E_PATH_ESCAPE',
      pos: { line: 4, col: 12 },
    });
    expect(await load('stages:\n  a:\n    cmd: x\n    outs: [../x]\n')).toMatchObject({ code: 'E_PATH_ESCAPE', pos: { line: 4, col: 12 } });
    expect(await load('stages:\n  a:\n    wdir: sub\n    cmd: x\n    deps: [../../x]\n')).toMatchObject({
      code: 'E_PATH_ESCAPE',
      pos: { line: 5, col: 12 },
    });
    expect(await load('stages:\n  a:\n    wdir: ..\n    cmd: x\n')).toMatchObject({ code: 'E_PATH_ESCAPE', pos: { line: 3, col: 11 } });
    expect(await load('locks: [../req.txt]\n')).toMatchObject({ code: 'E_PATH_ESCAPE', pos: { line: 1, col: 9 } });
    expect(await load('stages:\n  a:\n    cmd: x\n    params: [{../p.yaml: [a]}]\n')).toMatchObject({
      code: 'E_PATH_ESCAPE',
      pos: { line: 4, col: 15 },
    });
  });

  it('rejects symlinks leading out, for deps, outs, params, locks and wdir', async () => {
    const outside = tempTree({ 'secret.txt': 's', 'p.yaml': 'a: 1\n' });
    const root = tempTree({ 'inside/ok.txt': 'ok' });
    await symlink(outside, join(root, 'ext'));
    await symlink(join(outside, 'p.yaml'), join(root, 'p.yaml'));
    await symlink(join(root, 'inside'), join(root, 'in-link')); // a symlink that stays inside is fine
    const cases: [string, number, number][] = [
      ['stages:\n  a:\n    cmd: x\n    deps: [in-link/ok.txt, ext/secret.txt]\n', 4, 28],
      ['stages:\n  a:\n    cmd: x\n    outs: [ext/new/out.bin]\n', 4, 12],
      ['stages:\n  a:\n    cmd: x\n    params: [{p.yaml: [a]}]\n', 4, 15],
      ['locks: [ext/req.txt]\n', 1, 9],
      ['stages:\n  a:\n    wdir: ext\n    cmd: x\n', 3, 11],
      ['vars: [p.yaml]\n', 1, 8],
    ];
    for (const [yaml, line, col] of cases) {
      await writeFile(join(root, 'repro.yaml'), yaml);
      const e = await reproError(loadPipeline(root));
      expect([yaml, e.code, e.pos?.line, e.pos?.col]).toEqual([yaml, 'E_PATH_ESCAPE', line, col]);
    }
    await writeFile(join(root, 'repro.yaml'), 'stages:\n  a:\n    cmd: x\n    deps: [in-link/ok.txt]\n');
    expect((await loadPipeline(root)).stages[0]!.deps[0]!.path).toBe('in-link/ok.txt');
  });

  it('rejects a dangling symlink that points outside', async () => {
    const root = tempTree();
    await symlink(join(tmpdir(), 'repro-does-not-exist', 'x'), join(root, 'dangling'));
    await writeFile(join(root, 'repro.yaml'), 'stages:\n  a:\n    cmd: x\n    outs: [dangling]\n');
    expect(await reproError(loadPipeline(root))).toMatchObject({ code: 'E_PATH_ESCAPE', pos: { line: 4, col: 12 } });
  });

  it('rejects a default params.yaml that links outside', async () => {
    const outside = tempTree({ 'p.yaml': 'lr: 1\n' });
    const root = tempTree({ 'repro.yaml': 'stages:\n  a:\n    cmd: run ${lr}\n' });
    await symlink(join(outside, 'p.yaml'), join(root, 'params.yaml'));
    expect((await reproError(loadPipeline(root))).code).toBe('E_PATH_ESCAPE');
  });
});

describe('params files on disk', () => {
  it('readParamsFile parses YAML and JSON, undefined when missing', async () => {
    const root = tempTree({ 'a.yaml': 'x: {y: [1, 2]}\n', 'b.json': '{"k": true}', 'empty.yaml': '' });
    expect(await readParamsFile(root, 'a.yaml')).toEqual({ x: { y: [1, 2] } });
    expect(await readParamsFile(root, 'b.json')).toEqual({ k: true });
    expect(await readParamsFile(root, 'empty.yaml')).toEqual({});
    expect(await readParamsFile(root, 'nope.yaml')).toBeUndefined();
    await writeFile(join(root, 'bad.yaml'), 'a: [\n');
    expect((await reproError(readParamsFile(root, 'bad.yaml'))).code).toBe('E_YAML');
  });

  it('paramsReader caches per reader and applies file-qualified overrides', async () => {
    const root = tempTree({ 'params.yaml': 'a: 1\n', 'o.yaml': 'b: {c: 2}\n' });
    const read = paramsReader(root, { overrides: { a: 5, 'o.yaml:b.c': 3 } });
    expect(read('params.yaml')).toEqual({ a: 5 });
    expect(read('o.yaml')).toEqual({ b: { c: 3 } });
    await rm(join(root, 'params.yaml'));
    expect(read('params.yaml')).toEqual({ a: 5 }); // cached
    expect(paramsReader(root)('params.yaml')).toBeUndefined();
  });
});
