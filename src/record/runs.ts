import { ReproError } from '../core/errors.js';
import { RUNS_PREFIX } from './commit.js';
import { git } from './git.js';
import type { RepoInfo } from './repoinfo.js';

export interface RunRef {
  /** The run id, the ref name after `refs/repro/runs/`. */
  id: string;
  commit: string;
  /** First parent: the commit the run started from; null for a run before the first commit. */
  parent: string | null;
  /** Commit time, seconds since the epoch. */
  time: number;
}

/**
 * Every run under `refs/repro/runs/` (any ref backend, packed or not), newest id first: one
 * `git for-each-ref`, which also reads each commit's parent and time. A run ref naming
 * something other than a commit is `E_NOT_FOUND`.
 */
export async function listRuns(repo: RepoInfo): Promise<RunRef[]> {
  const format = '%(refname)%00%(objectname)%00%(objecttype)%00%(parent)%00%(committerdate:unix)';
  const raw = (await git(repo.root, ['for-each-ref', `--format=${format}`, RUNS_PREFIX])).toString('utf8');
  const runs: RunRef[] = [];
  for (const line of raw.split('\n')) {
    if (line === '') continue;
    const [name, oid, type, parents, time] = line.split('\0') as [string, string, string, string, string];
    if (type !== 'commit') throw new ReproError('E_NOT_FOUND', `not a commit: '${oid}'`);
    runs.push({ id: name.slice(RUNS_PREFIX.length), commit: oid, parent: parents.split(' ')[0] || null, time: Number(time) });
  }
  return runs.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
