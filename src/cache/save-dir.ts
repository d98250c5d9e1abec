import { closeSync, openSync, rmSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { modeOf, type Ctx } from './context.js';
import { hashCounters } from './hash.js';
import { walkOutput } from './hashpath.js';
import { ManifestBuilder } from './manifest.js';
import { POOL_MAX_BYTES, StorePool, poolThreads, type StoreResult } from './pool.js';
import { relink, saveFile, type SaveRef } from './save-file.js';
import { fileStat } from './statcache.js';
import type { PathInfo } from './types.js';

/**
 * Storing a directory output. The walk streams files in manifest order; the first `poolAfter`
 * are stored serially (save-file.ts: a small output never starts a thread), the rest of a large
 * one go to worker threads (pool.ts) with up to WINDOW files in flight, and the manifest takes
 * each answer in walk order. The manifest text goes to a temp file in the cache as it is built
 * and is renamed into place once its hash is known.
 *
 * Which files go to the workers: small (one read), not a symlink (stored as its target's
 * content: save-file.ts), without a stat-cache entry (a current entry means no read at all, the
 * serial way). Whatever a worker cannot do in its one common case comes back as `retry` and is
 * stored the serial way, one at a time, so every rule of the serial store still holds.
 */

export const storeTuning = {
  /** Files stored serially before the pool starts (tests set 0, or Infinity for serial only). */
  poolAfter: 256,
  /** Worker threads; 0: never start the pool. */
  threads: poolThreads(),
};

/** Files in flight between the walk and the manifest (bounded memory, workers kept busy). */
const WINDOW = 1024;

interface Slot {
  f: SaveRef & { rel: string };
  mode: 0o644 | 0o755;
  r: Promise<{ hash: string; size: number }>;
}

export async function saveDir(ctx: Ctx, abs: string): Promise<PathInfo> {
  const tmp = ctx.store.tempPath();
  const fd = openSync(tmp, 'wx', 0o444);
  let bytes = 0;
  const m = new ManifestBuilder({
    sink: (chunk) => {
      const b = Buffer.from(chunk);
      for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
      bytes += b.length;
    },
  });
  let pool: StorePool | undefined;
  let info: PathInfo;
  try {
    const slots: Slot[] = [];
    let seen = 0;
    let chain: Promise<unknown> = Promise.resolve();
    // One at a time: the serial store is written for a single caller.
    const serial = (f: SaveRef): Promise<{ hash: string; size: number }> => {
      const p = chain.then(() => saveFile(ctx, f));
      chain = p.catch(() => undefined);
      return p;
    };
    const head = async (): Promise<void> => {
      pool?.flush();
      const s = slots.shift()!;
      const r = await s.r;
      m.add(s.f.rel, r.hash, r.size, s.mode);
    };
    try {
      await walkOutput(ctx, abs, (f) => {
        const mode = modeOf(f.st.mode);
        if (pool === undefined && (seen++ < storeTuning.poolAfter || storeTuning.threads === 0)) {
          return saveFile(ctx, f).then((r) => m.add(f.rel, r.hash, r.size, mode));
        }
        const viaPool = f.st.size < POOL_MAX_BYTES && !f.isLink && ctx.stats.get(f.dir, f.name, f.st) === undefined;
        if (viaPool) pool ??= startPool(ctx);
        const r = viaPool
          ? pool!.submit({ abs: f.abs, size: f.st.size, exec: mode === 0o755, link: ctx.linker.sharesObject() }).then(
              (res) => settle(ctx, f, mode === 0o755, res, serial),
              () => serial(f), // the pool failed (a worker died): the serial store says what is wrong, if anything
            )
          : serial(f);
        slots.push({ f, mode, r });
        if (slots.length >= WINDOW) return head();
      });
      while (slots.length) await head();
    } finally {
      // On a failure, let what is in flight finish before the pool goes (no rejection unseen).
      await Promise.allSettled([chain, ...slots.map((s) => s.r)]);
    }
    info = m.finish();
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    await pool?.close();
    throw e;
  }
  closeSync(fd);
  await pool?.close();
  const tRef = Date.now();
  await ctx.store.install(tmp, info.hash, bytes, false, tRef);
  return info;
}

function startPool(ctx: Ctx): StorePool {
  // Every fan-out directory, made once here (with a shared store's mode), not per file there.
  for (let i = 0; i < 256; i++) ctx.store.ensureDir(join(ctx.store.objectsDir, i.toString(16).padStart(2, '0')));
  return new StorePool({ objectsDir: ctx.store.objectsDir }, storeTuning.threads);
}

/** Take a worker's answer into the trust and the stat cache, as the serial store would. */
async function settle(
  ctx: Ctx,
  f: SaveRef,
  exec: boolean,
  res: StoreResult,
  serial: (f: SaveRef) => Promise<{ hash: string; size: number }>,
): Promise<{ hash: string; size: number }> {
  if (res.kind === 'retry') return serial(f);
  hashCounters.files++;
  const { hash, size, tRef } = res;
  if (res.kind === 'exists') {
    // Another file had this content, or an earlier store did: kept only when it is good.
    if (!ctx.store.hasGoodSync(hash, size, exec)) return serial(f);
    if (ctx.linker.sharesObject()) relink(ctx, f, hash, exec, tRef);
    else ctx.stats.set(f.dir, f.name, f.st, hash, tRef);
    return { hash, size };
  }
  ctx.store.trust.trustStat(hash, res.st, res.objRef);
  if (!ctx.linker.sharesObject()) ctx.stats.set(f.dir, f.name, f.st, hash, tRef);
  else if (ctx.linker.primary() === 'hardlink') {
    // The workspace file is the object's inode now: its stat is the worker's fstat after the rename.
    ctx.stats.set(f.dir, f.name, fileStat(res.st as unknown as Stats), hash, tRef);
  } else relink(ctx, f, hash, exec, tRef);
  return { hash, size };
}
