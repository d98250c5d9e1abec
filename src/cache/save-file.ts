import { constants, copyFileSync, linkSync, lstatSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { isErrno } from '../core/errors.js';
import { modeOf, type Ctx } from './context.js';
import { CHUNK_BYTES, hashFileContent, hashSmallSync } from './hash.js';
import type { FileRef } from './hashpath.js';
import { fileStat } from './statcache.js';

/** Storing one file the serial way, on the main thread: every case (see save.ts). */

export type SaveRef = FileRef & { isLink: boolean };

export async function saveFile(ctx: Ctx, f: SaveRef): Promise<{ hash: string; size: number }> {
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
export function relink(ctx: Ctx, f: SaveRef, hash: string, exec: boolean, tRef: number): void {
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
