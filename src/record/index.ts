/**
 * Run records as Git objects and refs. The only module that reads or writes Git (and the only
 * importer of isomorphic-git, loaded lazily, only to read packed objects). Records are opaque
 * to it: it stores files in trees and commits under `refs/repro/runs/<run-id>`.
 *
 * Writing a record:
 *
 *   const repo = await findRepo(cwd);
 *   const runId = newRunId();
 *   const tree = await snapshotTree({ repo, extraFiles: { 'repro.lock': lock, '.repro-run/record.json': json } });
 *   const commit = await writeRunCommit({ repo, runId, tree, message, parents: repo.head ? [repo.head] : [] });
 *
 * Reading: `listRuns`, `readCommitFile`, `listTreeFiles`, `materializeTree`; revisions through
 * `resolveRevision` and `firstParentHistory`. Git failures are ReproErrors: `E_NOT_GIT`,
 * `E_NOT_FOUND` (revision, object), `E_RECORD` (run ref clash), `E_LOCKED` (ref lock held), `E_GIT`.
 */
export { findRepo, type RepoInfo } from './repo.js';
export { newRunId, isValidRunId } from './runid.js';
export { snapshotTree, snapshotTreeAndDirty, isDirty, type SnapshotOptions, type WithheldFile } from './snapshot.js';
export { writeRunCommit, RUNS_PREFIX, type Identity, type WriteRunCommitOptions } from './commit.js';
export { listRuns, type RunRef } from './runs.js';
export { resolveRevision, firstParentHistory } from './revision.js';
export { listTreeFiles, readCommitFile, materializeTree, rootTreeOf, type TreeFile } from './tree.js';
