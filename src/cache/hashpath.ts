import { type Stats } from 'node:fs';
import { statIfExists } from '../core/fs.js';
import { basename, dirname, sep } from 'node:path';
import { ReproError } from '../core/errors.js';
import { modeOf, type Ctx } from './context.js';
import { CHUNK_BYTES, hashFileContent, hashSmallSync } from './hash.js';
import { ManifestBuilder } from './manifest.js';
import { fileStat, type FileStat } from './statcache.js';
import type { PathInfo } from './types.js';
import { isLeftoverTemp } from './link.js';
import { encodeSig, SigBuilder, sigHit } from './dirsig.js';
import { WalkError, walkDir, type WalkFile, type WalkOptions } from './walk.js';

/** Hashing without storing: files through the stat cache, directories as manifests. */

/** What a walked directory is to the caller, and its name in errors (see WalkOptions). */
export type WalkNaming = Pick<WalkOptions, 'role' | 'label'>;

export interface FileRef {
  abs: string;
  /** Parent directory and base name: the stat-cache key. */
  dir: string;
  name: string;
  /** A stat taken just before: of the file, or of a symlink's target. */
  st: FileStat;
}

export function fileRef(abs: string, st: Stats): FileRef {
  return { abs, dir: dirname(abs), name: basename(abs), st: fileStat(st) };
}

/** The content hash of one file, from the stat cache when its stat is unchanged. */
export async function hashFileRef(ctx: Ctx, f: FileRef): Promise<{ hash: string; size: number }> {
  const quick = hashFileQuick(ctx, f);
  if (quick) return quick;
  const tRef = Date.now(); // before the read: see statcache.ts on racily clean files
  const r = await hashFileContent(f.abs, { expectedSize: f.st.size, tick: ctx.tick });
  if (r.size === f.st.size) ctx.stats.set(f.dir, f.name, f.st, r.hash, tRef);
  return r;
}

/**
 * The synchronous part of `hashFileRef`: a stat-cache hit, or a small file in one read. Undefined
 * when a longer read is needed. Keeps 100k-file loops free of a promise per file.
 */
export function hashFileQuick(ctx: Ctx, f: FileRef): { hash: string; size: number } | undefined {
  const cached = ctx.stats.get(f.dir, f.name, f.st);
  if (cached !== undefined) return { hash: cached, size: f.st.size };
  if (f.st.size >= CHUNK_BYTES) return undefined;
  const tRef = Date.now();
  const r = hashSmallSync(f.abs, f.st.size);
  if (!r) return undefined; // it changed size since the stat: read it in full
  ctx.stats.set(f.dir, f.name, f.st, r.hash, tRef);
  return { hash: r.hash, size: r.size };
}

/** `stat` following links; undefined when the path (or a parent) does not exist. */
export function statPath(abs: string): Stats | undefined {
  return statIfExists(abs);
}

export function specialFile(abs: string): ReproError {
  return new ReproError('E_CACHE', `cannot store a special file: '${abs}'`, {
    hint: 'outputs may be regular files or directories',
  });
}

/** `opts` words a refused file inside a directory (walk.ts WalkError): its role and how to name it. */
export async function hashPath(ctx: Ctx, abs: string, opts: WalkNaming = {}): Promise<PathInfo | null> {
  const st = statPath(abs);
  if (!st) return null;
  if (st.isFile()) {
    const r = await hashFileRef(ctx, fileRef(abs, st));
    return { hash: r.hash, size: r.size, isDir: false };
  }
  if (!st.isDirectory()) throw specialFile(abs);
  const objects = ctx.store.realObjectsDir();
  const hit = await sigHit(ctx, abs, { ...opts, allowedTargets: objects ? [objects] : [] });
  if (hit) return hit;
  const m = new ManifestBuilder();
  const sig = new SigBuilder();
  let allTrusted = true; // see dirsig.ts: a signature is recorded only over trusted stat-cache entries
  await walkOutput(
    ctx,
    abs,
    (f) => {
      sig.add(f);
      const mode = modeOf(f.st.mode);
      const cached = ctx.stats.get(f.dir, f.name, f.st);
      if (cached !== undefined) return m.add(f.rel, cached, f.st.size, mode);
      // Hashed now: trusted only if the stat cache recorded it (not racy, unchanged meanwhile).
      const add = (r: { hash: string; size: number }): void => {
        if (allTrusted && ctx.stats.get(f.dir, f.name, f.st) !== r.hash) allTrusted = false;
        m.add(f.rel, r.hash, r.size, mode);
      };
      // Synchronous unless a file needs more than one read.
      const quick = hashFileQuick(ctx, f);
      if (quick) return add(quick);
      return hashFileRef(ctx, f).then(add);
    },
    opts,
  );
  const info = m.finish();
  if (allTrusted) ctx.sigs.set(abs, encodeSig(sig.digest(), info));
  else ctx.sigs.delete(abs);
  return info;
}

/**
 * Walk a directory output, files in manifest order to `onFile`, and drop stat-cache entries of
 * files and directories that are gone.
 */
export async function walkOutput(
  ctx: Ctx,
  root: string,
  onFile: (f: WalkFile) => Promise<void> | void,
  naming: WalkNaming = {},
): Promise<void> {
  const objects = ctx.store.realObjectsDir();
  const seen = new Set<string>();
  await walkDir(root, {
    ...naming,
    allowedTargets: objects ? [objects] : [],
    tick: ctx.tick,
    onFile,
    onDir: (dir, names) => {
      seen.add(dir);
      ctx.stats.retain(dir, new Set(names));
    },
  });
  ctx.stats.pruneBelow(root, sep, seen);
}

/**
 * Files at `abs` whose current content has no object in the store (see `Cache.unsaved`): what a
 * checkout over `abs` would destroy. Presence is enough here: the question is whether the content
 * exists somewhere, not whether a restore would succeed.
 */
export async function unsaved(ctx: Ctx, abs: string): Promise<string[]> {
  const st = statPath(abs);
  if (!st) return [];
  if (st.isFile()) return ctx.store.stat((await hashFileRef(ctx, fileRef(abs, st))).hash) ? [] : [''];
  if (!st.isDirectory()) return [''];
  const out: string[] = [];
  try {
    await walkOutput(ctx, abs, async (f) => {
      if (isLeftoverTemp(f.name)) return; // a killed checkout's half-written copy, not an edit
      if (!ctx.store.stat((await hashFileRef(ctx, f)).hash)) out.push(f.rel);
    });
  } catch (e) {
    // A file the store could never hold (a FIFO, a link out of the directory): not saved either.
    if (!(e instanceof WalkError)) throw e;
    out.push(e.where.rel);
  }
  return out;
}
