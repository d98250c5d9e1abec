import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo, snapshotTree } from '../../src/record/index.js';
import { commitFiles, git, makeRepo, tempDir } from './helpers.js';

describe('findRepo', () => {
  it('finds the repository from a subdirectory', async () => {
    const root = makeRepo({ 'src/a.txt': 'a\n' });
    const repo = await findRepo(join(root, 'src'));
    expect(repo).toMatchObject({
      root,
      gitdir: join(root, '.git'),
      head: git(root, 'rev-parse', 'HEAD'),
      branch: 'main',
      shallow: false,
    });
  });

  it('is E_NOT_GIT outside a repository', async () => {
    const dir = tempDir();
    await expect(findRepo(dir)).rejects.toMatchObject({ code: 'E_NOT_GIT', hint: "run 'git init' first" });
    await expect(findRepo(join(dir, 'missing'))).rejects.toMatchObject({ code: 'E_NOT_GIT' });
  });

  it('reports an unborn branch before the first commit', async () => {
    const root = makeRepo({ 'a.txt': 'a' }, { commit: false });
    expect(await findRepo(root)).toMatchObject({ head: null, branch: 'main' });
  });

  it('reports a detached HEAD', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const first = git(root, 'rev-parse', 'HEAD');
    commitFiles(root, { 'a.txt': 'b' });
    git(root, 'checkout', '-q', '--detach', first);
    expect(await findRepo(root)).toMatchObject({ head: first, branch: null });
  });

  it('resolves HEAD through packed refs', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    git(root, 'pack-refs', '--all');
    expect((await findRepo(root)).head).toBe(git(root, 'rev-parse', 'HEAD'));
  });

  it('follows a linked worktree to its own HEAD and the shared common dir', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    git(root, 'branch', 'feature');
    const featureHead = commitFiles(root, { 'b.txt': 'b' }); // main moves on; feature stays
    const wt = join(tempDir(), 'wt');
    git(root, 'worktree', 'add', '-q', wt, 'feature');
    mkdirSync(join(wt, 'sub'));
    const repo = await findRepo(join(wt, 'sub'));
    expect(repo.root).toBe(wt);
    expect(repo.gitdir).toBe(join(root, '.git', 'worktrees', 'wt'));
    expect(repo.commonDir).toBe(join(root, '.git'));
    expect(repo.branch).toBe('feature');
    expect(repo.head).toBe(git(wt, 'rev-parse', 'HEAD'));
    expect(repo.head).not.toBe(featureHead);
  });

  it("follows a submodule's .git file, and snapshots the superproject with the submodule commit", async () => {
    const lib = makeRepo({ 'lib.txt': 'lib' });
    const root = makeRepo({ 'a.txt': 'a' });
    git(root, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', `file://${lib}`, 'vendor/lib');
    git(root, 'commit', '-q', '-m', 'add submodule');
    const sub = await findRepo(join(root, 'vendor/lib'));
    expect(sub.root).toBe(join(root, 'vendor/lib'));
    expect(sub.gitdir).toBe(join(root, '.git/modules/vendor/lib'));
    expect(sub.head).toBe(git(lib, 'rev-parse', 'HEAD'));
    const tree = await snapshotTree({ repo: await findRepo(root), extraFiles: {} });
    expect(tree).toBe(git(root, 'rev-parse', 'HEAD^{tree}'));
  });

  it('marks a shallow clone', async () => {
    const origin = makeRepo({ 'a.txt': 'a' });
    commitFiles(origin, { 'a.txt': 'b' });
    const clone = join(tempDir(), 'clone');
    git(origin, 'clone', '-q', '--depth', '1', `file://${origin}`, clone);
    expect(await findRepo(clone)).toMatchObject({ shallow: true, branch: 'main', head: git(origin, 'rev-parse', 'HEAD') });
  });
});
