import { join } from 'node:path';
import { cacheDirOf } from '../../config/config.js';
import { objectIo } from '../../cache/index.js';
import { isReproError } from '../../core/errors.js';
import { acquireRepoLock } from '../../core/repolock.js';
import { fetchObjects, isObjectHash, type FetchResult } from '../../remote/index.js';
import type { RepoContext } from '../context.js';
import { defaultRemote } from './available.js';
import { openSession } from './session.js';

/**
 * Bring `hashes` (objects a re-run needs: upstream outputs, recorded inputs) into the local cache
 * from the default remote, for `repro verify --rerun` and `repro replay`. Only objects the local
 * cache lacks (for a directory: its manifest or a file it names) are asked for, so with
 * everything local, or no default remote configured, nothing is contacted: null. What the remote
 * does not have either is left out silently: the re-run then executes that upstream stage itself.
 * Holds the repository lock while it writes into the cache, as `repro fetch` does.
 */
export async function prefetch(ctx: RepoContext, hashes: Iterable<string>, signal?: AbortSignal): Promise<FetchResult | null> {
  const io = objectIo(cacheDirOf(ctx.root, ctx.config));
  const lacking = (h: string): boolean => {
    if (!io.stat(h)) return true;
    if (!h.endsWith('.dir')) return false;
    try {
      return io.members(h).some((m) => io.stat(m.hash)?.size !== m.size);
    } catch (e) {
      if (isReproError(e, 'E_CACHE')) return true;
      throw e;
    }
  };
  const want = [...new Set(hashes)].filter((h) => isObjectHash(h) && lacking(h));
  if (!want.length) return null;
  const spec = await defaultRemote(ctx.root);
  if (!spec) return null;
  const held = await acquireRepoLock(join(ctx.stateDir, 'lock'), { command: 'fetch' });
  try {
    const s = await openSession(ctx, { remote: spec.name, signal });
    try {
      return await fetchObjects(s.backend, s.local, want, { jobs: s.jobs, signal });
    } finally {
      s.backend.close();
      await ctx.cache.flush();
    }
  } finally {
    await held.release();
  }
}
