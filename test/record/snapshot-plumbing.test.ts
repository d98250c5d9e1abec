import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo, snapshotTree, snapshotTreeAndDirty, writeRunCommit } from '../../src/record/index.js';
import { git, gitWithEnv, makeRepo, tempDir, writeFiles, type FileSpec } from './helpers.js';

/**
 * The snapshot's tree, made by hand the way repro made it before it edited trees in memory: a
 * private index from `git read-tree HEAD`, the tracked files that differ from it and the untracked
 * inputs from the work tree (`git update-index --add --remove`), the extra files (`update-index
 * --add --replace --cacheinfo`), then `git write-tree`.
 */
function plumbingTree(root: string, extras: Record<string, string>, untracked: string[] = []): string {
  const env = { GIT_INDEX_FILE: join(tempDir(), 'index') };
  const g = (...args: string[]): string => gitWithEnv(root, env, ...args);
  g('read-tree', 'HEAD');
  const changed = git(root, 'diff', '--name-only', '-z', 'HEAD').split('\0').filter(Boolean);
  const paths = [...changed, ...untracked];
  if (paths.length) gitWithEnv(root, env, 'update-index', '--add', '--remove', '--replace', '--', ...paths);
  for (const [path, content] of Object.entries(extras)) {
    const oid = execFileSync('git', ['hash-object', '-w', '--no-filters', '--stdin'], {
      cwd: root,
      input: content,
      encoding: 'utf8',
    }).trim();
    g('update-index', '--add', '--replace', '--cacheinfo', `100644,${oid},${path}`);
  }
  return g('write-tree');
}

async function expectSameTree(root: string, extras: Record<string, string>, include: string[] = []): Promise<string> {
  const repo = await findRepo(root);
  const { tree, untracked } = await snapshotTreeAndDirty({ repo, ignore: () => false, include, extraFiles: () => extras });
  const want = plumbingTree(root, extras, untracked);
  expect(tree).toBe(want);
  git(root, 'fsck', '--no-dangling');
  return tree;
}

const FILES: Record<string, FileSpec> = {
  'README.md': '# hi\n',
  'a.b': 'dot\n',
  'a-b': 'dash\n',
  'a/x.txt': 'x\n',
  'ab/y.txt': 'y\n',
  'B.txt': 'upper\n',
  'src/deep/er/f.py': 'f = 1\n',
  'src/deep/g.py': 'g = 1\n',
  'src/lone/only.txt': 'only\n',
  'with space.txt': 'space\n',
  'ünï.txt': 'unicode\n',
  'run.sh': { content: '#!/bin/sh\n', exec: true },
  link: { symlink: 'README.md' },
  'd/inner.txt': 'inner\n',
  plain: 'a file\n',
};

function editWorkTree(root: string): void {
  writeFiles(root, {
    'src/deep/er/f.py': 'f = 2\n',
    'a/x.txt': 'x2\n',
    link: { symlink: 'a.b' },
    'run.sh': { content: '#!/bin/sh\n', exec: false },
    'ünï.txt': 'unicode 2\n',
    'in/new.csv': '1,2\n',
    'in/sub/more.csv': '3,4\n',
    'in/ln': { symlink: 'new.csv' },
  });
  rmSync(join(root, 'src/lone'), { recursive: true }); // leaves src/ without one of its directories
  rmSync(join(root, 'B.txt'));
}

describe('snapshot trees: the same ids as read-tree, update-index and write-tree on a private index', () => {
  it('edits, deletions that empty a directory, exec bits, symlinks, untracked inputs and names in Git order', async () => {
    const root = makeRepo(FILES);
    editWorkTree(root);
    const extras = { 'repro.lock': 'lock\n', '.repro-run/record.json': '{"a":1}\n', 'src/deep/er/zz.json': '{}' };
    const tree = await expectSameTree(root, extras, ['in']);
    expect(git(root, 'ls-tree', '-r', '--name-only', tree)).toContain('in/sub/more.csv');
    expect(git(root, 'ls-tree', '-r', '--name-only', tree)).not.toContain('src/lone');
  });

  it('a file where a directory is needed, and a directory where a file goes', async () => {
    const root = makeRepo(FILES);
    await expectSameTree(root, { 'plain/now-a-dir.json': '1', d: 'now a file\n', 'a/x.txt/deeper': '2' });
  });

  it('deleting every tracked file leaves only the extra files; no edit at all gives HEAD tree, writing nothing', async () => {
    const root = makeRepo({ 'one/two.txt': '2\n', 'three.txt': '3\n' });
    const before = git(root, 'count-objects');
    const repo = await findRepo(root);
    expect(await snapshotTree({ repo, extraFiles: {} })).toBe(git(root, 'rev-parse', 'HEAD^{tree}'));
    expect(git(root, 'count-objects')).toBe(before);
    rmSync(join(root, 'one'), { recursive: true });
    rmSync(join(root, 'three.txt'));
    await expectSameTree(root, { 'x.json': '{}' });
    await expectSameTree(root, {});
  });

  it('a crafted HEAD tree: a group-writable mode, an empty subtree, a gitlink and a name that is not UTF-8', async () => {
    const root = makeRepo({ 'top.txt': 'top\n' });
    const blob = (s: string): string =>
      execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: root, input: s, encoding: 'utf8' }).trim();
    const mktree = (rows: string): string =>
      execFileSync('git', ['mktree'], { cwd: root, input: Buffer.from(rows, 'latin1'), encoding: 'latin1' }).trim();
    const empty = mktree('');
    const dir = mktree(
      `100664 blob ${blob('group\n')}\ta.txt\n100644 blob ${blob('b\n')}\tb.txt\n040000 tree ${empty}\tempty\n` +
        `160000 commit ${git(root, 'rev-parse', 'HEAD')}\tsub\n100644 blob ${blob('raw\n')}\tn\xe9.txt\n`,
    );
    const kept = mktree(`040000 tree ${empty}\tnothing\n100644 blob ${blob('k\n')}\tk.txt\n`);
    const rootTree = mktree(`040000 tree ${dir}\tdir\n040000 tree ${kept}\tkept\n100644 blob ${blob('top\n')}\ttop.txt\n`);
    const commit = gitWithEnv(root, {}, 'commit-tree', rootTree, '-p', 'HEAD', '-m', 'crafted');
    git(root, 'update-ref', 'refs/heads/main', commit);
    git(root, 'read-tree', '-u', '--reset', 'HEAD');
    writeFileSync(join(root, 'dir', 'b.txt'), 'b edited\n');
    const tree = await expectSameTree(root, { 'dir/new.json': '{}' });
    expect(git(root, 'ls-tree', tree, 'kept')).toContain(kept); // an untouched directory keeps its stored tree
    expect(git(root, 'ls-tree', '--name-only', `${tree}:dir`)).not.toContain('empty'); // a rewritten one drops an empty one
  });

  it('a SHA-256 repository', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '-b', 'main', '--object-format=sha256');
    writeFiles(root, FILES);
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'initial');
    editWorkTree(root);
    const tree = await expectSameTree(root, { 'repro.lock': 'lock\n', 'plain/x': '1', d: '2' }, ['in']);
    expect(tree).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the run commit is the one git commit-tree makes by hand from the same tree, message, identity and time', async () => {
    const root = makeRepo(FILES);
    editWorkTree(root);
    const repo = await findRepo(root);
    const tree = await expectSameTree(root, { 'repro.lock': 'lock\n' });
    const time = new Date('2026-12-02T10:00:00Z');
    const author = { name: 'Ada', email: 'ada@example.com' };
    const oid = await writeRunCommit({
      repo,
      runId: 'r-plumbing-1',
      tree,
      message: 'repro run x: ok',
      parents: [repo.head!],
      time,
      author,
    });
    const off = -time.getTimezoneOffset();
    const zone = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
    const date = `@${time.getTime() / 1000} ${zone}`;
    const idEnv = {
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    };
    const byHand = execFileSync('git', ['commit-tree', '--no-gpg-sign', tree, '-p', repo.head!, '-F', '-'], {
      cwd: root,
      input: 'repro run x: ok\n',
      encoding: 'utf8',
      env: { ...process.env, ...idEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    }).trim();
    expect(oid).toBe(byHand);
    expect(git(root, 'rev-parse', 'refs/repro/runs/r-plumbing-1')).toBe(oid);
  });

  it('when Git cannot store the new objects, the snapshot fails with E_GIT and no ref is made', async () => {
    const root = makeRepo(FILES);
    editWorkTree(root);
    const repo = await findRepo(root);
    const refs = git(root, 'for-each-ref');
    // Every object directory Git would have to create is taken by a file (root ignores modes, not this).
    const objects = join(root, '.git', 'objects');
    const have = new Set(readdirSync(objects));
    for (let i = 0; i < 256; i++) {
      const fan = i.toString(16).padStart(2, '0');
      if (!have.has(fan)) writeFileSync(join(objects, fan), '');
    }
    const extras = { 'repro.lock': 'a lock no run wrote before\n' };
    await expect(snapshotTreeAndDirty({ repo, ignore: () => false, extraFiles: () => extras })).rejects.toMatchObject({ code: 'E_GIT' });
    expect(git(root, 'for-each-ref')).toBe(refs);
  });
});
