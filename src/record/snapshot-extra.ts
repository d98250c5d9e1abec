import { lstatSync, readdirSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../core/errors.js';
import type { WithheldFile } from '../model/record.js';
import { hashObject } from './objects.js';
import { peel } from './read.js';
import type { RepoInfo } from './repoinfo.js';
import type { Leaf } from './treebuild.js';

/**
 * What a run snapshot adds beyond its source commit, and the screening of it (see
 * `snapshotTreeAndDirty`): the tracked files whose content differs from that commit, and the
 * untracked declared inputs it includes.
 */

/** Names, for each file, the rule it matched (then it is withheld), or null. */
export type Screen = (files: { path: string; content: Uint8Array }[]) => Promise<(string | null)[]>;

export type { WithheldFile };

export interface SnapshotOutcome {
  /** Untracked files the snapshot holds (declared inputs), sorted. */
  untracked: string[];
  withheld: WithheldFile[];
}

/** An untracked input larger than this is left out: GitHub refuses blobs over 100 MB, and warns at 50. */
export const MAX_UNTRACKED_FILE = 50 * 2 ** 20;
/** At most this much untracked content per snapshot; files past it are left out. */
export const MAX_UNTRACKED_TOTAL = 200 * 2 ** 20;
const NEVER = ['.git', '.repro'];
/** Size-capped files listed one by one; past this many, one more entry counts the rest. */
const MAX_LISTED = 100;

interface Candidate {
  path: string;
  tracked: boolean;
  content: Uint8Array;
  leaf: Leaf;
}

/**
 * The final leaves (withheld files replaced or dropped, untracked inputs added), the blobs to
 * write (changed and untracked contents that were kept), and what was included and withheld.
 */
export async function addBeyondSource(o: {
  repo: RepoInfo;
  leaves: [string, Leaf][];
  head: Map<string, Leaf>;
  contents: Map<string, Uint8Array>;
  include: string[];
  exclude: (path: string) => boolean;
  /** Paths the extra files replace: neither screened nor included. */
  replaced: Set<string>;
  screen?: Screen;
}): Promise<{ leaves: [string, Leaf][]; write: [string, Uint8Array][]; outcome: SnapshotOutcome }> {
  const tracked = new Set(o.leaves.map(([p]) => p));
  const candidates: Candidate[] = [];
  for (const [path, leaf] of o.leaves) {
    if (leaf.mode === '160000' || leaf.mode === '040000' || o.replaced.has(path)) continue;
    const before = o.head.get(path);
    if (before && before.oid === leaf.oid && before.mode === leaf.mode) continue;
    candidates.push({ path, tracked: true, leaf, content: o.contents.get(path) ?? (await storedContent(o.repo, path, leaf)) });
  }

  const withheld: WithheldFile[] = [];
  let total = 0;
  let oversize = 0;
  const untracked: Candidate[] = [];
  for (const path of untrackedFiles(o.repo.root, o.include, (p) => tracked.has(p) || o.replaced.has(p) || o.exclude(p))) {
    const abs = join(o.repo.root, path);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st || (!st.isFile() && !st.isSymbolicLink())) continue;
    if (st.size > MAX_UNTRACKED_FILE || total + st.size > MAX_UNTRACKED_TOTAL) {
      const cap =
        st.size > MAX_UNTRACKED_FILE ? `${MAX_UNTRACKED_FILE / 2 ** 20} MiB a file` : `${MAX_UNTRACKED_TOTAL / 2 ** 20} MiB in all`;
      if (++oversize <= MAX_LISTED) withheld.push({ path, rule: null, reason: `untracked and over the snapshot's size cap (${cap})` });
      continue;
    }
    total += st.size;
    const mode = st.isSymbolicLink() ? '120000' : st.mode & 0o100 ? '100755' : '100644';
    const content = st.isSymbolicLink() ? await readlink(abs, { encoding: 'buffer' }) : await readFile(abs);
    untracked.push({ path, tracked: false, content, leaf: { mode, oid: hashObject('blob', content) } });
  }
  if (oversize > MAX_LISTED) {
    const last = withheld[withheld.length - 1]!;
    last.reason += `; ${oversize - MAX_LISTED} more untracked inputs over the cap are not listed`;
  }
  candidates.push(...untracked);

  const rules = o.screen && candidates.length ? await o.screen(candidates.map((c) => ({ path: c.path, content: c.content }))) : [];
  const out = new Map(o.leaves);
  const write: [string, Uint8Array][] = [];
  candidates.forEach((c, i) => {
    const rule = rules[i] ?? null;
    if (rule !== null) {
      const before = c.tracked ? o.head.get(c.path) : undefined;
      if (before) out.set(c.path, before);
      else out.delete(c.path);
      const kept = before ? 'its content at the source commit is recorded instead' : 'left out of the snapshot';
      withheld.push({ path: c.path, rule, reason: `looks like it holds a credential (rule ${rule}); ${kept}` });
      return;
    }
    if (!c.tracked) out.set(c.path, c.leaf);
    if (!c.tracked || o.contents.has(c.path)) write.push([c.path, c.content]);
  });
  withheld.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const kept = untracked.filter((c) => out.get(c.path) === c.leaf).map((c) => c.path);
  return { leaves: [...out], write, outcome: { untracked: kept.sort(), withheld } };
}

/** A tracked file's content whose stat proved it equal to the index: the work tree has it, else the object store. */
async function storedContent(repo: RepoInfo, path: string, leaf: Leaf): Promise<Uint8Array> {
  try {
    return leaf.mode === '120000' ? await readlink(join(repo.root, path), { encoding: 'buffer' }) : await readFile(join(repo.root, path));
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR') && !isErrno(e, 'EISDIR')) throw e;
  }
  return (await peel(repo, leaf.oid)).content; // sparse checkout, assume-unchanged
}

/** Files (and symlinks) at or under each of `paths` that `skip` does not claim, sorted, each once. */
function untrackedFiles(root: string, paths: string[], skip: (path: string) => boolean): string[] {
  const found = new Set<string>();
  const walk = (rel: string): void => {
    if (NEVER.some((n) => rel === n || rel.startsWith(n + '/')) || skip(rel)) return;
    const st = lstatSync(join(root, rel), { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) {
      found.add(rel);
      return;
    }
    let names: string[];
    try {
      names = readdirSync(join(root, rel));
    } catch (e) {
      if (isErrno(e, 'EACCES')) return;
      throw e;
    }
    for (const n of names) walk(`${rel}/${n}`);
  };
  for (const p of paths) if (p !== '' && p !== '.') walk(p);
  return [...found].sort();
}
