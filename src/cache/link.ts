import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  linkSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { chmod, copyFile, link, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { isErrno } from '../core/errors.js';
import { ioBuffer } from '../core/iobuf.js';
import { pidAlive } from '../core/proc.js';
import { tempBeside, type ObjectStore } from './objects.js';
import type { LinkType } from './types.js';

/**
 * Placing an object in the workspace with the configured link types, in order, falling back on
 * the errors that mean "this file system or this pair of paths cannot do that". A type that fails
 * because the file system lacks it is skipped for the rest of the process (one failed syscall,
 * not one per file); a cross-device failure is not remembered, as another output may be on the
 * cache's device.
 *
 * Safety: `reflink` and `copy` give the workspace an independent, writable file (0o644/0o755), so
 * editing it never reaches the cache. `hardlink` and `symlink` share the read-only object: a user
 * who forces a write (`chmod u+w` then edit in place) corrupts it, which `verify` reports.
 */

/** Errors after which the next link type is tried. */
const FALLBACK = ['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EPERM', 'EINVAL', 'ENOSYS', 'ENOTTY', 'EMLINK'];
/** Of those, the ones that say the file system cannot do it at all. */
const UNSUPPORTED = ['ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'ENOTTY', 'EINVAL', 'EPERM'];

export const DEFAULT_LINK_TYPES: LinkType[] = ['reflink', 'copy'];

function errnoIn(e: unknown, codes: string[]): boolean {
  return codes.some((c) => isErrno(e, c));
}

export class Linker {
  private disabled = new Set<LinkType>();
  private probed = false;

  constructor(
    readonly order: LinkType[],
    private readonly store: ObjectStore,
  ) {
    if (order.length === 0) throw new TypeError('linkTypes must not be empty');
  }

  /** The first type that is not known to fail here; reflink support is probed once, lazily. */
  primary(): LinkType {
    if (!this.probed && this.order.includes('reflink')) this.probeReflink();
    this.probed = true;
    return this.order.find((t) => !this.disabled.has(t)) ?? 'copy';
  }

  /** True when the primary type shares the object with the workspace (hardlink, symlink). */
  sharesObject(): boolean {
    const p = this.primary();
    return p === 'hardlink' || p === 'symlink';
  }

  /**
   * Put object file `obj` at `dest`. With `replace`, `dest` may exist and is swapped atomically
   * (temp beside it, then rename); without, `dest` must not exist. A copy (or a clone) always
   * goes through a temp file, so a kill mid-copy never leaves a truncated or empty file at `dest`:
   * a small one written in place was, after a SIGKILL, an empty file that the next checkout took
   * for an unsaved edit and refused to overwrite. A temp a killed process left is not an edit
   * (`isLeftoverTemp`); the next checkout removes it with the other extra files. Returns the type
   * used. When every configured type fails, the last error is thrown.
   */
  place(obj: string, dest: string, opts: { exec: boolean; replace: boolean; size: number }): LinkType {
    this.primary();
    let last: unknown;
    const types = this.order.filter((t) => !this.disabled.has(t));
    for (const t of types.length ? types : (['copy'] as LinkType[])) {
      const viaTemp = opts.replace || t === 'copy' || t === 'reflink';
      const target = viaTemp ? tempBeside(dest) : dest;
      try {
        placeOne(t, obj, target, opts.exec, opts.size);
      } catch (e) {
        dropFailed(e, target);
        if (!errnoIn(e, FALLBACK)) throw e;
        if (errnoIn(e, UNSUPPORTED)) this.disabled.add(t);
        last = e;
        continue;
      }
      if (viaTemp) {
        try {
          renameSync(target, dest);
        } catch (e) {
          rmSync(target, { force: true });
          throw e;
        }
      }
      return t;
    }
    throw last;
  }

  /**
   * `place` for a `dest` that does not exist (its directory does), without blocking the thread:
   * the syscalls run on libuv's pool, so a checkout keeps several placements in flight. Same
   * fallbacks, same temp file for a large copy.
   */
  async placeNew(obj: string, dest: string, opts: { exec: boolean; size: number }): Promise<LinkType> {
    this.primary();
    let last: unknown;
    const types = this.order.filter((t) => !this.disabled.has(t));
    for (const t of types.length ? types : (['copy'] as LinkType[])) {
      const viaTemp = t === 'copy' || t === 'reflink';
      const target = viaTemp ? tempBeside(dest) : dest;
      try {
        await placeOneAsync(t, obj, target, opts.exec, opts.size);
      } catch (e) {
        dropFailed(e, target);
        if (!errnoIn(e, FALLBACK)) throw e;
        if (errnoIn(e, UNSUPPORTED)) this.disabled.add(t);
        last = e;
        continue;
      }
      if (viaTemp) {
        try {
          await rename(target, dest);
        } catch (e) {
          await rm(target, { force: true });
          throw e;
        }
      }
      return t;
    }
    throw last;
  }

  /** Clone a scratch file inside the cache once to learn whether this file system can reflink. */
  private probeReflink(): void {
    const a = this.store.tempPath();
    const b = tempBeside(a);
    try {
      writeFileSync(a, 'probe');
      copyFileSync(a, b, constants.COPYFILE_FICLONE_FORCE);
    } catch (e) {
      if (!errnoIn(e, FALLBACK)) throw e;
      this.disabled.add('reflink');
    } finally {
      rmSync(a, { force: true });
      rmSync(b, { force: true });
    }
  }
}

/** `.name.tmp-<pid>-<hex>`: objects.ts `tempBeside`. */
const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]{9,}$/;

/**
 * Whether file name `name` is a placement temp (`tempBeside`) of a process that no longer runs:
 * what a checkout killed mid-copy leaves, never content anybody wrote.
 */
export function isLeftoverTemp(name: string): boolean {
  const m = TEMP_NAME.exec(name);
  return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
}

/**
 * After a failed placement at `target`: remove whatever it left there (a temp, or a file created
 * and then cut short by ENOSPC, EIO or EFBIG), unless the failure was EEXIST, which means the file
 * was there before and is not ours. Any other failure means the target was created by this call
 * or never existed (targets are created exclusively), so removing it loses nothing.
 */
function dropFailed(e: unknown, target: string): void {
  if (!isErrno(e, 'EEXIST')) rmSync(target, { force: true });
}

function placeOne(t: LinkType, obj: string, target: string, exec: boolean, size: number): void {
  switch (t) {
    case 'reflink':
      copyFileSync(obj, target, constants.COPYFILE_FICLONE_FORCE);
      chmodSync(target, exec ? 0o755 : 0o644);
      return;
    case 'copy':
      if (size < copyBuf.length) return copySmall(obj, target, exec ? 0o755 : 0o644);
      copyFileSync(obj, target);
      chmodSync(target, exec ? 0o755 : 0o644);
      return;
    case 'hardlink':
      linkSync(obj, target);
      return;
    case 'symlink':
      symlinkSync(obj, target);
      return;
  }
}

async function placeOneAsync(t: LinkType, obj: string, target: string, exec: boolean, size: number): Promise<void> {
  const mode = exec ? 0o755 : 0o644;
  switch (t) {
    case 'reflink':
      await copyFile(obj, target, constants.COPYFILE_FICLONE_FORCE);
      await chmod(target, mode);
      return;
    case 'copy':
      if (size < copyBuf.length) {
        // Read here (page cache, a few µs), create with the final mode there: see copySmall.
        const data = readSmall(obj, ioBuffer(size));
        await writeFile(target, data, { flag: 'wx', mode });
        return;
      }
      await copyFile(obj, target);
      await chmod(target, mode);
      return;
    case 'hardlink':
      await link(obj, target);
      return;
    case 'symlink':
      await symlink(obj, target);
      return;
  }
}

/** Below this size a copy is one read and one write, straight to its place (`copySmall`). */
export const SMALL_COPY = 1 << 20;

const copyBuf = ioBuffer(SMALL_COPY);

/** A small object's bytes, read into `buf` (its size, verified by the caller). */
function readSmall(obj: string, buf: Buffer): Buffer {
  const src = openSync(obj, 'r');
  try {
    let n = 0;
    for (let r; n < buf.length && (r = readSync(src, buf, n, buf.length - n, n)) > 0;) n += r;
    return buf.subarray(0, n);
  } finally {
    closeSync(src);
  }
}

/**
 * Copy a small object by reading it whole and creating the target with its final mode (subject
 * to the umask): `copyFileSync` copies the object's read-only mode, so it needs a second chmod,
 * and each metadata change costs a journal write (100k files: ~30% of the checkout).
 */
function copySmall(obj: string, target: string, mode: number): void {
  const src = openSync(obj, 'r');
  let n: number;
  try {
    n = readSync(src, copyBuf, 0, copyBuf.length, 0);
  } finally {
    closeSync(src);
  }
  const fd = openSync(target, 'wx', mode);
  try {
    for (let off = 0; off < n;) off += writeSync(fd, copyBuf, off, n - off);
  } finally {
    closeSync(fd);
  }
}
