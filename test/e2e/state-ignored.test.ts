import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repro, git, tempRepos } from '../helpers/repo.js';

/** `.repro/` is ignored by Git without `repro init`: it carries its own `.gitignore` of `*`. */

const { repo } = tempRepos();

const FILES = {
  'repro.yaml': 'version: 1\nstages:\n  a:\n    cmd: echo hi > a.txt\n    outs: [a.txt]\n',
};

describe('.repro/ is never committed by accident', () => {
  it('repro run without repro init: git add -A commits no state, and branches still switch', async () => {
    const d = await repo(FILES);
    expect((await repro(d, 'run')).code).toBe(0);
    expect(await readFile(join(d, '.repro', '.gitignore'), 'utf8')).toBe('*\n');
    git(d, 'add', '-A');
    const staged = git(d, 'diff', '--cached', '--name-only').trim().split('\n').filter(Boolean);
    expect(staged.filter((p) => p.startsWith('.repro/'))).toEqual([]);
    expect(staged).toEqual(['.gitignore', 'repro.lock']);
    git(d, 'commit', '-qm', 'ran');
    git(d, 'checkout', '-q', '-b', 'other');
    git(d, 'checkout', '-q', 'main');
    expect(git(d, 'status', '--porcelain')).toBe('');
  });

  it.each([['status'], ['checkout']])('repro %s creates it ignored as well', async (cmd) => {
    const d = await repo(FILES);
    await repro(d, cmd);
    expect(await readFile(join(d, '.repro', '.gitignore'), 'utf8')).toBe('*\n');
    expect(git(d, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it.each([['verify'], ['diff']])('repro %s writes no state: a fresh clone stays as checked out', async (cmd) => {
    const d = await repo(FILES);
    await repro(d, cmd);
    expect(git(d, 'status', '--porcelain', '--ignored')).toBe('');
  });

  it('a .repro/.gitignore the user changed is left alone', async () => {
    const d = await repo({ ...FILES, '.repro/.gitignore': 'cache/\n' });
    expect((await repro(d, 'run')).code).toBe(0);
    expect(await readFile(join(d, '.repro', '.gitignore'), 'utf8')).toBe('cache/\n');
  });
});
