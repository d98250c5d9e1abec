import { constants, copyFileSync, linkSync, lstatSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { ReproError, isErrno } from '../core/errors.js';
import { modeOf, type Ctx } from './context.js';
import { CHUNK_BYTES, hashFileContent, hashSmallSync } from './hash.js';
import { statIfExists } from '../core/fs.js';
import { fileRef, specialFile, statPath, walkOutput, type FileRef } from './hashpath.js';
import { ManifestBuilder } from './manifest.js';
import { fileStat } from './statcache.js';
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
  const m = new ManifestBuilder({ keepText: true });
  await walkOutput(ctx, abs, async (f) => {
    const r = await saveFile(ctx, f);
    m.add(f.rel, r.hash, r.size, modeOf(f.st.mode));
  });
  const { info, encoded } = m.finish();
  ctx.store.writeBuffer(info.hash, Buffer.from(encoded!), false);
  return info;
}

type SaveRef = FileRef & { isLink: boolean };

async function saveFile(ctx: Ctx, f: SaveRef): Promise<{ hash: string; size: number }> {
  const exec = modeOf(f.st.mode) === 0o755;
  const shares = ctx.linker.sharesObject();
  let r: { hash: string; size: number };
  // When the content became known: before the read (see statcache.ts on racily clean files).
  const tRef = Date.now();
  const cached = ctx.stats.get(f.dir, f.name, f.st);
  const good =
    cached !== undefined &&
    (f.st.size < CHUNK_BYTES ? ctx.store.hasGoodSync(cached, f.st.size, exec) : await ctx.store.hasGood(cached, f.st.size, exec));
  if (good) {
    r = { hash: cached!, size: f.st.size };
  } else {
    r = await ingest(ctx, f, exec, shares);
    if (r.size === f.st.size) ctx.stats.set(f.dir, f.name, f.st, r.hash, tRef);
  }
  if (shares) relink(ctx, f, r.hash, exec, tRef);
  return r;
}

/** Hash a private snapshot of `f` and make it the object (see the module comment). */
async function ingest(ctx: Ctx, f: SaveRef, exec: boolean, shares: boolean): Promise<{ hash: string; size: number }> {
  if (!shares && f.st.size < CHUNK_BYTES) {
    const small = hashSmallSync(f.abs, f.st.size);
    if (small) {
      // Synchronous on purpose: for a file this small, create + write + rename on the main thread
      // costs ~0.2 ms of CPU, the same work through libuv's thread pool ~0.6 ms (three round
      // trips), measured on the 200-stage bench, where it was most of a stage's overhead.
      ctx.store.writeBuffer(small.hash, small.data, exec);
      return { hash: small.hash, size: small.size };
    }
  }
  const tmp = ctx.store.tempPath();
  try {
    const tRef = Date.now();
    snapshot(f, tmp, shares);
    const r = await hashFileContent(tmp, { tick: ctx.tick });
    await ctx.store.install(tmp, r.hash, r.size, exec, tRef);
    return r;
  } finally {
    rmSync(tmp, { force: true }); // gone already unless something failed
  }
}

function snapshot(f: SaveRef, tmp: string, shares: boolean): void {
  if (shares && !f.isLink) {
    try {
      linkSync(f.abs, tmp);
      return;
    } catch (e) {
      // Cache on another device, or no hard links here: copy instead.
      if (!isErrno(e, 'EXDEV') && !isErrno(e, 'EPERM') && !isErrno(e, 'EMLINK') && !isErrno(e, 'ENOTSUP')) throw e;
    }
  }
  copyFileSync(f.abs, tmp, constants.COPYFILE_FICLONE);
}

/** Make the workspace file the shared object (hardlink/symlink setups), then re-record its stat. */
function relink(ctx: Ctx, f: SaveRef, hash: string, exec: boolean, tRef: number): void {
  const obj = ctx.store.objectPath(hash);
  const ost = ctx.store.require(hash);
  const cur = lstatSync(f.abs);
  const kind = ctx.linker.primary();
  const linked =
    kind === 'hardlink' ? cur.isFile() && cur.ino === ost.ino && cur.dev === ost.dev : cur.isSymbolicLink() && readlinkSync(f.abs) === obj;
  if (!linked) ctx.linker.place(obj, f.abs, { exec, replace: true, size: ost.size });
  // The workspace now has a new stat; a fresh copy (fallback) is racy and is not recorded.
  ctx.stats.set(f.dir, f.name, fileStat(statSync(f.abs)), hash, tRef);
}
