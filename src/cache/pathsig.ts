import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { isErrno } from '../core/errors.js';
import type { Ctx } from './context.js';
import { SigBuilder, sigHit } from './dirsig.js';
import { isRacy } from './statcache.js';
import { WalkError, walkDir } from './walk.js';

/**
 * Stat signatures of whole paths, for a caller that remembers a verdict about them (the no-op
 * summary, ops/run/noop.ts): two equal signatures, the first of them not racy, mean that nothing at
 * the path changed in between, so whatever was concluded from its content then still holds.
 *
 * Why that holds. A signature names the inode(s) the path stands for with their device, inode
 * number, size, mode, mtime and ctime. Every change to an inode's content or metadata sets its
 * ctime to the current time, and ctime cannot be set back by hand (unlike mtime: `touch -d`,
 * `cp -p`, `tar x`), so a later change gives another ctime, unless it falls in the same timestamp
 * tick as the one recorded: the racy case (git's term), excluded by `tRef` as in the stat cache
 * (statcache.ts): a signature taken with `tRef` is `racy` when any of its timestamps is not older
 * than `tRef` minus the timestamp granularity. Replacing the file (a new inode, even one reusing
 * the number) gives a new ctime too. What the kinds cover:
 * - `content`: what reading the path gives. A regular file: the fields above. A directory: its
 *   manifest hash when its recorded directory signature holds (dirsig.ts; the native walker for a
 *   big one); else every file below it, in manifest order, as directory signatures do (relative
 *   path, stat-cache key, manifest mode, reached through a link); with `tRef`, also every directory
 *   walked is checked for racy timestamps (a file removed during the walk changes its directory).
 * - `kind`: only what the path is (directory, file, something else): for a repo path's parent
 *   directories and a stage's `wdir`. A directory replaced by anything else is another inode or
 *   type.
 * - both: a symlink adds its own inode and ctime (re-pointing one makes a new link) and its real
 *   path (where it leads now, which decides whether it leaves the repository), then the target's
 *   signature; a missing path records the nearest existing parent directory with its mtime and
 *   ctime (anything created or removed in a directory changes both).
 * `usable: false`: a path this cannot vouch for (a dangling link, a FIFO, a directory holding a file
 * the store would refuse): a caller never trusts it.
 */

export type SigKind = 'content' | 'kind';

export interface PathSig {
  sig: string;
  /** Some timestamp is within the granularity of `tRef` (only computed when `tRef` is given). */
  racy: boolean;
  usable: boolean;
}

interface Acc {
  tRef: number | undefined;
  racy: boolean;
}

/**
 * The signature of absolute path `abs` (see the module comment). `tRef`: ms since the epoch, taken
 * before whatever the signature vouches for was read. Synchronous unless a directory's content is
 * walked: a caller checking 10,000 paths makes no promise for each file.
 */
export function pathSignature(ctx: Ctx, abs: string, kind: SigKind, tRef?: number): PathSig | Promise<PathSig> {
  const acc: Acc = { tRef, racy: false };
  const lst = lstatIfAny(abs);
  if (!lst) return { sig: missingSig(abs, acc), racy: acc.racy, usable: true };
  let prefix = '';
  let st = lst;
  if (lst.isSymbolicLink()) {
    let real: string;
    let target: Stats | undefined;
    try {
      real = realpathSync(abs);
      target = statSync(abs);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ELOOP') || isErrno(e, 'ENOTDIR')) return UNUSABLE;
      throw e;
    }
    stamp(acc, lst);
    prefix = 'l' + lst.dev + ':' + lst.ino + ':' + lst.ctimeMs + '>' + real + '|';
    st = target;
  }
  // A kind vouches for the type only: no timestamp of the inode itself (a link's were taken).
  if (kind === 'kind') return { sig: prefix + 'k' + st.dev + ':' + st.ino + ':' + typeOf(st), racy: acc.racy, usable: true };
  if (st.isFile()) {
    stamp(acc, st);
    const sig = prefix + 'f' + st.dev + ':' + st.ino + ':' + st.size + ':' + st.mtimeMs + ':' + st.ctimeMs + ':' + st.mode;
    return { sig, racy: acc.racy, usable: true };
  }
  if (!st.isDirectory()) return UNUSABLE;
  return dirSignature(ctx, abs, prefix + 'd' + st.dev + ':' + st.ino + ':' + st.mode + ':', acc);
}

const UNUSABLE: PathSig = { sig: '?', racy: false, usable: false };

async function dirSignature(ctx: Ctx, abs: string, head: string, acc: Acc): Promise<PathSig> {
  const b = new SigBuilder();
  let n = 0;
  const objects = ctx.store.realObjectsDir();
  const judged = acc.tRef !== undefined;
  try {
    // A directory with a recorded signature (dirsig.ts) is vouched for by it, through the native
    // walker when it is big: every file's stat is the one its trusted hash was recorded under, so
    // its manifest names the content. Any miss falls through to the walk below (another format:
    // a summary recorded one way and checked the other way only costs a full evaluation).
    if (ctx.sigs.get(abs) !== undefined) {
      const hit = await sigHit(ctx, abs, { allowedTargets: objects ? [objects] : [] });
      if (hit) return { sig: head + 'm' + hit.hash + ':' + (hit.nfiles ?? 0), racy: acc.racy, usable: true };
    }
    await walkDir(abs, {
      allowedTargets: objects ? [objects] : [],
      tick: ctx.tick,
      onFile: (f) => {
        n++;
        b.add(f);
        if (judged) stamp(acc, f.st);
      },
      onDir: (d) => {
        if (!judged || acc.racy) return;
        const ds = lstatIfAny(d);
        if (ds) stamp(acc, ds);
        else acc.racy = true; // removed while walked
      },
    });
  } catch (e) {
    if (e instanceof WalkError) return UNUSABLE;
    throw e;
  }
  return { sig: head + b.digest() + ':' + n, racy: acc.racy, usable: true };
}

/** `-` and the nearest existing parent directory's identity and times. */
function missingSig(abs: string, acc: Acc): string {
  let dir = abs;
  for (;;) {
    const up = dirname(dir);
    if (up === dir) return '-';
    dir = up;
    const st = lstatIfAny(dir);
    if (!st) continue;
    stamp(acc, st);
    return `-${dir}:${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
  }
}

function stamp(acc: Acc, st: { mtimeMs: number; ctimeMs: number }): void {
  if (acc.tRef === undefined || acc.racy) return;
  if (isRacy(st, acc.tRef) || isRacy({ mtimeMs: st.ctimeMs }, acc.tRef)) acc.racy = true;
}

function typeOf(st: Stats): string {
  return st.isDirectory() ? 'd' : st.isFile() ? 'f' : 'o';
}

function lstatIfAny(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    if (isErrno(e, 'ENOTDIR')) return undefined;
    throw e;
  }
}
