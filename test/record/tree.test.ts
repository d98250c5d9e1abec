import { lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findRepo,
  listTreeFiles,
  materializeTree,
  newRunId,
  readCommitFile,
  snapshotTree,
  writeRunCommit,
} from '../../src/record/index.js';
import { git, makeRepo, tempDir, writeFiles } from './helpers.js';

async function repoWithRun() {
  const root = makeRepo({
    'README.md': '# r\n',
    'src/train.py': 'print(1)\n',
    'bin/run.sh': { content: '#!/bin/sh\n', exec: true },
    'docs/link': { symlink: '../README.md' },
  });
  writeFiles(root, { 'src/train.py': 'print(2)\n' });
  const repo = await findRepo(root);
  const tree = await snapshotTree({ repo, extraFiles: { 'repro.lock': 'stages: {}\n', '.repro-run/record.json': '{"v":1}' } });
  const commit = await writeRunCommit({ repo, runId: newRunId(), tree, message: 'run', parents: [repo.head!] });
  return { root, repo, commit };
}

describe('readCommitFile', () => {
  it('reads files from a run commit or any commit, null when absent', async () => {
    const { root, repo, commit } = await repoWithRun();
    const text = async (c: string, p: string) => {
      const b = await readCommitFile(repo, c, p);
      return b === null ? null : Buffer.from(b).toString('utf8');
    };
    expect(await text(commit, '.repro-run/record.json')).toBe('{"v":1}');
    expect(await text(commit, 'src/train.py')).toBe('print(2)\n');
    expect(await text(repo.head!, 'src/train.py')).toBe('print(1)\n');
    expect(await text(repo.head!, 'repro.lock')).toBeNull();
    expect(await text(commit, 'src')).toBeNull();
    expect(await text(commit, 'src/train.py/x')).toBeNull();
    expect(await text(commit, 'docs/link')).toBe('../README.md');
    await expect(readCommitFile(repo, '0'.repeat(40), 'a')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    git(root, 'tag', '-a', '-m', 't', 'v1', commit);
    git(root, 'gc', '-q', '--prune=now');
    expect(await text(git(root, 'rev-parse', 'v1'), 'repro.lock')).toBe('stages: {}\n'); // packed, via a tag
  });
});

describe('listTreeFiles', () => {
  it('lists every file recursively with modes, like git ls-tree -r', async () => {
    const { root, repo, commit } = await repoWithRun();
    const want = git(root, 'ls-tree', '-r', commit)
      .split('\n')
      .map((l) => {
        const [meta, path] = l.split('\t');
        const [mode, , oid] = meta!.split(' ');
        return { path, oid, mode };
      });
    expect(await listTreeFiles(repo, commit)).toEqual(want);
  });
});

describe('materializeTree', () => {
  it('writes a commit tree to a directory with exec bits and symlinks', async () => {
    const { repo, commit } = await repoWithRun();
    const dest = join(tempDir(), 'copy');
    await materializeTree(repo, commit, dest);
    expect(readFileSync(join(dest, 'src/train.py'), 'utf8')).toBe('print(2)\n');
    expect(readFileSync(join(dest, 'repro.lock'), 'utf8')).toBe('stages: {}\n');
    expect(lstatSync(join(dest, 'bin/run.sh')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(dest, 'README.md')).mode & 0o111).toBe(0);
    expect(readlinkSync(join(dest, 'docs/link'))).toBe('../README.md');

    // Round trip: the copy, made a repository, snapshots to the same tree.
    git(dest, 'init', '-q');
    git(dest, 'add', '-A');
    expect(git(dest, 'write-tree')).toBe(git(repo.root, 'rev-parse', `${commit}^{tree}`));
  });

  it('refuses a non-empty destination', async () => {
    const { repo, commit } = await repoWithRun();
    const dest = tempDir();
    writeFileSync(join(dest, 'old.txt'), 'x');
    await expect(materializeTree(repo, commit, dest)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
