/**
 * The content-addressed object store: hashing, atomic storage, directory manifests,
 * link/checkout, the stat cache and gc. Usable on its own: it knows nothing of stages or Git.
 *
 * On disk, under `dir`: `objects/<2 hex>/<62 hex>` (file content, read-only), the same with a
 * `.dir` suffix for directory manifests (manifest.ts), `tmp/` for snapshots being stored.
 * Module map: cache.ts (`openCache`), hash.ts (reading + sha256), statcache.ts, walk.ts (listing
 * an output; the in-output symlink policy), hashpath.ts (hash without storing), save.ts,
 * objects.ts (atomic put), link.ts (link types and their trade-off), checkout.ts, inspect.ts
 * (`has`, `check`, `verify`, `readManifest`), trust.ts (verifying and quarantining objects), gc.ts.
 *
 * Trust: no object is served until its content has been seen to hash to its name (trust.ts);
 * a verification is remembered under the object's stat, so repeated use does not re-read it.
 * `checkout` verifies what it places and throws `ObjectError` (`E_CACHE`, `.problem`
 * 'missing' | 'corrupt', `.objects` with each hash and path) before touching the destination;
 * `save` replaces a bad object instead of keeping it. Bad objects are moved into `<dir>/bad/`.
 * For a transfer module (remotes), the pieces to reuse:
 *   const r = await cache.check(hash);          // verify the object (+ manifest members); bad ones moved aside
 *   for (const b of r.corrupt) refetch(b.hash); // r.missing likewise
 *   await cache.verifyObject(hash);             // one object, by its name: 'good' | 'missing' | 'corrupt'
 *   cache.quarantine(hash);                     // this object is bad: never serve it again
 */
export type {
  BadObject,
  Cache,
  CacheOptions,
  CheckResult,
  LinkType,
  ManifestEntry,
  ObjectState,
  PathInfo,
  PathSig,
  SigKind,
  CacheVerifyResult,
} from './types.js';
export { ObjectError } from './trust.js';
export { openCache } from './cache.js';
export { WalkError, type WalkRole } from './walk.js';
export { benchHashFile, CHUNK_BYTES } from './hash.js';
export { encodeManifest, manifestHash, isDirHash, parseManifest } from './manifest.js';
export { objectIo, type ObjectIo } from './transfer-io.js';
