import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findRepo, listTreeFiles } from '../../src/record/index.js';
import { git, makeRepo } from './helpers.js';

// A git tree from a pushed run ref is untrusted: listTreeFiles refuses what `git fsck` refuses
// (names that are not one path segment, a name listed twice), for every reader at once. The
// trees are written with `git hash-object --literally`, as anyone could push them.

function crafted(root: string, ...entries: [mode: string, name: string][]): string {
  const blob = git(root, 'hash-object', '-w', '--stdin');
  const oid = Buffer.from(blob.length ? blob : git(root, 'rev-parse', 'HEAD:a.txt'), 'hex');
  const sub = Buffer.from(git(root, 'rev-parse', 'HEAD^{tree}'), 'hex');
  const body = Buffer.concat(
    entries.map(([mode, name]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), mode === '40000' ? sub : oid])),
  );
  return execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { cwd: root, input: body }).toString().trim();
}

describe('listTreeFiles on crafted trees', () => {
  it('reads modes, paths and ids, in the order the tree holds them', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    const files = await listTreeFiles(repo, crafted(root, ['100644', 'a.txt'], ['40000', 'sub'], ['120000', 'link']));
    expect(files.map((f) => [f.mode, f.path])).toEqual([
      ['100644', 'a.txt'],
      ['100644', 'sub/a.txt'],
      ['120000', 'link'],
    ]);
  });

  it.each(['..', '.', '.git', '.GIT', 'a\\b'])('refuses the entry name %j', async (name) => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    await expect(listTreeFiles(repo, crafted(root, ['100644', name], ['100644', 'ok']))).rejects.toMatchObject({ code: 'E_GIT' });
  });

  it('refuses a name listed twice, whatever the modes', async () => {
    const root = makeRepo({ 'a.txt': 'a' });
    const repo = await findRepo(root);
    await expect(listTreeFiles(repo, crafted(root, ['100644', 'in.txt'], ['100644', 'in.txt']))).rejects.toMatchObject({
      code: 'E_GIT',
    });
    await expect(listTreeFiles(repo, crafted(root, ['120000', 'data'], ['40000', 'data']))).rejects.toMatchObject({ code: 'E_GIT' });
  });
});
