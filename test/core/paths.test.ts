import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toRepoPath, assertNoSymlinkEscape, isWithin, checkStoredPath } from '../../src/core/paths.js';
import { isReproError } from '../../src/core/errors.js';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isReproError(e) ? e.code : 'other';
  }
  return undefined;
};

describe('repo paths', () => {
  it('normalises to POSIX, repo-relative, no trailing slash', () => {
    expect(toRepoPath('data/prepared/')).toBe('data/prepared');
    expect(toRepoPath('./a//b/../c')).toBe('a/c');
    expect(toRepoPath('x.txt', { base: 'sub' })).toBe('sub/x.txt');
    expect(toRepoPath('../x.txt', { base: 'sub' })).toBe('x.txt');
  });

  it('rejects absolute paths and .. escapes', () => {
    expect(code(() => toRepoPath('/etc/passwd'))).toBe('E_PATH_ESCAPE');
    expect(code(() => toRepoPath('../out'))).toBe('E_PATH_ESCAPE');
    expect(code(() => toRepoPath('a/../../out'))).toBe('E_PATH_ESCAPE');
  });

  it('rejects a path that leaves through a symlink, also when the leaf does not exist yet', async () => {
    const root = await mkdtemp(join(tmpdir(), 'repro-paths-'));
    const outside = await mkdtemp(join(tmpdir(), 'repro-outside-'));
    dirs.push(root, outside);
    await mkdir(join(root, 'inside'));
    await symlink(outside, join(root, 'link'));
    await symlink(join(root, 'inside'), join(root, 'ok-link'));
    expect(code(() => assertNoSymlinkEscape(root, 'link/data.csv'))).toBe('E_PATH_ESCAPE');
    expect(code(() => assertNoSymlinkEscape(root, 'ok-link/new/file.txt'))).toBeUndefined();
    expect(code(() => assertNoSymlinkEscape(root, 'not/yet/there.txt'))).toBeUndefined();
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
      expect(
        code(() => checkStoredPath(bad, 'repro.lock')),
        JSON.stringify(bad),
      ).toBe('E_PATH_ESCAPE');
    }
  });

  it('checkStoredPath names the source and shortens a huge path', () => {
    try {
      checkStoredPath('../' + 'x'.repeat(100_000), 'run 01ABC');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('run 01ABC');
      expect((e as Error).message.length).toBeLessThan(400);
    }
  });
});
