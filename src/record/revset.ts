import { isReproError } from '../core/errors.js';
import { RUNS_PREFIX } from './commit.js';
import { peelToCommit, readCommit } from './read.js';
import { listRefs } from './refs.js';
import type { RepoInfo } from './repoinfo.js';

/**
 * Sets of commits whose files name cache objects, for `repro push --all-branches` and
 * `repro gc -a/-T/-A/--runs`: the tips of branches, of tags (peeled; tags of non-commits
 * skipped), every commit reachable from any branch, tag or HEAD, or every run commit.
 * In a shallow clone the walk stops at the commits whose parents are absent.
 */
export interface RevisionSet {
  branches?: boolean;
  tags?: boolean;
  allCommits?: boolean;
  runs?: boolean;
}

export async function listRevisionCommits(repo: RepoInfo, want: RevisionSet): Promise<string[]> {
  const out = new Set<string>();
  const tips = async (prefix: string): Promise<string[]> => {
    const res: string[] = [];
    for (const oid of (await listRefs(repo, prefix)).values()) {
      try {
        res.push((await peelToCommit(repo, oid)).oid);
      } catch (e) {
        if (!isReproError(e, 'E_NOT_FOUND')) throw e; // a tag of a tree or blob
      }
    }
    return res;
  };
  if (want.branches || want.allCommits) for (const c of await tips('refs/heads/')) out.add(c);
  if (want.tags || want.allCommits) for (const c of await tips('refs/tags/')) out.add(c);
  if (want.allCommits) {
    if (repo.head) out.add(repo.head);
    const stack = [...out];
    while (stack.length) {
      const c = stack.pop()!;
      let parents: string[];
      try {
        parents = (await readCommit(repo, c)).parents;
      } catch (e) {
        if (isReproError(e, 'E_NOT_FOUND') && repo.shallow) {
          out.delete(c); // beyond the shallow boundary
          continue;
        }
        throw e;
      }
      for (const p of parents) {
        if (out.has(p)) continue;
        out.add(p);
        stack.push(p);
      }
    }
  }
  if (want.runs) for (const c of await tips(RUNS_PREFIX)) out.add(c);
  return [...out];
}
