import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReproError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { checkout } from './checkout.js';
import { gc } from './gc.js';
import { makeYielder } from './hash.js';
import { fileRef, hashFileRef, hashPath, statPath, unsaved } from './hashpath.js';
import { check, has, readManifest, verify, verifyObject } from './inspect.js';
import { DEFAULT_LINK_TYPES, Linker } from './link.js';
import { ObjectStore } from './objects.js';
import { save } from './save.js';
import { StatCache } from './statcache.js';
import { SigStore } from './dirsig.js';
import { pathSignature } from './pathsig.js';
import type { Cache, CacheOptions, LinkType } from './types.js';

const LINK_TYPES: readonly LinkType[] = ['reflink', 'hardlink', 'symlink', 'copy'];

/**
 * Open the store at `opts.dir` (created on first write). Cheap: the stat cache is read on first
 * use. Relative paths are resolved against the current directory.
 */
export function openCache(opts: CacheOptions): Cache {
  const linkTypes = opts.linkTypes ?? DEFAULT_LINK_TYPES;
  for (const t of linkTypes) {
    if (!LINK_TYPES.includes(t)) {
      throw new ReproError('E_CONFIG', `unknown link type: '${t}'`, { hint: `use ${LINK_TYPES.join(', ')}` });
    }
  }
  const tick = makeYielder();
  const store = new ObjectStore(resolve(opts.dir), {
    shared: opts.shared,
    verifiedCache: opts.verifiedCache && resolve(opts.verifiedCache),
    tick,
  });
  let stats: StatCache | undefined;
  let sigs: SigStore | undefined;
  const ctx: Ctx = {
    store,
    linker: new Linker([...linkTypes], store),
    get stats() {
      return (stats ??= StatCache.load(opts.statCache && resolve(opts.statCache)));
    },
    get sigs() {
      return (sigs ??= SigStore.load(opts.statCache && `${resolve(opts.statCache)}.dirs`));
    },
    root: opts.root === undefined ? undefined : realpathSync(resolve(opts.root)),
    tick,
  };

  return {
    async hashFile(absPath) {
      const abs = resolve(absPath);
      const st = statPath(abs);
      if (!st) throw new ReproError('E_NOT_FOUND', `cannot hash a file that does not exist: '${abs}'`);
      if (!st.isFile()) throw new ReproError('E_CACHE', `cannot hash, not a regular file: '${abs}'`);
      return hashFileRef(ctx, fileRef(abs, st));
    },
    hashPath: (absPath) => hashPath(ctx, resolve(absPath)),
    pathSignature: (absPath, kind, tRef) => pathSignature(ctx, resolve(absPath), kind, tRef),
    save: (absPath) => save(ctx, resolve(absPath)),
    has: (hash) => has(ctx, hash),
    check: (hash, o) => check(ctx, hash, o),
    verifyObject: (hash) => verifyObject(ctx, hash),
    quarantine: (hash) => store.trust.quarantine(hash),
    unsaved: (absPath) => unsaved(ctx, resolve(absPath)),
    verify: (hash, o) => verify(ctx, hash, o),
    checkout: (hash, absDest) => checkout(ctx, hash, resolve(absDest)),
    readManifest: (hash) => readManifest(ctx, hash),
    objectPath: (hash) => store.objectPath(hash),
    gc: (keep, o) => gc(ctx, keep, o),
    flush: async () => {
      await stats?.flush();
      await sigs?.flush();
      await store.trust.flush();
    },
  };
}
