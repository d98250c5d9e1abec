import { isReproError } from '../../core/errors.js';
import { LOCK_FILE, parseLock, readLock, type LockFile } from '../../lock/index.js';
import { loadPipeline } from '../../pipeline/index.js';
import { findRepo, readCommitFile } from '../../record/index.js';
import { listRevisionCommits, type RevisionSet } from '../../record/revset.js';
import { isObjectHash } from '../../remote/index.js';
import type { RepoContext } from '../context.js';

/**
 * The cache objects that the chosen revisions' repro.lock files name: the workspace's (unless
 * `workspace: false`), plus branch tips, tags, every commit, or every run record's lock. Hashes
 * from a lock are untrusted text: anything that is not an object name is skipped. Outputs the
 * workspace pipeline declares `cache: false` are left out (they are not in any cache).
 */
export interface NamedObjectsOptions extends RevisionSet {
  workspace?: boolean;
  /** Only these stages' outputs. */
  stages?: string[];
}

export interface NamedObjects {
  hashes: Set<string>;
  /** Revisions read (the workspace counts as one). */
  revisions: number;
}

export async function namedObjects(ctx: RepoContext, opts: NamedObjectsOptions): Promise<NamedObjects> {
  const hashes = new Set<string>();
  const only = opts.stages?.length ? new Set(opts.stages) : undefined;
  let uncached = new Set<string>();
  try {
    const p = await loadPipeline(ctx.root);
    uncached = new Set(p.stages.flatMap((s) => s.outs.filter((o) => !o.cache).map((o) => o.path)));
  } catch (e) {
    if (!isReproError(e)) throw e; // no or broken repro.yaml: every recorded output counts
  }
  const take = (lock: LockFile): void => {
    for (const [name, st] of Object.entries(lock.stages)) {
      if (only && !only.has(name)) continue;
      for (const [path, out] of Object.entries(st.out_hashes ?? {})) {
        if (!uncached.has(path) && typeof out?.hash === 'string' && isObjectHash(out.hash)) hashes.add(out.hash);
      }
    }
  };
  let revisions = 0;
  if (opts.workspace !== false) {
    take(await readLock(ctx.root));
    revisions++;
  }
  if (opts.branches || opts.tags || opts.allCommits || opts.runs) {
    const repo = await findRepo(ctx.root);
    for (const commit of await listRevisionCommits(repo, opts)) {
      const bytes = await readCommitFile(repo, commit, LOCK_FILE);
      if (!bytes) continue;
      try {
        take(parseLock(Buffer.from(bytes).toString('utf8'), `${commit.slice(0, 12)}:${LOCK_FILE}`));
        revisions++;
      } catch (e) {
        if (!isReproError(e)) throw e; // an unreadable lock in history names nothing we can use
      }
    }
  }
  return { hashes, revisions };
}
