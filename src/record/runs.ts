import { RUNS_PREFIX } from './commit.js';
import { mapLimit } from '../core/pool.js';
import { readCommit } from './read.js';
import { listRefs } from './refs.js';
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

/** Every run under `refs/repro/runs/`, loose and packed, newest id first. */
export async function listRuns(repo: RepoInfo): Promise<RunRef[]> {
  const refs = [...(await listRefs(repo, RUNS_PREFIX))];
  const runs = await mapLimit(refs, 16, async ([name, oid]) => {
    const c = await readCommit(repo, oid);
    return { id: name.slice(RUNS_PREFIX.length), commit: oid, parent: c.parents[0] ?? null, time: c.time };
  });
  return runs.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
