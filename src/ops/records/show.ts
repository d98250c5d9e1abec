import { diffFingerprints } from '../../env/index.js';
import { findRepo } from '../../record/index.js';
import type { ShowResult } from '../../model/records.js';
import { currentFingerprint, readRecord, resolveRun } from './read.js';

export interface ShowOptions {
  cwd: string;
  /** A run id, a unique prefix of one, or a run commit prefix. */
  run: string;
  /** Probe this machine and compare (default true). */
  compareEnv?: boolean;
}

export type { ShowResult };

/** `repro show RUN`: one record in full, and how this machine differs from the one it ran on. */
export async function show(opts: ShowOptions): Promise<ShowResult> {
  const repo = await findRepo(opts.cwd);
  const run = await resolveRun(repo, opts.run);
  const record = await readRecord(repo, run);
  const env_diff = opts.compareEnv === false ? [] : diffFingerprints(record.env, await currentFingerprint(record.env, repo.root));
  return { id: run.id, commit: run.commit, record, env_diff };
}
