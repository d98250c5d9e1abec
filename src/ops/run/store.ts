import { WalkError } from '../../cache/index.js';
import { isReproError } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import type { LockOut } from '../../lock/index.js';
import type { Stage } from '../../pipeline/index.js';
import type { RepoContext } from '../context.js';

/**
 * Storing what a stage's command produced, after it exited 0: each declared output is saved into
 * the object cache (or, for `cache: false` outputs, hashed), in declaration order. The first
 * output that cannot be is the stage's failure: `withTail` says whether the command's stderr
 * explains it (a missing or unstorable output: yes; a file where a directory was declared: no).
 */
export async function storeOutputs(
  ctx: RepoContext,
  root: string,
  stage: Stage,
): Promise<{ outs: Record<string, LockOut> } | { error: string; withTail: boolean }> {
  const outs: Record<string, LockOut> = {};
  for (const o of stage.outs) {
    const abs = absPath(root, o.path);
    let info;
    try {
      info = o.cache ? await saveIfPresent(ctx, abs) : await ctx.cache.hashPath(abs);
    } catch (e) {
      // What the command produced cannot be stored (a symlink leading out of an output
      // directory, a FIFO): the stage failed, said for the output at its repro.yaml line.
      if (!(e instanceof WalkError)) throw e;
      return { error: e.restate({ role: 'output', label: o.path, pos: o.pos }).message, withTail: true };
    }
    if (!info) return { error: `declared output was not produced: '${o.path}'`, withTail: true };
    if (o.dirHint && !info.isDir) return { error: `declared directory output is a file: '${o.path}'`, withTail: false };
    outs[o.path] =
      info.nfiles !== undefined ? { hash: info.hash, size: info.size, nfiles: info.nfiles } : { hash: info.hash, size: info.size };
  }
  return { outs };
}

/** Store an output; null when the command did not produce it (one lstat, not an extra check). */
async function saveIfPresent(ctx: RepoContext, abs: string): Promise<Awaited<ReturnType<RepoContext['cache']['save']>> | null> {
  try {
    return await ctx.cache.save(abs);
  } catch (e) {
    if (isReproError(e, 'E_NOT_FOUND')) return null;
    throw e;
  }
}
