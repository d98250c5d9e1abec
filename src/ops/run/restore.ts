/**
 * Restoring a stage from the run cache instead of executing it: which recorded outputs may be
 * restored (all declared, all cached and good), and putting them in place. Used by the scheduler.
 */
import { hostname } from 'node:os';
import { ObjectError } from '../../cache/index.js';
import { absPath } from '../../core/paths.js';
import type { LockOut, LockStage } from '../../lock/index.js';
import type { Reason } from '../../model/stage.js';
import type { Stage } from '../../pipeline/index.js';
import type { RepoContext } from '../context.js';
import { refuseAcross } from './observed.js';
import { readRunCache, runCacheHost } from './runcache.js';

/**
 * Outputs recorded for `key` in the run cache, when every one is in the object cache and good
 * (verified: cheap after the first time); `bad` reasons when a recorded object is missing a
 * member or is corrupt (moved aside by the cache), or when the entry is another machine's and the
 * stage was observed to depend on the machine (observed.ts), so the stage re-executes instead.
 */
export async function restorable(
  ctx: RepoContext,
  stage: Stage,
  key: string,
  entry: LockStage | undefined,
): Promise<{ outs: Record<string, LockOut> } | { bad: Reason[] } | null> {
  if (stage.outs.length === 0 || stage.outs.some((o) => !o.cache)) return null;
  const outs = await readRunCache(ctx.stateDir, key);
  if (!outs) return null;
  // Another machine's outputs of a stage observed to depend on the machine: run it here, saying why.
  const elsewhere = refuseAcross(stage, entry, runCacheHost(ctx.stateDir, key), hostname());
  if (elsewhere) return { bad: [elsewhere] };
  const bad: Reason[] = [];
  // Only the declared outputs: an entry (one fetched from a remote, too) may name other paths.
  const declared: Record<string, LockOut> = {};
  for (const o of stage.outs) {
    const rec = outs[o.path];
    if (!rec) return null;
    declared[o.path] = rec;
    const r = await ctx.cache.check(rec.hash);
    if (r.corrupt.length) bad.push({ kind: 'cache-corrupt', path: o.path, hash: rec.hash, object: r.corrupt[0]!.hash });
    else if (!r.ok) return null; // not in the cache (any more): an ordinary run
  }
  return bad.length ? { bad } : { outs: declared };
}

/** Put a run-cache hit's outputs in place; a reason when an object turned bad meanwhile. */
export async function restoreOuts(
  ctx: RepoContext,
  root: string,
  stage: Stage,
  outs: Record<string, LockOut>,
): Promise<Reason | undefined> {
  for (const o of stage.outs) {
    const hash = outs[o.path]!.hash;
    try {
      await ctx.cache.checkout(hash, absPath(root, o.path));
    } catch (e) {
      if (!(e instanceof ObjectError)) throw e;
      return { kind: 'cache-corrupt', path: o.path, hash, object: e.objects[0]!.hash };
    }
  }
  return undefined;
}
