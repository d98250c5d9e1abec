import { chmodSync, lstatSync, mkdirSync, readlinkSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { isReproError } from '../core/errors.js';
import { modeOf, type Ctx } from './context.js';
import { CHUNK_BYTES } from './hash.js';
import { isDirHash } from './manifest.js';
import { ObjectError, type ObjectState } from './trust.js';
import { hashFileRef } from './hashpath.js';
import { readManifest } from './inspect.js';
import { fileStat } from './statcache.js';
import { SMALL_COPY } from './link.js';
import { checkoutFresh } from './checkout-fresh.js';
import type { BadObject, ManifestEntry } from './types.js';
import { listTree, type TreeKind } from './walk.js';

/**
 * Materialising objects in the workspace. A file already in the wanted form (same inode for
 * `hardlink`, a link to the object for `symlink`, an independent file with the content for
 * `reflink`/`copy`, known from the stat cache or by reading it) is left alone; anything else is
 * replaced atomically.
 * Nothing is placed from an object that is not verified (trust.ts: hashed to its name, or
 * verified before at its current stat): a missing or bad object throws `ObjectError` before the
 * destination is touched, the bad ones quarantined. For a directory the manifest is verified by
 * its name first, then every member that is not already in place.
 * A directory checkout first finds what is in place and checks every other member (so a missing
 * or bad object fails before anything is touched), then removes what the manifest does not list,
 * including empty directories (manifests do not record them), then places files. A large one
 * whose destination does not exist is placed by worker threads into a temp directory renamed
 * into place (checkout-fresh.ts), falling back on this path for anything out of the ordinary.
 */

/** What placing needs to know of an object (plain numbers: a Node 20 `Stats` is heavy to keep). */
interface ObjInfo {
  ino: number;
  dev: number;
  size: number;
}

interface Wanted {
  hash: string;
  exec: boolean;
  obj: ObjInfo;
}

const objInfo = (st: Stats): ObjInfo => ({ ino: st.ino, dev: st.dev, size: st.size });

export async function checkout(ctx: Ctx, hash: string, dest: string): Promise<void> {
  if (isDirHash(hash)) return checkoutDir(ctx, hash, dest);
  const ost = ctx.store.require(hash);
  if ((await ctx.store.trust.state(hash)) !== 'good') throw new ObjectError('corrupt', [ctx.store.trust.bad(hash, ost)]);
  const cur = lstatSync(dest, { throwIfNoEntry: false });
  if (!cur) mkdirSync(dirname(dest), { recursive: true });
  await placeFile(ctx, { hash, exec: (ost.mode & 0o100) !== 0, obj: objInfo(ost) }, dest, cur);
}

async function checkoutDir(ctx: Ctx, hash: string, dest: string): Promise<void> {
  const mst = ctx.store.require(hash);
  const top = lstatSync(dest, { throwIfNoEntry: false });
  if (!top && (await checkoutFresh(ctx, hash, mst, dest))) return;
  if ((await ctx.store.trust.state(hash)) !== 'good') throw new ObjectError('corrupt', [ctx.store.trust.bad(hash, mst)]);
  let entries: ManifestEntry[];
  try {
    entries = await readManifest(ctx, hash);
  } catch (e) {
    // It hashes to its name but is not a manifest we would write: as bad as a corrupt one.
    if (!isReproError(e, 'E_CACHE')) throw e;
    throw new ObjectError('corrupt', [ctx.store.trust.bad(hash, mst)]);
  }
  const tree = top?.isDirectory() ? listTree(dest) : new Map<string, TreeKind>();

  // Pass 1 touches nothing: which files are already in place, and are all other objects here?
  const todo: { i: number; obj: ObjInfo }[] = [];
  const hardlinks = ctx.linker.primary() === 'hardlink';
  const problems = new Problems(ctx);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const kind = tree.get(e.path);
    const abs = absOf(dest, e.path);
    const cur = kind === 'file' || kind === 'other' ? lstatSync(abs, { throwIfNoEntry: false }) : undefined;
    if (cur && !hardlinks && quickUpToDate(ctx, e, abs, cur)) continue;
    const obj = await problems.member(e);
    if (!obj) continue;
    if (cur && hardlinks && cur.isFile() && cur.ino === obj.ino && cur.dev === obj.dev) continue;
    todo.push({ i, obj });
    const y = ctx.tick();
    if (y) await y;
  }

  problems.throwIfAny();

  if (top && !top.isDirectory()) rmSync(dest, { force: true });
  if (!top?.isDirectory()) mkdirSync(dest, { recursive: true });
  const wantFiles = new Set(entries.map((e) => e.path));
  const wantDirs = new Set<string>();
  for (const e of entries) {
    for (let i = e.path.indexOf('/'); i !== -1; i = e.path.indexOf('/', i + 1)) wantDirs.add(e.path.slice(0, i));
  }
  const present = removeExtra(dest, tree, wantFiles, wantDirs);
  for (const d of wantDirs) if (present.get(d) !== 'dir') mkdirSync(absOf(dest, d), { recursive: true });

  // Files in the way are replaced one by one (each may be compared first); new ones are placed
  // with several in flight.
  const fresh: { w: Wanted; abs: string }[] = [];
  for (const { i, obj } of todo) {
    const e = entries[i]!;
    const abs = absOf(dest, e.path);
    const w = { hash: e.hash, exec: e.mode === 0o755, obj };
    if (!present.has(e.path)) {
      fresh.push({ w, abs });
      continue;
    }
    await placeFile(ctx, w, abs, lstatSync(abs));
    const y = ctx.tick();
    if (y) await y;
  }
  await placeAllNew(ctx, fresh);
}

/**
 * Large copies (and reflinks) in flight at once on libuv's pool, which overlaps their reads and
 * writes. Everything else is placed synchronously, see `placeAllNew`.
 */
const IN_FLIGHT = 16;

/**
 * Place every file of `items`, none of which exists yet (their directories do). Hard links,
 * symlinks and small copies are placed synchronously on this thread: each is a few syscalls of
 * a few µs, and handing them to libuv's pool cost more than the syscalls (its one queue's mutex,
 * a wake-up and a promise per call: a 100k-file hardlink checkout spent 6 s of main-thread time
 * in the dispatch of link/lstat/stat at load ~8, against ~2.5 s for the same syscalls made
 * directly, and 100k object lstats took 2.3 s on the pool against 1.0 s directly). Large copies
 * still go through the pool, several at once.
 */
async function placeAllNew(ctx: Ctx, items: { w: Wanted; abs: string }[]): Promise<void> {
  const large: { w: Wanted; abs: string }[] = [];
  const cheap = ctx.linker.sharesObject();
  // One reference time for all: taken before any placement, so at least as strict as one each.
  const tRef = Date.now();
  for (const it of items) {
    const { w, abs } = it;
    if (!cheap && w.obj.size >= SMALL_COPY) {
      large.push(it);
      continue;
    }
    const used = ctx.linker.place(ctx.store.objectPath(w.hash), abs, { exec: w.exec, replace: false, size: w.obj.size });
    if (used === 'hardlink' || used === 'symlink') record(ctx, abs, w.hash, tRef);
    const y = ctx.tick();
    if (y) await y;
  }
  await placeLargeNew(ctx, large);
}

/**
 * A link shares the object's old mtime, so it can be recorded in the stat cache; its ctime is the
 * link's own (each link made or removed changes it), so it is read here, once per file. A fresh
 * copy is racy (statcache.ts) and is not recorded: the next status reads it once.
 */
function record(ctx: Ctx, abs: string, hash: string, tRef: number): void {
  const st = statSync(abs, { throwIfNoEntry: false });
  const cut = abs.lastIndexOf(sep);
  if (st) ctx.stats.set(abs.slice(0, cut), abs.slice(cut + 1), fileStat(st), hash, tRef);
}

/** Place large copies, none of which exists yet, IN_FLIGHT at a time on libuv's pool. */
async function placeLargeNew(ctx: Ctx, items: { w: Wanted; abs: string }[]): Promise<void> {
  let next = 0;
  let failed: { e: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const { w, abs } = items[next++]!;
      try {
        const tRef = Date.now();
        const used = await ctx.linker.placeNew(ctx.store.objectPath(w.hash), abs, { exec: w.exec, size: w.obj.size });
        if (used === 'hardlink' || used === 'symlink') record(ctx, abs, w.hash, tRef);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
  if (failed) throw failed.e;
}

/** Members' objects checked in pass 1: each distinct one verified once; problems thrown together. */
class Problems {
  private readonly seen = new Map<string, ObjInfo | null>();
  private readonly missing: BadObject[] = [];
  private readonly corrupt: BadObject[] = [];

  constructor(private readonly ctx: Ctx) {}

  /** The member's object, verified; undefined (and noted) when it is missing or bad. */
  async member(e: ManifestEntry): Promise<ObjInfo | undefined> {
    const known = this.seen.get(e.hash);
    if (known !== undefined) return known ?? undefined;
    const { store } = this.ctx;
    // Small objects synchronously, with one lstat: no promise per file in a 100k-file checkout.
    let ost: Stats | undefined;
    let state: ObjectState;
    if (e.size < CHUNK_BYTES) ({ state, st: ost } = store.trust.stateSyncWithStat(e.hash, e.size));
    else {
      ost = store.stat(e.hash);
      state = ost ? await store.trust.state(e.hash, e.size) : 'missing';
    }
    let info: ObjInfo | null = null;
    if (state === 'missing' || !ost) this.missing.push({ hash: e.hash, path: store.objectPath(e.hash), movedTo: null });
    else if (state === 'good') info = objInfo(ost);
    else this.corrupt.push(store.trust.bad(e.hash, ost));
    this.seen.set(e.hash, info);
    return info ?? undefined;
  }

  throwIfAny(): void {
    if (this.corrupt.length) throw new ObjectError('corrupt', this.corrupt);
    if (this.missing.length) throw new ObjectError('missing', this.missing);
  }
}

/**
 * Up to date without reading anything (symlink, reflink, copy setups): a link to the object, or an
 * independent file (one link: not a hard link to the object) whose stat-cache entry and mode match.
 */
function quickUpToDate(ctx: Ctx, e: ManifestEntry, abs: string, cur: Stats): boolean {
  if (ctx.linker.primary() === 'symlink') {
    return cur.isSymbolicLink() && readlinkSync(abs) === ctx.store.objectPath(e.hash);
  }
  if (!cur.isFile() || cur.nlink !== 1 || modeOf(cur.mode) !== e.mode) return false;
  const cut = abs.lastIndexOf(sep);
  return ctx.stats.get(abs.slice(0, cut), abs.slice(cut + 1), fileStat(cur)) === e.hash;
}

/** Delete what is in `tree` (under `dest`) but not wanted; returns what is left (rel → kind). */
function removeExtra(dest: string, tree: Map<string, TreeKind>, wantFiles: Set<string>, wantDirs: Set<string>): Map<string, TreeKind> {
  const present = new Map<string, TreeKind>();
  let gone: string | undefined; // prefix of a directory just removed: skip its children
  for (const [rel, kind] of tree) {
    if (gone !== undefined && rel.startsWith(gone)) continue;
    if (kind === 'dir' ? wantDirs.has(rel) : wantFiles.has(rel)) {
      present.set(rel, kind);
      continue;
    }
    rmSync(absOf(dest, rel), { recursive: kind === 'dir', force: true });
    if (kind === 'dir') gone = rel + '/';
  }
  return present;
}

/** `dest` joined with a manifest path (already checked safe by readManifest). */
function absOf(root: string, rel: string): string {
  if (sep !== '/') return join(root, ...rel.split('/'));
  return root.endsWith('/') ? root + rel : root + '/' + rel;
}

/** Put one object at `dest` unless it is already there in the wanted form; `cur` is its lstat. */
async function placeFile(ctx: Ctx, w: Wanted, dest: string, cur: Stats | undefined): Promise<void> {
  if (cur?.isDirectory()) {
    rmSync(dest, { recursive: true, force: true });
    cur = undefined;
  }
  const obj = ctx.store.objectPath(w.hash);
  if (cur && (await upToDate(ctx, w, obj, dest, cur))) return;
  const tRef = Date.now();
  const used = ctx.linker.place(obj, dest, { exec: w.exec, replace: cur !== undefined, size: w.obj.size });
  if (used === 'hardlink' || used === 'symlink') record(ctx, dest, w.hash, tRef);
}

async function upToDate(ctx: Ctx, w: Wanted, obj: string, dest: string, cur: Stats): Promise<boolean> {
  const sameInode = cur.ino === w.obj.ino && cur.dev === w.obj.dev;
  switch (ctx.linker.primary()) {
    case 'hardlink':
      return cur.isFile() && sameInode;
    case 'symlink':
      return cur.isSymbolicLink() && readlinkSync(dest) === obj;
    default: {
      // An independent file: never the object itself, which must not become writable.
      if (!cur.isFile() || sameInode || cur.size !== w.obj.size) return false;
      const ref = { abs: dest, dir: dirname(dest), name: basename(dest), st: fileStat(cur) };
      // Reading is much cheaper than rewriting (a create and a rename per file), e.g. for files
      // checked out moments ago, whose stat-cache entries were racy.
      if ((await hashFileRef(ctx, ref)).hash !== w.hash) return false;
      const want = w.exec ? 0o755 : 0o644;
      if (modeOf(cur.mode) !== want) {
        chmodSync(dest, want);
        // Only the mode (and ctime) may differ: otherwise it changed meanwhile, and is re-hashed.
        const now = statSync(dest);
        if (now.ino === cur.ino && now.mtimeMs === cur.mtimeMs && now.size === cur.size) {
          ctx.stats.set(ref.dir, ref.name, fileStat(now), w.hash, Date.now());
        }
      }
      return true;
    }
  }
}
