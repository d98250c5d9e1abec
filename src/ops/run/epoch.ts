import { findRepo, readCommit } from '../../record/index.js';
import type { RepoContext } from '../context.js';

/**
 * `SOURCE_DATE_EPOCH` for stage commands (reproducible-builds.org's variable: tools that honour
 * it — gzip's and tar's callers, Sphinx, pandoc, many compilers — stamp that time instead of the
 * wall clock). It is the committer time of the commit the work tree is checked out from, so every
 * run of one commit gets the same value; with no commit yet, FALLBACK_EPOCH. A value the caller
 * already exports wins (a release process that fixes it itself). `.exprc` `run.source_date_epoch:
 * false` turns it off.
 *
 * Not part of the stage key: the value changes with every commit, and a key that did would make
 * every stage stale after each commit. It is recorded instead (`source_date_epoch` in the lock
 * entry and the run record), and `verify --rerun` re-runs a stage with the value it recorded.
 */

/** 1980-01-01T00:00:00Z: the earliest time a ZIP header can hold, the usual fallback. */
export const FALLBACK_EPOCH = 315532800;

export const EPOCH_VAR = 'SOURCE_DATE_EPOCH';

/** The value to give, or null when turned off. Read once per run, when the first stage executes. */
export async function sourceDateEpoch(ctx: RepoContext, env: NodeJS.ProcessEnv): Promise<number | null> {
  if (!ctx.config.run.source_date_epoch) return null;
  const given = env[EPOCH_VAR];
  if (given !== undefined && /^\d{1,12}$/.test(given)) return Number(given);
  const repo = await findRepo(ctx.root);
  if (repo.head === null) return FALLBACK_EPOCH;
  const time = (await readCommit(repo, repo.head)).time;
  return time > 0 ? time : FALLBACK_EPOCH;
}
