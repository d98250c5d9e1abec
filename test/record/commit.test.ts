import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo, listRuns, newRunId, snapshotTree, writeRunCommit, type RepoInfo } from '../../src/record/index.js';
import { git, makeRepo, tempDir, writeFiles } from './helpers.js';

async function record(repo: RepoInfo, extra: Record<string, string> = {}, message = 'run') {
  const runId = newRunId();
  const tree = await snapshotTree({ repo, extraFiles: extra });
  const commit = await writeRunCommit({ repo, runId, tree, message, parents: repo.head ? [repo.head] : [] });
  return { runId, tree, commit };
}

describe('writeRunCommit', () => {
  it('creates refs/repro/runs/<id> on top of HEAD without touching HEAD, branch, index or work tree', async () => {
    const root = makeRepo({ 'a.txt': 'a\n', 'src/b.py': 'b\n' });
    writeFiles(root, { 'a.txt': 'edited\n', 'scratch.txt': 'untracked\n' });
    const before = {
      index: readFileSync(join(root, '.git/index')),
      status: git(root, 'status', '--porcelain'),
      head: git(root, 'rev-parse', 'HEAD'),
      symref: git(root, 'symbolic-ref', 'HEAD'),
    };
    const repo = await findRepo(root);
    const { runId, commit } = await record(repo, { 'repro.lock': 'lock\n' }, 'repro run: train\n\nseed 42');

    expect(git(root, 'rev-parse', `refs/repro/runs/${runId}`)).toBe(commit);
    expect(git(root, 'rev-parse', `${commit}^1`)).toBe(before.head);
    expect(git(root, 'log', '-1', '--format=%s', `refs/repro/runs/${runId}`)).toBe('repro run: train');
    expect(git(root, 'show', `${commit}:a.txt`)).toBe('edited');
    expect(git(root, 'show', `${commit}:repro.lock`)).toBe('lock');
    expect(() => git(root, 'show', `${commit}:scratch.txt`)).toThrow();

    expect(readFileSync(join(root, '.git/index')).equals(before.index)).toBe(true);
    expect(git(root, 'status', '--porcelain')).toBe(before.status);
    expect(git(root, 'rev-parse', 'HEAD')).toBe(before.head);
    expect(git(root, 'symbolic-ref', 'HEAD')).toBe(before.symref);
    git(root, 'fsck', '--strict', '--no-dangling');
  });

  it('records from a linked worktree into the shared refs, on the worktree HEAD', async () => {
    const root = makeRepo({ 'a.txt': 'a\n' });
    git(root, 'branch', 'feature');
    git(root, 'commit', '-q', '--allow-empty', '-m', 'main moves on');
    const wt = join(tempDir(), 'wt');
    git(root, 'worktree', 'add', '-q', wt, 'feature');
    writeFiles(wt, { 'a.txt': 'edited in worktree\n' });
    const wtIndex = readFileSync(join(root, '.git/worktrees/wt/index'));
    const repo = await findRepo(wt);
    const { runId, commit } = await record(repo, { 'repro.lock': 'wt\n' });
    expect(git(root, 'rev-parse', `refs/repro/runs/${runId}`)).toBe(commit);
    expect(git(root, 'rev-parse', `${commit}^1`)).toBe(git(root, 'rev-parse', 'feature'));
    expect(git(root, 'show', `${commit}:a.txt`)).toBe('edited in worktree');
    expect(readFileSync(join(root, '.git/worktrees/wt/index')).equals(wtIndex)).toBe(true);
    expect(git(wt, 'status', '--porcelain')).toBe('M a.txt');
    expect(await listRuns(await findRepo(root))).toMatchObject([{ id: runId, commit }]);
    git(root, 'fsck', '--strict', '--no-dangling');
  });

  it('records on a detached HEAD', async () => {
    const root = makeRepo({ 'a.txt': 'a\n' });
    const first = git(root, 'rev-parse', 'HEAD');
    git(root, 'commit', '-q', '--allow-empty', '-m', 'second');
    git(root, 'checkout', '-q', '--detach', first);
    const repo = await findRepo(root);
    const { commit } = await record(repo);
    expect(git(root, 'rev-parse', `${commit}^1`)).toBe(first);
    expect(git(root, 'rev-parse', 'HEAD')).toBe(first);
  });

  it('writes a root commit in a repository without commits', async () => {
    const root = makeRepo({ 'a.txt': 'a' }, { commit: false, add: true });
    const repo = await findRepo(root);
    const { runId, commit } = await record(repo, { 'repro.lock': 'x' });
    expect(git(root, 'rev-list', '--parents', '-n1', `refs/repro/runs/${runId}`)).toBe(commit);
    expect(git(root, 'ls-tree', '--name-only', commit).split('\n')).toEqual(['a.txt', 'repro.lock']);
    expect(() => git(root, 'rev-parse', '--verify', '-q', 'HEAD')).toThrow();
    git(root, 'fsck', '--strict', '--no-dangling');
  });

  it('takes the identity from GIT_AUTHOR_*/GIT_COMMITTER_*, else from git config', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    const keys = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'] as const;
    const saved = keys.map((k) => process.env[k]);
    try {
      process.env.GIT_AUTHOR_NAME = 'Env Author';
      process.env.GIT_AUTHOR_EMAIL = 'env@example.com';
      delete process.env.GIT_COMMITTER_NAME;
      delete process.env.GIT_COMMITTER_EMAIL;
      const { commit } = await record(repo);
      expect(git(root, 'log', '-1', '--format=%an|%ae|%cn|%ce', commit)).toBe('Env Author|env@example.com|Config User|config@example.com');
    } finally {
      keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
    }
  });

  it('uses the given author and time', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const commit = await writeRunCommit({
      repo,
      runId: 'r1',
      tree,
      message: 'm',
      parents: [repo.head!],
      author: { name: 'CI <bot>', email: 'ci@example.com' },
      time: new Date('2026-01-02T03:04:05Z'),
    });
    expect(git(root, 'log', '-1', '--format=%an|%ae|%at|%ct', commit)).toBe('CI bot|ci@example.com|1767323045|1767323045');
  });

  it('is idempotent for the same commit and refuses a different one (E_RECORD)', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const opts = { repo, runId: 'r1', tree, parents: [repo.head!], time: new Date(1_700_000_000_000) };
    const c1 = await writeRunCommit({ ...opts, message: 'one' });
    expect(await writeRunCommit({ ...opts, message: 'one' })).toBe(c1);
    await expect(writeRunCommit({ ...opts, message: 'two' })).rejects.toMatchObject({ code: 'E_RECORD' });
    git(root, 'pack-refs', '--all');
    await expect(writeRunCommit({ ...opts, message: 'two' })).rejects.toMatchObject({ code: 'E_RECORD' });
    expect(git(root, 'rev-parse', 'refs/repro/runs/r1')).toBe(c1);
  });

  it('rejects run ids that are not safe ref names', async () => {
    const repo = await findRepo(makeRepo({ 'a.txt': 'a' }));
    const tree = await snapshotTree({ repo, extraFiles: {} });
    for (const runId of ['', '../x', 'a/b', 'x.lock', '.hidden', 'a..b', 'sp ace']) {
      await expect(writeRunCommit({ repo, runId, tree, message: 'm', parents: [] })).rejects.toMatchObject({ code: 'E_RECORD' });
    }
  });

  it('waits for a held ref lock, and reports E_LOCKED when it is never released', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const lock = join(root, '.git/refs/repro/runs/held.lock');
    mkdirSync(join(root, '.git/refs/repro/runs'), { recursive: true });
    writeFileSync(lock, '');
    setTimeout(() => rmSync(lock), 150);
    const commit = await writeRunCommit({ repo, runId: 'held', tree, message: 'm', parents: [] });
    expect(git(root, 'rev-parse', 'refs/repro/runs/held')).toBe(commit);

    writeFileSync(join(root, '.git/refs/repro/runs/stuck.lock'), '');
    await expect(writeRunCommit({ repo, runId: 'stuck', tree, message: 'm', parents: [] })).rejects.toMatchObject({ code: 'E_LOCKED' });
    expect(() => git(root, 'rev-parse', '--verify', '-q', 'refs/repro/runs/stuck')).toThrow();
  });

  it('keeps every run when many are written at once in one process', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    const written = await Promise.all(Array.from({ length: 20 }, (_, i) => record(repo, { 'n.txt': String(i) })));
    const refs = git(root, 'for-each-ref', '--format=%(refname:strip=3) %(objectname)', 'refs/repro/runs/').split('\n');
    expect(refs.sort()).toEqual(written.map((w) => `${w.runId} ${w.commit}`).sort());
  });
});

describe('listRuns', () => {
  it('lists loose and packed runs, newest id first, with parent and time', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    expect(await listRuns(repo)).toEqual([]);
    const tree = await snapshotTree({ repo, extraFiles: {} });
    const write = (runId: string, sec: number, parents: string[]) =>
      writeRunCommit({ repo, runId, tree, message: runId, parents, time: new Date(sec * 1000) });
    const c1 = await write('20260101T000000.000Z-aaaaaa', 1_767_225_600, [repo.head!]);
    const c2 = await write('20260102T000000.000Z-bbbbbb', 1_767_312_000, []);
    git(root, 'pack-refs', '--all');
    const c3 = await write('20260103T000000.000Z-cccccc', 1_767_398_400, [repo.head!]);
    writeFileSync(join(root, '.git/refs/repro/runs/20260104T000000.000Z-dddddd.lock'), ''); // an in-flight write
    expect(await listRuns(repo)).toEqual([
      { id: '20260103T000000.000Z-cccccc', commit: c3, parent: repo.head, time: 1_767_398_400 },
      { id: '20260102T000000.000Z-bbbbbb', commit: c2, parent: null, time: 1_767_312_000 },
      { id: '20260101T000000.000Z-aaaaaa', commit: c1, parent: repo.head, time: 1_767_225_600 },
    ]);
  });
});
