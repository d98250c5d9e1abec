import { copyFileSync, readFileSync, rmSync, truncateSync, unlinkSync, utimesSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepo, isDirty, snapshotTree, snapshotTreeAndDirty } from '../../src/record/index.js';
import { git, gitWithEnv, makeRepo, writeFiles } from './helpers.js';

/** The tree `git add -u && git write-tree` gives, computed on a copy of the index. */
function gitSnapshot(root: string): string {
  const tmpIndex = join(root, '.git', 'test-index');
  copyFileSync(join(root, '.git', 'index'), tmpIndex);
  try {
    gitWithEnv(root, { GIT_INDEX_FILE: tmpIndex }, 'add', '-u');
    return gitWithEnv(root, { GIT_INDEX_FILE: tmpIndex }, 'write-tree');
  } finally {
    rmSync(tmpIndex);
  }
}

function lsTree(root: string, tree: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of git(root, 'ls-tree', '-r', tree).split('\n').filter(Boolean)) {
    const [meta, path] = line.split('\t');
    const [mode, , oid] = meta!.split(' ');
    out[path!] = `${mode} ${oid}`;
  }
  return out;
}

describe('snapshotTree', () => {
  const files = {
    'README.md': '# hi\n',
    'src/train.py': 'print(1)\n',
    'src/util/io.py': 'x = 1\n',
    'run.sh': { content: '#!/bin/sh\necho hi\n', exec: true },
    'link-to-readme': { symlink: 'README.md' },
    'data/gone.csv': 'a,b\n',
  };

  it('records tracked files with their working-tree content, like git add -u', async () => {
    const root = makeRepo(files);
    writeFiles(root, { 'src/train.py': 'print(2)  # edited\n', 'untracked.txt': 'not me\n' });
    unlinkSync(join(root, 'data/gone.csv'));
    const repo = await findRepo(root);
    const tree = await snapshotTree({ repo, extraFiles: {} });
    expect(tree).toBe(gitSnapshot(root));
    const listing = lsTree(root, tree);
    expect(Object.keys(listing).sort()).toEqual(['README.md', 'link-to-readme', 'run.sh', 'src/train.py', 'src/util/io.py']);
    expect(listing['run.sh']).toMatch(/^100755 /);
    expect(listing['link-to-readme']).toMatch(/^120000 /);
    expect(git(root, 'cat-file', 'blob', `${tree}:src/train.py`)).toBe('print(2)  # edited');
  });

  it('adds extra files, overriding tracked ones, and leaves HEAD, index and work tree alone', async () => {
    const root = makeRepo({ ...files, 'repro.lock': 'old lock\n' });
    writeFiles(root, { 'README.md': '# edited\n', 'new.txt': 'untracked\n' });
    const before = {
      index: readFileSync(join(root, '.git/index')),
      status: git(root, 'status', '--porcelain'),
      head: readFileSync(join(root, '.git/HEAD'), 'utf8'),
      refs: git(root, 'for-each-ref'),
    };
    const repo = await findRepo(root);
    const tree = await snapshotTree({
      repo,
      extraFiles: { 'repro.lock': 'new lock\n', '.repro-run/record.json': new TextEncoder().encode('{"a":1}') },
    });
    expect(git(root, 'cat-file', 'blob', `${tree}:repro.lock`)).toBe('new lock');
    expect(git(root, 'cat-file', 'blob', `${tree}:.repro-run/record.json`)).toBe('{"a":1}');
    expect(git(root, 'cat-file', 'blob', `${tree}:README.md`)).toBe('# edited');
    expect(lsTree(root, tree)['new.txt']).toBeUndefined();
    expect(readFileSync(join(root, '.git/index')).equals(before.index)).toBe(true);
    expect(git(root, 'status', '--porcelain')).toBe(before.status);
    expect(readFileSync(join(root, '.git/HEAD'), 'utf8')).toBe(before.head);
    expect(git(root, 'for-each-ref')).toBe(before.refs);
    git(root, 'fsck', '--strict', '--no-dangling');
  });

  it('notices a same-size edit even when the mtime is put back', async () => {
    const root = makeRepo({ 'a.txt': 'aaaa\n' });
    const st = statSync(join(root, 'a.txt'));
    writeFileSync(join(root, 'a.txt'), 'bbbb\n');
    utimesSync(join(root, 'a.txt'), st.atime, st.mtime);
    const tree = await snapshotTree({ repo: await findRepo(root), extraFiles: {} });
    expect(git(root, 'cat-file', 'blob', `${tree}:a.txt`)).toBe('bbbb');
  });

  it('works before the first commit, with or without an index', async () => {
    const empty = makeRepo({ 'a.txt': 'a' }, { commit: false });
    const t1 = await snapshotTree({ repo: await findRepo(empty), extraFiles: { 'repro.lock': 'x' } });
    expect(Object.keys(lsTree(empty, t1))).toEqual(['repro.lock']);

    const staged = makeRepo({ 'a.txt': 'a', 'b/c.txt': 'c' }, { commit: false, add: true });
    const t2 = await snapshotTree({ repo: await findRepo(staged), extraFiles: {} });
    expect(t2).toBe(git(staged, 'write-tree'));
  });

  it('includes intent-to-add files and reads v4 indexes', async () => {
    const root = makeRepo(files);
    writeFiles(root, { 'later.txt': 'added with -N\n', 'src/util/io.py': 'x = 2\n' });
    git(root, 'add', '-N', 'later.txt');
    git(root, 'update-index', '--index-version', '4');
    const tree = await snapshotTree({ repo: await findRepo(root), extraFiles: {} });
    expect(tree).toBe(gitSnapshot(root));
    expect(git(root, 'cat-file', 'blob', `${tree}:later.txt`)).toBe('added with -N');
  });

  it('takes the work-tree content of a conflicted path', async () => {
    const root = makeRepo({ 'a.txt': 'base\n', 'b.txt': 'b\n' });
    git(root, 'checkout', '-q', '-b', 'other');
    git(root, 'commit', '-q', '-am', 'other', '--allow-empty');
    writeFiles(root, { 'a.txt': 'theirs\n' });
    git(root, 'commit', '-q', '-am', 'theirs');
    git(root, 'checkout', '-q', 'main');
    writeFiles(root, { 'a.txt': 'ours\n' });
    git(root, 'commit', '-q', '-am', 'ours');
    expect(() => git(root, 'merge', '-q', 'other')).toThrow();
    writeFiles(root, { 'a.txt': 'resolved\n' });
    const tree = await snapshotTree({ repo: await findRepo(root), extraFiles: {} });
    expect(git(root, 'cat-file', 'blob', `${tree}:a.txt`)).toBe('resolved');
    expect(tree).toBe(gitSnapshot(root));
  });

  it('keeps files a sparse checkout left out of the work tree', async () => {
    const root = makeRepo({ 'keep/a.txt': 'a\n', 'skip/b.txt': 'b\n', 'top.txt': 't\n' });
    git(root, 'sparse-checkout', 'set', 'keep');
    expect(() => statSync(join(root, 'skip/b.txt'))).toThrow();
    writeFiles(root, { 'keep/a.txt': 'edited\n' });
    const tree = await snapshotTree({ repo: await findRepo(root), extraFiles: {} });
    expect(git(root, 'cat-file', 'blob', `${tree}:skip/b.txt`)).toBe('b');
    expect(git(root, 'cat-file', 'blob', `${tree}:keep/a.txt`)).toBe('edited');
  });

  it('refuses extra paths that leave the tree or enter .git', async () => {
    const repo = await findRepo(makeRepo(files));
    for (const bad of ['../x', '/abs', 'a//b', '.git/config', 'a/./b', '']) {
      await expect(snapshotTree({ repo, extraFiles: { [bad]: 'x' } })).rejects.toMatchObject({ code: 'E_PATH_ESCAPE' });
    }
  });
});

describe('isDirty', () => {
  it('compares tracked files with HEAD, ignoring untracked ones', async () => {
    const root = makeRepo({ 'a.txt': 'a\n', 'b/c.txt': 'c\n' });
    const repo = await findRepo(root);
    expect(await isDirty(repo)).toBe(false);
    writeFiles(root, { 'untracked.txt': 'u' });
    expect(await isDirty(repo)).toBe(false);
    writeFiles(root, { 'a.txt': 'changed\n' });
    expect(await isDirty(repo)).toBe(true);
    writeFiles(root, { 'a.txt': 'a\n' });
    expect(await isDirty(repo)).toBe(false);
    unlinkSync(join(root, 'b/c.txt'));
    expect(await isDirty(repo)).toBe(true);
    git(root, 'checkout', '--', 'b/c.txt');
    writeFiles(root, { 'staged.txt': 's' });
    git(root, 'add', 'staged.txt');
    expect(await isDirty(repo)).toBe(true);
  });

  it('before the first commit: dirty only when something is staged', async () => {
    expect(await isDirty(await findRepo(makeRepo({ 'a.txt': 'a' }, { commit: false })))).toBe(false);
    expect(await isDirty(await findRepo(makeRepo({ 'a.txt': 'a' }, { commit: false, add: true })))).toBe(true);
  });
});

describe('snapshotTreeAndDirty: what a run snapshot adds beyond its source commit', () => {
  it('screens staged, edited and included untracked files; withholds what the screen names, writing no blob of it', async () => {
    const root = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'out/x': 'o\n' });
    writeFileSync(join(root, 'new.txt'), 'SECRET-NEW\n');
    git(root, 'add', 'new.txt'); // staged, never committed
    writeFileSync(join(root, 'a.txt'), 'SECRET-EDIT\n'); // edited tracked file
    writeFileSync(join(root, 'b.txt'), 'b2\n'); // edited, harmless
    writeFiles(root, {
      'data/raw.csv': '1,2\n',
      'data/key.pem': 'SECRET-UNTRACKED\n',
      'data/out.bin': 'produced\n',
      'loose.txt': 'not an input\n',
    });
    const seen: string[] = [];
    const repo = await findRepo(root);
    const res = await snapshotTreeAndDirty({
      repo,
      ignore: () => false,
      include: ['data', 'missing.txt'],
      exclude: (p) => p === 'data/out.bin',
      replaced: ['rec.json'],
      screen: async (fs) => fs.map((f) => (seen.push(f.path), Buffer.from(f.content).toString().includes('SECRET') ? 'test-rule' : null)),
      extraFiles: (dirty, outcome) => ({ 'rec.json': JSON.stringify({ dirty, ...outcome }) }),
    });
    expect(seen.sort()).toEqual(['a.txt', 'b.txt', 'data/key.pem', 'data/raw.csv', 'new.txt']); // nothing unchanged is screened
    expect(res.untracked).toEqual(['data/raw.csv']);
    expect(res.withheld.map((w) => [w.path, w.rule])).toEqual([
      ['a.txt', 'test-rule'],
      ['data/key.pem', 'test-rule'],
      ['new.txt', 'test-rule'],
    ]);
    const tree = lsTree(root, res.tree);
    expect(Object.keys(tree).sort()).toEqual(['a.txt', 'b.txt', 'data/raw.csv', 'out/x', 'rec.json']);
    expect(git(root, 'cat-file', 'blob', tree['a.txt']!.split(' ')[1]!)).toBe('a'); // the source commit's content
    expect(git(root, 'cat-file', 'blob', tree['b.txt']!.split(' ')[1]!)).toBe('b2');
    expect(JSON.parse(git(root, 'cat-file', 'blob', tree['rec.json']!.split(' ')[1]!)).dirty).toBe(true);
    // The withheld edit and the untracked key were never written as objects.
    for (const path of ['a.txt', 'data/key.pem']) {
      const oid = git(root, 'hash-object', path); // computed, not written
      expect(() => git(root, 'cat-file', '-e', oid)).toThrow();
    }
  });
});

describe('snapshotTreeAndDirty: size caps on untracked inputs', () => {
  it('an untracked input over 50 MiB is left out, listed with rule null, and never read', async () => {
    const root = makeRepo({ 'a.txt': 'a\n' });
    writeFiles(root, { 'data/small.csv': '1\n' });
    writeFileSync(join(root, 'data/big.bin'), '');
    truncateSync(join(root, 'data/big.bin'), 51 * 2 ** 20); // sparse: costs nothing to make
    const res = await snapshotTreeAndDirty({ repo: await findRepo(root), ignore: () => false, include: ['data'], extraFiles: () => ({}) });
    expect(res.untracked).toEqual(['data/small.csv']);
    expect(res.withheld).toEqual([{ path: 'data/big.bin', rule: null, reason: expect.stringContaining('50 MiB a file') }]);
    expect(Object.keys(lsTree(root, res.tree)).sort()).toEqual(['a.txt', 'data/small.csv']);
    expect(res.dirty).toBe(false); // untracked inputs do not make the snapshot dirty
  });
});
