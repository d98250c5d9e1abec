import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toRepoPath, assertNoSymlinkEscape, isWithin, checkStoredPath } from '../../src/core/paths.js';
import { expectCode, reproError } from '../helpers/errors.js';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

describe('repo paths', () => {
  it('normalises to POSIX, repo-relative, no trailing slash', () => {
    expect(toRepoPath('data/prepared/')).toBe('data/prepared');
    expect(toRepoPath('./a//b/../c')).toBe('a/c');
    expect(toRepoPath('x.txt', { base: 'sub' })).toBe('sub/x.txt');
    expect(toRepoPath('../x.txt', { base: 'sub' })).toBe('x.txt');
  });

  it('rejects absolute paths and .. escapes', () => {
    expectCode(() => toRepoPath('/etc/passwd'), 'E_PATH_ESCAPE');
    expectCode(() => toRepoPath('../out'), 'E_PATH_ESCAPE');
    expectCode(() => toRepoPath('a/../../out'), 'E_PATH_ESCAPE');
  });

  it('rejects a path that leaves through a symlink, also when the leaf does not exist yet', async () => {
    const root = await mkdtemp(join(tmpdir(), 'repro-paths-'));
    const outside = await mkdtemp(join(tmpdir(), 'repro-outside-'));
    dirs.push(root, outside);
    await mkdir(join(root, 'inside'));
    await symlink(outside, join(root, 'link'));
    await symlink(join(root, 'inside'), join(root, 'ok-link'));
    expectCode(() => assertNoSymlinkEscape(root, 'link/data.csv'), 'E_PATH_ESCAPE');
    expect(() => assertNoSymlinkEscape(root, 'ok-link/new/file.txt')).not.toThrow();
    expect(() => assertNoSymlinkEscape(root, 'not/yet/there.txt')).not.toThrow();
  });

  it('isWithin', () => {
    expect(isWithin('data/a', 'data')).toBe(true);
    expect(isWithin('data2', 'data')).toBe(false);
    expect(isWithin('x', '')).toBe(true);
  });

  it('checkStoredPath accepts canonical repo paths and refuses everything that could escape', () => {
    expect(checkStoredPath('data/prepared/a.csv', 'repro.lock')).toBe('data/prepared/a.csv');
    expect(checkStoredPath('.gitignore-like/x', 'repro.lock')).toBe('.gitignore-like/x');
    for (const bad of [
      '../x',
      'a/../../x',
      '/etc/passwd',
      'C:/x',
      'a//b',
      './a',
      'a/./b',
      'a/',
      '',
      'a\\..\\b',
      'a\0b',
      '.git/hooks/pre-commit',
      '.repro/cache/objects/aa/bb',
      42,
      null,
      undefined,
      ['a'],
    ]) {
      expectCode(() => checkStoredPath(bad, 'repro.lock'), 'E_PATH_ESCAPE', JSON.stringify(bad));
    }
  });

  it('checkStoredPath names the source and shortens a huge path', () => {
    const e = reproError(() => checkStoredPath('../' + 'x'.repeat(100_000), 'run 01ABC'));
    expect(e.message).toContain('run 01ABC');
    expect(e.message.length).toBeLessThan(400);
  });
});
