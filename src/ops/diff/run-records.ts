import { isReproError } from '../../core/errors.js';
import type { LockFile } from '../../lock/index.js';
import { listRuns, type RepoInfo, type RunRef } from '../../record/index.js';
import type { RunRecord } from '../records/write.js';
import { mapLimit } from '../../core/pool.js';
import { readRecord } from '../records/read.js';
import { seedlessKey } from '../run/seedless.js';

/** Run records read back from `refs/repro/runs/*`, and which of them belong to a repro.lock. */

export interface LoadedRun {
  ref: RunRef;
  record: RunRecord;
}

/** Records are immutable (a commit's content), so they are cached by commit id for the process. */
const byCommit = new Map<string, RunRecord | null>();

/**
 * Every run whose record this build reads, newest first. A run with a missing, malformed or newer
 * record is skipped here (`repro show` reports it): one bad ref must not stop a comparison.
 */
export async function loadRuns(repo: RepoInfo): Promise<LoadedRun[]> {
  const refs = await listRuns(repo);
  await mapLimit(
    refs.filter((r) => !byCommit.has(r.commit)),
    16,
    async (ref) => {
      try {
        byCommit.set(ref.commit, await readRecord(repo, ref));
      } catch (e) {
        if (!isReproError(e, 'E_RECORD')) throw e;
        byCommit.set(ref.commit, null);
      }
    },
  );
  return refs.flatMap((ref) => {
    const record = byCommit.get(ref.commit);
    return record ? [{ ref, record }] : [];
  });
}

/**
 * The seed a run's metrics belong to: the `--seed` it ran with, else the seed of a stage that
 * writes a metrics file, else of any seeded stage; null when no stage had a seed.
 */
export function runSeed(record: RunRecord): number | null {
  if (record.seed !== null && record.seed !== undefined) return record.seed;
  const stages = Object.values(record.stages);
  const writesMetrics = stages.find((s) => s.seed !== null && Object.values(s.components?.outs ?? {}).includes('metric'));
  return writesMetrics?.seed ?? stages.find((s) => s.seed !== null)?.seed ?? null;
}

/**
 * True when a successful run produced what `lock` records, up to the seed: every stage of the
 * lock is in the record with the same key once the seed is left out (a frozen stage: the same
 * key). Matching by key rather than by parent commit finds the runs of a commit made after them.
 */
export function runMatchesLock(record: RunRecord, lock: LockFile): boolean {
  const names = Object.keys(lock.stages);
  if (record.status !== 'ok' || names.length === 0) return false;
  return names.every((name) => {
    const rs = record.stages[name];
    const entry = lock.stages[name]!;
    if (!rs) return false;
    if (rs.components) return seedlessKey(rs.components) === seedlessKey(entry);
    return rs.key !== null && rs.key === entry.key;
  });
}
