import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { parseSeeds } from '../../src/ops/run/sweep.js';
import { repro, tempRepos } from '../helpers/repo.js';

describe('parseSeeds', () => {
  it('takes lists, ranges and mixes, in the order given', () => {
    expect(parseSeeds('1,2,3')).toEqual([1, 2, 3]);
    expect(parseSeeds('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('7, 1-3')).toEqual([7, 1, 2, 3]);
    expect(parseSeeds('0')).toEqual([0]);
  });

  it('rejects what is not a seed list with E_USAGE', () => {
    for (const bad of ['', '1,', 'a', '-1', '5-1', '1,1', '1-3,2', '0-1000', '1.5']) {
      expect(() => parseSeeds(bad), bad).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});

describe('repro run --seeds: the pipeline is checked before the first seed', () => {
  const { repo } = tempRepos();

  it.each([
    ['a repro.yaml error', { 'repro.yaml': 'stages:\n  a:\n    cmd: x\n    dpes: [a]\n' }, [] as string[], 'unknown key'],
    ['an unknown target', { 'repro.yaml': 'stages:\n  a:\n    cmd: "true"\n' }, ['nope'], "unknown stage 'nope'"],
    [
      'a -S key that does not exist',
      { 'repro.yaml': 'stages:\n  a:\n    cmd: "true"\n    params: [lr]\n', 'params.yaml': 'lr: 1\n' },
      ['-S', 'zz=2'],
      'zz',
    ],
  ])('%s: exit 2 and no seed note', async (_what, files, args, message) => {
    const d = await repo(files);
    const r = await repro(d, 'run', '--seeds', '1,2', '--no-record', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('seed 1');
    expect(existsSync(join(d, 'repro.lock'))).toBe(false);
  });
});
