/**
 * The content-addressed object store: hashing, atomic storage, directory manifests,
 * link/checkout, the stat cache and gc. Usable on its own: it knows nothing of stages or Git.
 *
 * On disk, under `dir`: `objects/<2 hex>/<62 hex>` (file content, read-only), the same with a
 * `.dir` suffix for directory manifests (manifest.ts), `tmp/` for snapshots being stored.
 * Module map: cache.ts (`openCache`), hash.ts (reading + sha256), statcache.ts, walk.ts (listing
 * an output; the in-output symlink policy), hashpath.ts (hash without storing), save.ts,
 * objects.ts (atomic put), link.ts (link types and their trade-off), checkout.ts, inspect.ts
 * (`has`, `verify`, `readManifest`), gc.ts.
 */
export type { Cache, CacheOptions, LinkType, ManifestEntry, PathInfo, VerifyResult } from './types.js';
export { openCache } from './cache.js';
export { WalkError, type WalkRole } from './walk.js';
export { benchHashFile, CHUNK_BYTES } from './hash.js';
export { encodeManifest, manifestHash, isDirHash } from './manifest.js';
export { objectIo, type ObjectIo } from './transfer-io.js';
