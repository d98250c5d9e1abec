import { lstatSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a run snapshot adds beyond its source commit, and the screening of it (see
 * `snapshotTreeAndDirty`): the tracked files whose content differs from that commit, and the
 * untracked declared inputs it includes.
 */

/** Names, for each file, the rule it matched (then it is withheld), or null. */
export type Screen = (files: { path: string; content: Uint8Array }[]) => Promise<(string | null)[]>;

export interface WithheldFile {
  path: string;
  /** The screening rule that matched; null for a file left out for its size. */
  rule: string | null;
  reason: string;
}

export interface SnapshotOutcome {
  /** Untracked files the snapshot holds (declared inputs), sorted. */
  untracked: string[];
  withheld: WithheldFile[];
}

/** An untracked input larger than this is left out: GitHub refuses blobs over 100 MB, and warns at 50. */
export const MAX_UNTRACKED_FILE = 50 * 2 ** 20;
/** At most this much untracked content per snapshot; files past it are left out. */
export const MAX_UNTRACKED_TOTAL = 200 * 2 ** 20;
/** Never part of a snapshot as untracked inputs. */
export const NEVER = ['.git', '.repro'];
/** Size-capped files listed one by one; past this many, one more entry counts the rest. */
const MAX_LISTED = 100;

/** A file the snapshot would hold beyond its source commit. */
export interface Candidate {
  path: string;
  tracked: boolean;
  /** Its work-tree content (a symlink's target), or the staged blob's. */
  content: Uint8Array;
  /** 100644, 100755 or 120000. */
  mode: string;
  /** True when the content is the work tree's (still to be hashed and written, through Git's clean filters). */
  fromWorktree: boolean;
}

/**
 * The untracked files at `paths` (from `git ls-files --others`), read, minus those over the
 * size caps (which are returned as withheld, rule null, and never read).
 */
export async function readUntracked(root: string, paths: string[]): Promise<{ files: Candidate[]; withheld: WithheldFile[] }> {
  const withheld: WithheldFile[] = [];
  const files: Candidate[] = [];
  let total = 0;
  let oversize = 0;
  for (const path of paths) {
    const abs = join(root, path);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st || (!st.isFile() && !st.isSymbolicLink())) continue;
    if (st.size > MAX_UNTRACKED_FILE || total + st.size > MAX_UNTRACKED_TOTAL) {
      const cap =
        st.size > MAX_UNTRACKED_FILE ? `${MAX_UNTRACKED_FILE / 2 ** 20} MiB a file` : `${MAX_UNTRACKED_TOTAL / 2 ** 20} MiB in all`;
      if (++oversize <= MAX_LISTED) withheld.push({ path, rule: null, reason: `untracked and over the snapshot's size cap (${cap})` });
      continue;
    }
    total += st.size;
    const link = st.isSymbolicLink();
    const content = link ? await readlink(abs, { encoding: 'buffer' }) : await readFile(abs);
    files.push({ path, tracked: false, content, mode: link ? '120000' : st.mode & 0o100 ? '100755' : '100644', fromWorktree: true });
  }
  if (oversize > MAX_LISTED) {
    const last = withheld[withheld.length - 1]!;
    last.reason += `; ${oversize - MAX_LISTED} more untracked inputs over the cap are not listed`;
  }
  return { files, withheld };
}

/**
 * Pass every candidate through `screen`; those it names a rule for are withheld (a tracked
 * one keeps its content at the source commit when `hasBefore` says the commit has it, else it
 * is left out; an untracked one is left out). Returns the kept candidates and the withheld list.
 */
export async function screenCandidates(
  candidates: Candidate[],
  screen: Screen | undefined,
  hasBefore: (path: string) => boolean,
): Promise<{ kept: Candidate[]; withheld: WithheldFile[] }> {
  const rules = screen && candidates.length ? await screen(candidates.map((c) => ({ path: c.path, content: c.content }))) : [];
  const kept: Candidate[] = [];
  const withheld: WithheldFile[] = [];
  candidates.forEach((c, i) => {
    const rule = rules[i] ?? null;
    if (rule === null) {
      kept.push(c);
      return;
    }
    const keptWhat = c.tracked && hasBefore(c.path) ? 'its content at the source commit is recorded instead' : 'left out of the snapshot';
    withheld.push({ path: c.path, rule, reason: `looks like it holds a credential (rule ${rule}); ${keptWhat}` });
  });
  return { kept, withheld };
}

export function byPath<T extends { path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
