/**
 * Cache remotes: storage backends for cache objects (a directory, or S3 through
 * `@aws-sdk/client-s3`, loaded only when an S3 remote is opened) and the transfer loop that
 * moves objects between them and the local cache. Knows nothing of stages, locks or Git.
 *
 *   const backend = await openBackend(spec, root);
 *   try {
 *     const known = KnownSet.load(stateDir, spec.url, await readEpoch(backend));
 *     await pushObjects(backend, local, hashes, known, { jobs: 16 });
 *   } finally { backend.close(); }
 *
 * Module map: types.ts (the Backend interface), keys.ts (layout; parsing listed keys), dir.ts,
 * s3.ts, open.ts (URL → backend), known.ts (what a remote is known to hold), transfer.ts (push and
 * fetch loops), pool.ts, epoch.ts, errors.ts.
 */
export type { Backend, RemoteEntry, RemoteObject, RemoteSpec } from './types.js';
export { openBackend, remoteKind, dirRemotePath, type RemoteKind } from './open.js';
export { KnownSet } from './known.js';
export { pushObjects, listObjects, LIST_THRESHOLD, type LocalObjects, type Progress, type PushResult } from './transfer.js';
export { fetchObjects, type FetchResult } from './fetch.js';
export { readEpoch, newEpoch } from './epoch.js';
export { objectKey, parseObjectKey, runCacheKey, parseRunCacheKey, RUNCACHE_PREFIX, isObjectHash } from './keys.js';
export { remoteError } from './errors.js';
export { runPool } from './pool.js';
export { readAll } from './read.js';
