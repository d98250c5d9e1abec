import { constants, mkdirSync, renameSync, rmSync, type Stats } from 'node:fs';
import { dirname, sep } from 'node:path';
import { errnoFields } from '../core/worker-failure.js';
import type { Ctx } from './context.js';
import { tempBeside } from './objects.js';
import { readManifest } from './inspect.js';
import { Placers, placeThreads, STAT_FIELDS, type PlaceAnswer, type PlaceChunk, type PlaceFailure, type PlaceType } from './place-pool.js';
import { fileStat } from './statcache.js';
import type { ManifestEntry } from './types.js';

/**
 * Checkout of a directory output whose destination does not exist (after `rm -rf out`, in a fresh
 * clone): the whole tree is placed into a temp directory beside it (`.<name>.tmp-<pid>-<hex>`,
 * created here, so empty), by worker threads (place-pool.ts), and renamed into place in one step
 * once every file is placed and every object judged good (trust.ts, by the stat the worker took).
 *
 * Why that keeps the promises of the ordinary path (checkout.ts): the destination is untouched
 * until the rename, so a missing or bad object still fails before anything is touched; a copy is
 * written in place inside the temp directory, without a temp file and a rename of its own (what
 * costs a copy checkout most), because nothing in that directory is ever taken for the output:
 * a kill -9 leaves a dead process's temp directory, which the next checkout's takeover of the
 * stale repository lock removes (ops/run/takeover.ts) and which no checkout renames. The stat after
 * each link stays (the link's ctime is in the stat-cache key): the worker takes it, and it is the
 * object's inode, so it also serves as the object's stat for the trust (no separate lstat).
 *
 * Returns false, leaving nothing behind, when the ordinary path should do it instead: an object is
 * missing or not known good (that path reports it, quarantining a bad one), or a placement failed
 * in a way a link-type fallback may cure (EXDEV, EPERM, ...). A failure no fallback cures (ENOSPC,
 * EIO, EFBIG, ...) or a worker that dies is thrown, after the temp directory is removed.
 */

/** Below this many files the worker threads cost more than they save. */
export const FRESH_MIN_FILES = 2000;
/** The fewest bytes a manifest entry takes (`{"hash":"<64 hex>","mode":420,"path":"x","size":0}`). */
const MIN_ENTRY_BYTES = 100;
/** A chunk ends at the first directory change after this many files ... */
const CHUNK_MIN = 512;
/** ... or at this many, in one big directory. */
const CHUNK_MAX = 2048;

/** Failures that trying again another way would only repeat: thrown as they are. */
const FINAL = ['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'ENOMEM', 'ENAMETOOLONG'];

export async function checkoutFresh(ctx: Ctx, hash: string, mst: Stats, dest: string): Promise<boolean> {
  if (mst.size < FRESH_MIN_FILES * MIN_ENTRY_BYTES || sep !== '/' || placeThreads() === 0) return false;
  const type: PlaceType = ctx.linker.primary();
  const links = type === 'hardlink' || type === 'symlink';
  // Started first: they boot while the manifest is read.
  const placers = new Placers(ctx.store.objectsDir);
  let tmp: string | undefined;
  let done = false;
  let entries: ManifestEntry[] = [];
  try {
    try {
      entries = await readManifest(ctx, hash);
    } catch {
      return false; // the ordinary path says what is wrong with it
    }
    if (entries.length < FRESH_MIN_FILES) return false;
    mkdirSync(dirname(dest), { recursive: true });
    tmp = tempBeside(dest);
    mkdirSync(tmp); // exclusively: the tree under it is this call's alone
    const { chunks, starts } = chunksOf(entries, tmp, type);
    const judged = new Map<string, boolean>();
    const seen = new NumStat();
    // One reference time for all: taken before any placement, so at least as strict as one each.
    const tRef = Date.now();
    let relDir: string | undefined;
    let absDir = '';
    let bad = false;
    let failure: PlaceFailure | undefined;
    const onAnswer = (i: number, a: PlaceAnswer): boolean => {
      for (let k = 0; k < a.done; k++) {
        const e = entries[starts[i]! + k]!;
        seen.load(a.st, k);
        let good = judged.get(e.hash);
        if (good === undefined) {
          good = ctx.store.trust.stateSyncWithStat(e.hash, e.size, seen.asStats()).state === 'good';
          judged.set(e.hash, good);
        }
        if (!good) {
          bad = true;
          return false;
        }
        if (!links) continue; // a fresh copy is racy (statcache.ts): the next status reads it once
        const cut = e.path.lastIndexOf('/');
        const rd = cut === -1 ? '' : e.path.slice(0, cut);
        if (rd !== relDir) {
          relDir = rd;
          absDir = rd === '' ? dest : `${dest}/${rd}`;
        }
        ctx.stats.set(absDir, e.path.slice(cut + 1), fileStat(seen.asStats()), e.hash, tRef);
      }
      if (a.err) failure = a.err;
      return !a.err;
    };
    const placing = placers.run(chunks, onAnswer);
    // The manifest was read by its hash (readManifest); its trust entry is judged while the
    // workers place, as the ordinary path does before it reads it.
    const manifestGood = (await ctx.store.trust.state(hash)) === 'good';
    if (!manifestGood) placers.stop();
    await placing;
    if (failure?.code && FINAL.includes(failure.code)) throw errnoError(failure);
    if (!manifestGood || bad || failure) return false;
    try {
      renameSync(tmp, dest);
    } catch {
      return false; // something appeared there meanwhile: the ordinary path deals with what is there
    }
    done = true;
    return true;
  } finally {
    await placers.close();
    if (!done && tmp !== undefined) {
      rmSync(tmp, { recursive: true, force: true });
      if (links) for (const e of entries) forget(ctx, dest, e.path);
    }
  }
}

/** Drop the stat-cache entry recorded for `dest/rel` by a fresh checkout that was undone. */
function forget(ctx: Ctx, dest: string, rel: string): void {
  const cut = rel.lastIndexOf('/');
  ctx.stats.delete(cut === -1 ? dest : `${dest}/${rel.slice(0, cut)}`, rel.slice(cut + 1));
}

/** The entries cut into runs of whole directories where they fit (see CHUNK_MIN, CHUNK_MAX). */
function chunksOf(entries: ManifestEntry[], root: string, type: PlaceType): { chunks: PlaceChunk[]; starts: number[] } {
  const chunks: PlaceChunk[] = [];
  const starts: number[] = [];
  let start = 0;
  let prevDir: string | undefined;
  const cutAt = (end: number): void => {
    const part = entries.slice(start, end);
    const dirs = new Set<string>();
    for (const e of part) {
      const cut = e.path.lastIndexOf('/');
      if (cut !== -1) dirs.add(e.path.slice(0, cut));
    }
    chunks.push({
      type,
      root,
      hashes: part.map((e) => e.hash),
      rels: part.map((e) => e.path),
      dirs: [...dirs],
      sizes: part.map((e) => e.size),
      exec: Uint8Array.from(part, (e) => (e.mode === 0o755 ? 1 : 0)),
    });
    starts.push(start);
    start = end;
  };
  for (let i = 0; i < entries.length; i++) {
    const p = entries[i]!.path;
    const dir = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    const n = i - start;
    if ((n >= CHUNK_MIN && dir !== prevDir) || n >= CHUNK_MAX) cutAt(i);
    prevDir = dir;
  }
  if (start < entries.length) cutAt(entries.length);
  return { chunks, starts };
}

/**
 * The numbers a worker sent for one file, shaped as the `Stats` fields trust.ts and the stat
 * cache read (dev, ino, size, mtimeMs, ctimeMs, mode, isFile). One instance, reloaded per file:
 * neither keeps it.
 */
class NumStat {
  dev = 0;
  ino = 0;
  size = 0;
  mtimeMs = 0;
  ctimeMs = 0;
  mode = 0;

  load(a: Float64Array, k: number): void {
    const o = k * STAT_FIELDS;
    this.dev = a[o]!;
    this.ino = a[o + 1]!;
    this.size = a[o + 2]!;
    this.mtimeMs = a[o + 3]!;
    this.ctimeMs = a[o + 4]!;
    this.mode = a[o + 5]!;
  }

  isFile(): boolean {
    return (this.mode & constants.S_IFMT) === constants.S_IFREG;
  }

  asStats(): Stats {
    return this as unknown as Stats;
  }
}

/** The worker's errno error as an `Error` with its code, as the synchronous call would throw it. */
function errnoError(f: PlaceFailure): Error {
  return Object.assign(new Error(f.message), errnoFields(f));
}
