import { git } from './git.js';
import type { RepoInfo } from './repoinfo.js';

/** One path that differs between HEAD, the index and the work tree, from `git status --porcelain=v2`. */
export interface StatusEntry {
  path: string;
  /** Mode 000000 when HEAD does not have the path. */
  head: { mode: string; oid: string };
  /** Mode 000000 when the index does not have it (staged deletion). */
  index: { mode: string; oid: string };
  /** The index entry differs from HEAD (always true for a conflicted path). */
  staged: boolean;
  /** Work tree against the index: `changed` needs hashing, `deleted` is gone (or became a directory). */
  worktree: 'same' | 'changed' | 'deleted';
  worktreeMode: string;
  /** A submodule (gitlink). */
  sub: boolean;
}

/**
 * Every tracked path that differs from HEAD in the index or the work tree, as Git sees it
 * (stat data trusted, racily clean entries re-hashed, filters and `core.fileMode` applied,
 * skip-worktree and assume-unchanged entries not looked at). Untracked files are not listed.
 * Reads only: the index is not refreshed on disk (`GIT_OPTIONAL_LOCKS=0`, see git.ts).
 */
export async function readStatus(repo: RepoInfo): Promise<StatusEntry[]> {
  const raw = await git(repo.root, ['status', '--porcelain=v2', '-z', '--untracked-files=no', '--no-renames']);
  const out: StatusEntry[] = [];
  for (const rec of raw.toString('utf8').split('\0')) {
    if (rec.startsWith('1 ')) {
      const f = fields(rec, 8);
      const [, xy, sub, mH, mI, mW, hH, hI] = f;
      const y = xy![1];
      out.push({
        path: f[8]!,
        head: { mode: mH!, oid: hH! },
        index: { mode: mI!, oid: hI! },
        staged: xy![0] !== '.',
        worktree: y === '.' ? 'same' : y === 'D' ? 'deleted' : 'changed',
        worktreeMode: mW!,
        sub: sub!.startsWith('S') || mI === '160000' || mH === '160000',
      });
    } else if (rec.startsWith('u ')) {
      // A conflicted path: its work-tree file is what the user resolved it to; "ours" is the HEAD side.
      const f = fields(rec, 10);
      const [, , sub, , m2, , mW, , h2] = f;
      out.push({
        path: f[10]!,
        head: { mode: m2!, oid: h2! },
        index: { mode: m2!, oid: h2! },
        staged: true,
        worktree: mW === '000000' ? 'deleted' : 'changed',
        worktreeMode: mW!,
        sub: sub!.startsWith('S'),
      });
    }
  }
  return out;
}

/** The first `n` space-separated fields, then the rest (a path may hold spaces). */
function fields(rec: string, n: number): string[] {
  const out: string[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const sp = rec.indexOf(' ', pos);
    out.push(rec.slice(pos, sp));
    pos = sp + 1;
  }
  out.push(rec.slice(pos));
  return out;
}
