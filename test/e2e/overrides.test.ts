import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, tempRepos } from '../helpers/repo.js';
import { read } from '../helpers/tree.js';

// `repro run -S`: checked before anything is written, put back when the run cannot start.
const { repo } = tempRepos();

const PARAMS = `# training knobs
train:
  lr: 0.5     # learning rate
  epochs: 3
  layers: [8, 4]
other:
  x: 1
`;
const PIPELINE = `version: 1
stages:
  train:
    cmd: echo "\${train.lr} \${train.epochs}" > out.txt
    params: [train]
    outs: [out.txt]
`;

async function project(): Promise<string> {
  return repo({ 'repro.yaml': PIPELINE, 'params.yaml': PARAMS, 'other.yaml': 'a: 1\n' });
}

/** Runs `repro run --no-record ARGS`; expects the usage exit code and every file untouched. */
async function refused(d: string, args: string[], message: RegExp, hint?: RegExp): Promise<void> {
  const before = await Promise.all(['params.yaml', 'repro.yaml', 'other.yaml'].map((f) => read(d, f)));
  const r = await repro(d, 'run', '--no-record', ...args);
  expect(r.stderr).toMatch(message);
  if (hint) expect(r.stderr).toMatch(hint);
  expect(r.code).toBe(2);
  expect(await Promise.all(['params.yaml', 'repro.yaml', 'other.yaml'].map((f) => read(d, f)))).toEqual(before);
}

describe('repro run -S', () => {
  it('sets an existing param, keeping the rest of the file (comments included)', async () => {
    const d = await project();
    const r = await repro(d, 'run', '--no-record', '-S', 'train.lr=0.1');
    expect(r.code).toBe(0);
    expect(await read(d, 'out.txt')).toBe('0.1 3\n');
    // Only the value's bytes change: the comment keeps its column, every other line its bytes.
    expect(await read(d, 'params.yaml')).toBe(PARAMS.replace('lr: 0.5     #', 'lr: 0.1     #'));
  });

  it('suggests the nearest key at any level, the top level included, and keeps +key for new ones', async () => {
    const d = await project();
    await refused(d, ['-S', 'trian.lr=0.1'], /param 'trian\.lr' is not in params\.yaml/, /did you mean 'train\.lr'\?.*-S \+trian\.lr=/);
    await refused(d, ['-S', 'trian.epochs=4'], /not in params\.yaml/, /did you mean 'train\.epochs'\?/);
    await refused(d, ['-S', 'other.y=1'], /not in params\.yaml/, /did you mean 'other\.x'\?/);
    // A misspelt section with a new key under it: the hint names the close section.
    await refused(d, ['-S', 'trian.momentum=0.9'], /not in params\.yaml/, /did you mean 'train'\?.*-S \+trian\.momentum=/);
  });

  it('refuses a key that is not there, with the nearest one, and adds it with +key', async () => {
    const d = await project();
    await refused(d, ['-S', 'train.lrr=0.1'], /param 'train\.lrr' is not in params\.yaml/, /did you mean 'train\.lr'\?.*-S \+train\.lrr=/);
    await refused(d, ['-S', 'nope.x=1'], /param 'nope\.x' is not in params\.yaml/, /-S \+nope\.x=/);
    const r = await repro(d, 'run', '--no-record', '-S', '+train.momentum=0.9');
    expect(r.code).toBe(0);
    expect(await read(d, 'params.yaml')).toMatch(/momentum: 0\.9/);
  });

  it('refuses to replace a section by a value, or to reach through a value', async () => {
    const d = await project();
    await refused(d, ['-S', 'train=1'], /replace the section 'train'/, /-S train\.lr=/);
    await refused(d, ['-S', 'train.lr.x=0.1'], /'train\.lr' in params\.yaml is a value, not a section/);
  });

  it('refuses files that are not params files, and files that do not exist', async () => {
    const d = await project();
    await repro(d, 'run', '--no-record');
    const lock = await read(d, 'repro.lock');
    await refused(d, ['-S', 'repro.lock:schema=2'], /-S cannot write 'repro\.lock': it is not a params file/);
    await refused(d, ['-S', 'repro.yaml:seed=1'], /-S cannot write 'repro\.yaml'/);
    await refused(d, ['-S', 'x.yaml:a=1'], /params file 'x\.yaml' does not exist/);
    // other.yaml exists and parses, but no stage reads params from it.
    await refused(
      d,
      ['-S', 'other.yaml:a=2'],
      /-S names 'other\.yaml', which no stage reads params from/,
      /params files of this pipeline: params\.yaml/,
    );
    expect(await read(d, 'repro.lock')).toBe(lock);
  });

  it('refuses values that are empty or not finite numbers', async () => {
    const d = await project();
    await refused(d, ['-S', 'train.lr='], /no value/, /train\.lr=null/);
    await refused(d, ['-S', 'train.lr=.inf'], /\.inf is not a finite number/);
    await refused(d, ['-S', 'train.lr=.nan'], /not a finite number/);
  });

  it('puts the params file back when the run cannot start (bad repro.yaml, unknown stage)', async () => {
    const d = await project();
    await refused(d, ['nope', '-S', 'train.lr=0.1'], /nope/);
    await writeFile(join(d, 'repro.yaml'), PIPELINE.replace('    outs:', '    sed: 42\n    outs:'));
    await refused(d, ['-S', 'train.lr=0.1'], /sed/);
  });

  it('--dry applies the override in memory only, with the same checks', async () => {
    const d = await project();
    const r = await repro(d, 'run', '--dry', '-S', 'train.lr=0.2');
    expect(r.code).toBe(0);
    expect(await read(d, 'params.yaml')).toBe(PARAMS);
    await refused(d, ['--dry', '-S', 'train.lrr=0.2'], /is not in params\.yaml/);
  });
});
