import { RUNS_PREFIX } from './commit.js';
import { catInfo, git, gitText } from './git.js';
import { mapLimit } from '../core/pool.js';
import type { RepoInfo } from './repoinfo.js';

/**
 * Sets of commits whose files name cache objects, for `repro push --all-branches` and
 * `repro gc -a/-T/-A/--runs`: the tips of branches, of tags (peeled; tags of non-commits
 * skipped), every commit reachable from any branch, tag or HEAD (`git rev-list`), or every run
 * commit. In a shallow clone the walk stops at the shallow boundary, as Git's does.
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
    const oids = (await gitText(repo.root, ['for-each-ref', '--format=%(objectname)', prefix])).split('\n').filter(Boolean);
    const peeled = await mapLimit(oids, 64, async (oid) => (await catInfo(repo.root, `${oid}^{commit}`))?.oid);
    return peeled.filter((c): c is string => c !== undefined); // a tag of a tree or blob is skipped
  };
  if (want.branches || want.allCommits) for (const c of await tips('refs/heads/')) out.add(c);
  if (want.tags || want.allCommits) for (const c of await tips('refs/tags/')) out.add(c);
  if (want.allCommits) {
    if (repo.head) out.add(repo.head);
    if (out.size) {
      const all = (await git(repo.root, ['rev-list', '--stdin'], { input: [...out].join('\n') + '\n' })).toString('utf8');
      for (const c of all.split('\n')) if (c) out.add(c);
    }
  }
  if (want.runs) for (const c of await tips(RUNS_PREFIX)) out.add(c);
  return [...out];
}
