import { resolve } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { diffFingerprints } from '../../env/index.js';
import { parseLock, LOCK_FILE } from '../../lock/index.js';
import { findRepo, readCommitFile } from '../../record/index.js';
import { openContext } from '../context.js';
import type { ReplayResult } from '../../model/records.js';
import { rerunIsolated, type IsolatedEvent } from '../isolated/engine.js';
import { currentFingerprint, readRecord, resolveRun } from './read.js';

export interface ReplayOptions {
  cwd: string;
  /** A run id or unique prefix. */
  run: string;
  /** Re-execute only these stages (their upstream is restored from the cache when possible). */
  stages?: string[];
  /** Keep the replay directory here (missing or empty). */
  keep?: string;
  signal?: AbortSignal;
  onEvent?: (e: IsolatedEvent) => void;
}

export type { ReplayResult };

/**
 * `repro replay RUN`: re-execute a recorded run from its own snapshot, in an isolated directory,
 * and compare every output with what the run's lock recorded. By default the stages the run
 * executed or restored; a run that executed nothing successfully has nothing to replay.
 */
export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const ctx = await openContext(opts.cwd);
  const repo = await findRepo(ctx.root);
  const run = await resolveRun(repo, opts.run);
  const record = await readRecord(repo, run);
  const lockBytes = await readCommitFile(repo, run.commit, LOCK_FILE);
  if (lockBytes === null) throw new ReproError('E_RECORD', `run has no ${LOCK_FILE} in its tree: '${run.id}'`);
  const lock = parseLock(Buffer.from(lockBytes).toString('utf8'), `${run.id}:${LOCK_FILE}`);
  let stages = opts.stages?.length ? opts.stages : undefined;
  if (!stages) {
    stages = Object.entries(record.stages)
      .filter(([name, s]) => (s.status === 'executed' || s.status === 'restored') && lock.stages[name])
      .map(([name]) => name);
    if (stages.length === 0) {
      throw new ReproError('E_NOT_FOUND', `run has no stage that succeeded, nothing to replay: '${run.id}'`, {
        hint: 'name a stage with --stage to re-run it against the lock the run kept',
      });
    }
  }
  const [env_diff, res] = await Promise.all([
    currentFingerprint(record.env, ctx.root).then((now) => diffFingerprints(record.env, now)),
    rerunIsolated({
      ctx,
      tree: run.commit,
      lock,
      stages,
      keep: opts.keep ? resolve(opts.cwd, opts.keep) : undefined,
      signal: opts.signal,
      onEvent: opts.onEvent,
    }),
  ]);
  return { run: { id: run.id, commit: run.commit, source_commit: run.parent }, env_diff, ...res };
}
