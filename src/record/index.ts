/**
 * Run records as Git objects and refs. The only module that reads or writes Git, all of it
 * through the system `git` (`git.ts` starts every process: plumbing commands, and one
 * long-lived `cat-file --batch-command` per repository for reads), so any repository Git
 * accepts works: SHA-256, reftable, split or sparse index, `[include]`, clean filters (LFS).
 * Records are opaque to it: it stores files in trees and commits under `refs/repro/runs/<run-id>`.
 *
 * Writing a record:
 *
 *   const repo = await findRepo(cwd);
 *   const runId = newRunId();
 *   const tree = await snapshotTree({ repo, extraFiles: { 'repro.lock': lock, '.repro-run/record.json': json } });
 *   const commit = await writeRunCommit({ repo, runId, tree, message, parents: repo.head ? [repo.head] : [] });
 *
 * Reading: `listRuns`, `readRunFile`, `listTreeFiles`, `materializeTree`; revisions through
 * `resolveRevision` and `firstParentHistory`. Git failures are ReproErrors: `E_NOT_GIT`,
 * `E_NOT_FOUND` (revision, object), `E_RECORD` (run ref clash), `E_LOCKED` (ref lock held), `E_GIT`
 * (Git refused, with its reason; also when `git` is not installed).
 */
export { findRepo, type RepoInfo } from './repo.js';
export { newRunId, isValidRunId } from './runid.js';
export { snapshotTree, snapshotTreeAndDirty, isDirty, type SnapshotOptions, type WithheldFile } from './snapshot.js';
export { writeRunCommit, RUNS_PREFIX, type Identity, type WriteRunCommitOptions } from './commit.js';
export { listRuns, type RunRef } from './runs.js';
export { resolveRevision, firstParentHistory } from './revision.js';
export { listTreeFiles, readRunFile, materializeTree, rootTreeOf, type TreeFile } from './tree.js';
