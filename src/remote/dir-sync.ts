import { closeSync, constants, fchmodSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { ioBuffer } from '../core/iobuf.js';

/**
 * The synchronous half of a directory remote on a local file system (fs-kind.ts): small objects
 * copied in and read out with plain system calls on the main thread, no stream, no thread pool.
 * A caller awaits `breathe()` between objects so signals (Ctrl-C), timers and progress still run.
 */

/**
 * The temp names a push writes beside an object (`.<name>.tmp-<pid>-<hex>`, the shape the
 * cache's gc sweeps too), and the age from which one is a dead push's leftover (dir.ts).
 */
export const TEMP_NAME = /^\..+\.tmp-\d+-[0-9a-f]+$/;
export const STALE_MS = 60 * 60 * 1000;

/** Up to this size an object is copied or read in one read of the whole. */
export const SMALL_SYNC = 1 << 20;

const copyBuf = ioBuffer(SMALL_SYNC);

/**
 * Copy the cache object `src` (`size` bytes, at most `SMALL_SYNC`) to the new file `tmp` with
 * permission bits `mode`: open, read, close, open (exclusive), write, close; an fchmod too when
 * `umask` (core/fs.ts `readUmask()`) takes bits from the creation mode. The read stops at
 * `size` bytes (a cache object does not change; one that did is caught by the hash check of
 * whoever fetches it, as with any copy).
 */
export function copySmallSync(src: string, tmp: string, size: number, mode: number, umask: number): void {
  const fd = openSync(src, 'r');
  let n = 0;
  try {
    for (let r; n < size && (r = readSync(fd, copyBuf, n, size - n, n)) > 0;) n += r;
  } finally {
    closeSync(fd);
  }
  const out = openSync(tmp, 'wx', mode);
  try {
    for (let off = 0; off < n;) off += writeSync(out, copyBuf, off, n - off);
    if ((umask & mode) !== 0) fchmodSync(out, mode);
  } finally {
    closeSync(out);
  }
}

export interface SmallRead {
  data: Buffer;
  exec: boolean;
}

/** Not following a symlink (as lstat), and not waiting on a FIFO: both are "not an object". */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The bytes of the regular file `path` (read as its fstat sizes it) when it has at most `max`
 * bytes; 'absent' when there is no such file or it is not a regular file (a symlink, a FIFO, a
 * directory); 'large' when it is bigger. Other errno errors are thrown as they come. The caller
 * hashes what comes back: a file that changes while it is read comes back as some other bytes.
 */
export function readSmallSync(path: string, max: number): SmallRead | 'absent' | 'large' {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return 'absent';
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'absent';
    if (st.size > max) return 'large';
    const data = ioBuffer(st.size);
    let n = 0;
    for (let r; n < data.length && (r = readSync(fd, data, n, data.length - n, n)) > 0;) n += r;
    return { data: n === data.length ? data : data.subarray(0, n), exec: (st.mode & 0o100) !== 0 };
  } finally {
    closeSync(fd);
  }
}

/**
 * A gate that lets the event loop run once every `everyMs` of synchronous work: `breathe()`
 * returns undefined while the time is not up, else a promise that resolves on the next turn of
 * the loop (shared by every caller until then, so all of them pause together).
 */
export function makeBreather(everyMs = 20): () => Promise<void> | undefined {
  let gate: Promise<void> | undefined;
  let last = performance.now();
  return () => {
    if (gate) return gate;
    if (performance.now() - last < everyMs) return undefined;
    gate = new Promise((resolve) =>
      setImmediate(() => {
        gate = undefined;
        last = performance.now();
        resolve();
      }),
    );
    return gate;
  };
}
