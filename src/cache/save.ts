import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { ReproError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { statIfExists } from '../core/fs.js';
import { fileRef, specialFile, statPath } from './hashpath.js';
import { saveDir } from './save-dir.js';
import { saveFile } from './save-file.js';
import type { PathInfo } from './types.js';
import { WalkError } from './walk.js';

/**
 * Storing. What is stored is a snapshot that was hashed itself, so a file changing while it is
 * saved cannot put content under the wrong name:
 * - a small file (< CHUNK_BYTES) is read once; the bytes in memory are hashed and written;
 * - a larger one is cloned/copied into the cache's temp directory (`COPYFILE_FICLONE`: a reflink
 *   where the file system can, else a kernel copy) and the copy is hashed and renamed into place;
 * - when the workspace will share the object anyway (first usable link type `hardlink` or
 *   `symlink`), it is hard-linked into the temp directory instead: no data is copied (DVC moves
 *   the file; a link keeps the workspace file in place if we are interrupted). Here the object is
 *   the workspace inode, so a process still writing to the output would change it: that is the
 *   hardlink trade-off, and `verify` detects it.
 * A file whose stat-cache entry is current and whose object exists (verified) is not read at all.
 * The files of a large directory are stored on worker threads (save-dir.ts, pool.ts), under the
 * same rules; save-file.ts is the serial way, which handles every case.
 *
 * A single file saved through a symlink is stored as its target's content, but only when the
 * target lies inside the workspace root (`CacheOptions.root`) or the object store (a `symlink`
 * checkout): otherwise whatever the link points at elsewhere would become the output. That is
 * the rule walk.ts applies to symlinks inside a directory output.
 */

/** Refuse a symlinked single-file output whose target is outside the workspace and the store. */
function checkLinkTarget(ctx: Ctx, abs: string): void {
  if (ctx.root === undefined) return;
  const real = realpathSync(abs);
  const inside = [ctx.root, ctx.store.realObjectsDir()].filter((p): p is string => p !== undefined);
  if (inside.some((p) => real === p || real.startsWith(p.endsWith(sep) ? p : p + sep))) return;
  throw new WalkError('link-leaves-root', { role: 'output', label: abs, rel: '', target: real });
}

export async function save(ctx: Ctx, abs: string): Promise<PathInfo> {
  // One lstat for the usual case (a plain file); a symlink is followed with a second stat.
  const lst = statIfExists(abs, { follow: false });
  const isLink = lst?.isSymbolicLink() === true;
  const st = isLink ? statPath(abs) : lst;
  if (!st) {
    throw new ReproError('E_NOT_FOUND', `cannot save a path that does not exist: '${abs}'`);
  }
  if (st.isFile()) {
    if (isLink) checkLinkTarget(ctx, abs);
    const r = await saveFile(ctx, { ...fileRef(abs, st), isLink });
    return { hash: r.hash, size: r.size, isDir: false };
  }
  if (!st.isDirectory()) throw specialFile(abs);
  return saveDir(ctx, abs);
}
