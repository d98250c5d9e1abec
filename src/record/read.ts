import { ReproError } from '../core/errors.js';
import { readObject, type GitObject } from './isogit.js';
import type { RepoInfo } from './repoinfo.js';

/** Parsed commits, trees and tags, read through `readObject` (loose or packed). */

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  /** Committer time, seconds since the epoch. */
  time: number;
}

export interface TreeEntry {
  name: string;
  oid: string;
  /** Normalised to six digits: 040000 for a subtree, 100644, 100755, 120000, 160000. */
  mode: string;
}

export function parseCommit(oid: string, content: Uint8Array): CommitInfo {
  const text = Buffer.from(content).toString('utf8');
  const headerEnd = text.indexOf('\n\n');
  const info: CommitInfo = { oid, tree: '', parents: [], time: 0 };
  for (const line of text.slice(0, headerEnd < 0 ? text.length : headerEnd).split('\n')) {
    if (line.startsWith('tree ')) info.tree = line.slice(5);
    else if (line.startsWith('parent ')) info.parents.push(line.slice(7));
    else if (line.startsWith('committer ')) info.time = Number(/ (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0);
  }
  if (!/^[0-9a-f]{40}$/.test(info.tree)) throw new ReproError('E_GIT', `malformed commit: '${oid}'`);
  return info;
}

/**
 * A tree's entries. A tree is untrusted input (a pushed run ref can hold any objects): an entry
 * name that is empty, `.`, `..`, or holds `/` or NUL, and a name listed twice, are `E_GIT`, as
 * `git fsck` reports them, so no reader can be led to write one path twice or outside the tree.
 */
export function parseTree(oid: string, content: Uint8Array): TreeEntry[] {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const entries: TreeEntry[] = [];
  const seen = new Set<string>();
  for (let pos = 0; pos < buf.length;) {
    const space = buf.indexOf(0x20, pos);
    const nul = buf.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > buf.length) throw new ReproError('E_GIT', `malformed tree: '${oid}'`);
    const name = buf.toString('utf8', space + 1, nul);
    if (name === '' || name === '.' || name === '..' || name.includes('/'))
      throw new ReproError('E_GIT', `unsafe path in git tree ${oid}: '${name}'`);
    if (seen.has(name)) throw new ReproError('E_GIT', `duplicate entry in git tree ${oid}: '${name}'`);
    seen.add(name);
    entries.push({ mode: buf.toString('latin1', pos, space).padStart(6, '0'), name, oid: buf.toString('hex', nul + 1, nul + 21) });
    pos = nul + 21;
  }
  return entries;
}

export async function readCommit(repo: RepoInfo, oid: string): Promise<CommitInfo> {
  const obj = await readObject(repo, oid);
  if (obj.type !== 'commit') throw new ReproError('E_NOT_FOUND', `not a commit: '${oid}'`);
  return parseCommit(oid, obj.content);
}

export async function readTree(repo: RepoInfo, oid: string): Promise<TreeEntry[]> {
  const obj = await readObject(repo, oid);
  if (obj.type !== 'tree') throw new ReproError('E_GIT', `not a tree: '${oid}'`);
  return parseTree(oid, obj.content);
}

/** Follow annotated tags down to the object they name. */
export async function peel(repo: RepoInfo, oid: string): Promise<GitObject & { oid: string }> {
  for (let depth = 0; depth < 20; depth++) {
    const obj = await readObject(repo, oid);
    if (obj.type !== 'tag') return { oid, ...obj };
    const m = /^object ([0-9a-f]{40})$/m.exec(Buffer.from(obj.content).toString('utf8'));
    if (!m) throw new ReproError('E_GIT', `malformed tag: '${oid}'`);
    oid = m[1]!;
  }
  throw new ReproError('E_GIT', `tag chain too long: '${oid}'`);
}

/** The commit `oid` names, peeling tags; anything else is `E_NOT_FOUND` (not a commit). */
export async function peelToCommit(repo: RepoInfo, oid: string): Promise<CommitInfo> {
  const target = await peel(repo, oid);
  if (target.type !== 'commit') throw new ReproError('E_NOT_FOUND', `not a commit: '${oid}'`);
  return parseCommit(target.oid, target.content);
}
