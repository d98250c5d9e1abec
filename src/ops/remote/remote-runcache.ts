import { sha256 } from '../../core/canonical.js';
import { ReproError } from '../../core/errors.js';
import type { LockOut } from '../../lock/index.js';
import { fetchObjects, readAll, runCacheKey } from '../../remote/index.js';
import type { RepoContext } from '../context.js';
import { writeRunCache } from '../run/runcache.js';
import { parseEntry } from './fetch.js';
import { openSession, type RemoteSession } from './session.js';

/**
 * The remote's run cache, for `repro run --pull`: before a stale stage executes, its key is
 * looked up on the remote (one GET of `runcache/<sha256(key)>.json`); on a hit every object the
 * entry names is fetched (hash-checked, remote/transfer.ts) and the entry is added to the local
 * run cache, so the scheduler restores the stage from there. A hit whose objects are not all on
 * the remote is a miss: the stage executes. The remote is opened on the first lookup only (a run
 * with nothing stale contacts nothing). The caller holds the repository lock.
 */
export interface RemoteRunCache {
  /** The remote's name, once opened. */
  readonly name: string | undefined;
  /** The entry for `key`, now in the local run cache and its objects in the local cache; null on a miss. */
  lookup(key: string, signal?: AbortSignal): Promise<Record<string, LockOut> | null>;
  close(): void;
}

export function remoteRunCache(ctx: RepoContext, remote?: string): RemoteRunCache {
  let session: Promise<RemoteSession> | undefined;
  let name: string | undefined;
  return {
    get name() {
      return name;
    },
    async lookup(key, signal) {
      session ??= openSession(ctx, { remote });
      const s = await session;
      name = s.spec.name;
      const file = runCacheKey(sha256(key));
      const obj = await s.backend.get(file);
      if (!obj) return null;
      let entry: { key: string; outs: Record<string, LockOut> };
      try {
        entry = parseEntry((await readAll(obj.body, 1 << 20)).toString('utf8'), file);
      } catch (e) {
        if (e instanceof ReproError || e instanceof SyntaxError) return null; // a malformed entry is a miss
        throw e;
      }
      if (entry.key !== key) return null;
      const res = await fetchObjects(
        s.backend,
        s.local,
        Object.values(entry.outs).map((o) => o.hash),
        { jobs: s.jobs, signal },
      );
      if (res.interrupted || res.missing.length || res.corrupt.length) return null;
      await writeRunCache(ctx.stateDir, key, entry.outs);
      return entry.outs;
    },
    close() {
      void session?.then((s) => s.backend.close()).catch(() => {});
    },
  };
}
