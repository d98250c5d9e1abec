import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo, firstParentHistory, resolveRevision, snapshotTree, writeRunCommit } from '../../src/record/index.js';
import { commitFiles, git, makeRepo, tempDir } from './helpers.js';

/** main: c1 - c2 - c3 - m (merge of side: s1), tags v1 (lightweight, c1) and v2 (annotated, c2). */
function historyRepo() {
  const root = makeRepo({ 'a.txt': '1' });
  const c1 = git(root, 'rev-parse', 'HEAD');
  const c2 = commitFiles(root, { 'a.txt': '2' });
  const c3 = commitFiles(root, { 'a.txt': '3' });
  git(root, 'checkout', '-q', '-b', 'side', c2);
  const s1 = commitFiles(root, { 'side.txt': 's' });
  git(root, 'checkout', '-q', 'main');
  git(root, 'merge', '-q', '--no-ff', '-m', 'merge side', 'side');
  const m = git(root, 'rev-parse', 'HEAD');
  git(root, 'tag', 'v1', c1);
  git(root, 'tag', '-a', '-m', 'release 2', 'v2', c2);
  return { root, c1, c2, c3, s1, m };
}

describe('resolveRevision', () => {
  it('resolves the forms git rev-parse accepts', async () => {
    const h = historyRepo();
    const repo = await findRepo(h.root);
    const cases: Record<string, string> = {
      HEAD: h.m,
      '@': h.m,
      main: h.m,
      'refs/heads/main': h.m,
      'heads/main': h.m,
      'HEAD^': h.c3,
      'HEAD^1': h.c3,
      'HEAD^2': h.s1,
      'HEAD~1': h.c3,
      'HEAD~2': h.c2,
      'HEAD~3': h.c1,
      'HEAD^2~1': h.c2,
      'main^^': h.c2,
      'HEAD^0': h.m,
      'HEAD^{commit}': h.m,
      'HEAD~': h.c3,
      side: h.s1,
      v1: h.c1,
      v2: h.c2,
      'v2^{}': h.c2,
      'tags/v2': h.c2,
      'v2~1': h.c1,
      [h.c2]: h.c2,
      [h.c2.slice(0, 7)]: h.c2,
      [h.c2.slice(0, 4)]: h.c2,
    };
    for (const [rev, want] of Object.entries(cases)) expect([rev, await resolveRevision(repo, rev)]).toEqual([rev, want]);
  });

  it('is E_NOT_FOUND for unknown names, missing parents and unsafe names', async () => {
    const h = historyRepo();
    const repo = await findRepo(h.root);
    for (const rev of ['nope', 'HEAD~9', 'HEAD^3', '', '../../etc/passwd', 'config', 'main:a.txt', 'deadbeef', '0'.repeat(40)]) {
      await expect(resolveRevision(repo, rev), rev).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    }
    const tree = git(h.root, 'rev-parse', 'HEAD^{tree}');
    await expect(resolveRevision(repo, tree)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('resolves remote-tracking branches and run ids, and works after git gc packs everything', async () => {
    const h = historyRepo();
    const clone = join(tempDir(), 'clone');
    git(h.root, 'clone', '-q', `file://${h.root}`, clone);
    const repo = await findRepo(clone);
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const run = await writeRunCommit({ repo, runId: '20260101T000000.000Z-abcdef', tree, message: 'r', parents: [repo.head!] });
    git(clone, 'gc', '-q', '--prune=now');
    expect(git(clone, 'count-objects', '-v')).toMatch(/^count: 0$/m);
    expect(await resolveRevision(repo, 'origin/main')).toBe(h.m);
    expect(await resolveRevision(repo, 'origin')).toBe(h.m); // refs/remotes/origin/HEAD
    expect(await resolveRevision(repo, 'origin/side~1')).toBe(h.c2);
    expect(await resolveRevision(repo, h.c3.slice(0, 6))).toBe(h.c3);
    expect(await resolveRevision(repo, '20260101T000000.000Z-abcdef')).toBe(run);
    expect(await resolveRevision(repo, '20260101T000000.000Z-abcdef~1')).toBe(h.m);
  });

  it('resolves HEAD per worktree', async () => {
    const h = historyRepo();
    const wt = join(tempDir(), 'wt');
    git(h.root, 'worktree', 'add', '-q', wt, 'side');
    expect(await resolveRevision(await findRepo(wt), 'HEAD')).toBe(h.s1);
    expect(await resolveRevision(await findRepo(h.root), 'HEAD')).toBe(h.m);
  });
});

describe('firstParentHistory', () => {
  it('walks first parents from any revision, up to a limit', async () => {
    const h = historyRepo();
    const repo = await findRepo(h.root);
    expect(await firstParentHistory(repo, 'HEAD')).toEqual([h.m, h.c3, h.c2, h.c1]);
    expect(await firstParentHistory(repo, h.m, 2)).toEqual([h.m, h.c3]);
    expect(await firstParentHistory(repo, 'side')).toEqual([h.s1, h.c2, h.c1]);
    expect(await firstParentHistory(repo, 'HEAD', 0)).toEqual([]);
  });

  it('stops at the shallow boundary', async () => {
    const h = historyRepo();
    const clone = join(tempDir(), 'clone');
    git(h.root, 'clone', '-q', '--depth', '2', `file://${h.root}`, clone);
    const repo = await findRepo(clone);
    expect(repo.shallow).toBe(true);
    expect(await firstParentHistory(repo, 'HEAD')).toEqual(git(clone, 'rev-list', '--first-parent', 'HEAD').split('\n'));
  });
});
