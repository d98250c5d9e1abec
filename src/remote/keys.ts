/**
 * Where things live on a remote, the same layout as the local cache (so a directory remote is
 * also a cache directory another clone can use as `cache.dir`):
 *   objects/<2 hex>/<62 hex>[.dir]   cache objects, named by content hash
 *   runcache/<64 hex>.json           run-cache entries, named by sha256 of the stage key
 *   repro-epoch                      changes whenever `repro gc --cloud` removes objects, so a
 *                                    clone's memory of what the remote holds is dropped
 * Keys read back from a listing are parsed here and nowhere else; anything that does not parse
 * is not ours and is ignored, so a hostile listing cannot name a path.
 */

export const OBJECTS_PREFIX = 'objects/';
export const RUNCACHE_PREFIX = 'runcache/';
export const EPOCH_KEY = 'repro-epoch';

const HASH = /^[0-9a-f]{64}(\.dir)?$/;
const OBJECT_KEY = /^objects\/([0-9a-f]{2})\/([0-9a-f]{62}(?:\.dir)?)$/;
const RUNCACHE_KEY = /^runcache\/([0-9a-f]{64})\.json$/;

export function isObjectHash(h: string): boolean {
  return HASH.test(h);
}

/** `objects/ab/cdef…` for a valid hash; throws for anything else (a bug in the caller). */
export function objectKey(hash: string): string {
  if (!HASH.test(hash)) throw new Error(`invalid object hash: '${hash}'`);
  return OBJECTS_PREFIX + objectRel(hash);
}

/** `ab/cdef…`: where an object is under an objects directory, the remote's and the cache's alike. */
export function objectRel(hash: string): string {
  return `${hash.slice(0, 2)}/${hash.slice(2)}`;
}

/** `<dir>/ab/cdef…`: the object's file under the objects directory `dir`. */
export function objectFile(dir: string, hash: string): string {
  return `${dir}/${objectRel(hash)}`;
}

/** The hash a listed key names, or undefined for a key that is not a cache object. */
export function parseObjectKey(key: string): string | undefined {
  const m = OBJECT_KEY.exec(key);
  return m ? m[1]! + m[2]! : undefined;
}

export function runCacheKey(keyHash: string): string {
  if (!/^[0-9a-f]{64}$/.test(keyHash)) throw new Error(`invalid run-cache key hash: '${keyHash}'`);
  return `${RUNCACHE_PREFIX}${keyHash}.json`;
}

export function parseRunCacheKey(key: string): string | undefined {
  return RUNCACHE_KEY.exec(key)?.[1];
}

/** The 256 fan-out prefixes, listed concurrently instead of one long sequential listing. */
export function objectFanout(): string[] {
  return Array.from({ length: 256 }, (_, i) => `${OBJECTS_PREFIX}${i.toString(16).padStart(2, '0')}/`);
}
