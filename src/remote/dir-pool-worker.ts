import { IO_BUFFER_SKEW } from '../core/iobuf.js';
import { SMALL_SYNC, TEMP_NAME } from './dir-sync.js';

/**
 * What a directory remote's worker thread runs (dir-pool.ts starts and feeds it) and the jobs it
 * takes. Plain CommonJS run with `eval` (node builtins only), so it works the same from the
 * bundle, from dist/ and from the TypeScript sources under test (as cache/pool.ts).
 */

/**
 * Copy `src` (`size` bytes) to `dest` through a temp name beside it, created read-only (0444, or
 * 0555 when `src` is executable: the cache's modes). The answer: 0 stored; 1 `src` is not a regular file of `size` bytes (absent from the local cache,
 * or not as its manifest says): nothing written.
 */
export interface PutJob {
  src: string;
  dest: string;
  size: number;
}

/**
 * Read `src` whole; only if it has `size` bytes that hash to `digest`, store it under `dest`
 * through a temp name beside it, created read-only (0555 when `exec`, else 0444), unless `dest`
 * exists. The answer: 0 stored, 1 `src` is not a regular file (absent from the remote), 3 it is
 * not of `size` bytes or does not hash to `digest` (corrupt), 4 something is at `dest` already
 * (never replaced: the caller applies the cache's rules to it); nothing written but for 0.
 */
export interface ReadJob {
  src: string;
  dest: string;
  digest: string;
  size: number;
  exec: boolean;
}

export type ReadAnswer = 0 | 1 | 3 | 4;

export type PutAnswer = 0 | 1;

export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { prefix, umask, staleMs } = workerData;
const TEMP_NAME = new RegExp(${JSON.stringify(TEMP_NAME.source)});
const MAX = ${SMALL_SYNC};
// core/iobuf.ts: the buffer placed off glibc's page + 16 (the kernel's copy is slow there).
const buf = Buffer.allocUnsafeSlow(MAX + ${IO_BUFFER_SKEW + 16}).subarray(${IO_BUFFER_SKEW}, ${IO_BUFFER_SKEW} + MAX);
const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
let counter = 0;
function readInto(fd, size) {
  let n = 0;
  for (let r; n < size && (r = fs.readSync(fd, buf, n, size - n, n)) > 0; ) n += r;
  return n;
}
function writeAll(fd, n) {
  for (let off = 0; off < n; ) off += fs.writeSync(fd, buf, off, n - off);
}
// Create 'tmp' exclusively, write the first n bytes of buf, close; on any failure remove it again.
function writeNew(tmp, n, mode, then) {
  const out = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      writeAll(out, n);
      if ((umask & mode) !== 0) fs.fchmodSync(out, mode);
    } finally { fs.closeSync(out); }
    if (then) then();
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch {}
    throw e;
  }
}
// The fan-out directories this worker has made (and swept of the temp files a push that died
// left there more than staleMs ago: dir.ts's sweep, the same rule).
const made = new Set();
function ensureDir(dir) {
  if (made.has(dir)) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    if (e && typeof e === 'object') e.phase = 'mkdir';
    throw e;
  }
  made.add(dir);
  let names;
  try { names = fs.readdirSync(dir); } catch { return; }
  const cutoff = Date.now() - staleMs;
  for (const n of names) {
    if (!TEMP_NAME.test(n)) continue;
    try {
      const st = fs.lstatSync(dir + '/' + n, { throwIfNoEntry: false });
      if (st && st.isFile() && st.mtimeMs < cutoff) fs.rmSync(dir + '/' + n, { force: true });
    } catch {}
  }
}
function putOne(j) {
  let fd;
  try {
    fd = fs.openSync(j.src, READ_FLAGS);
  } catch (e) {
    if (e && (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ELOOP')) return 1;
    throw e;
  }
  let n, mode;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size !== j.size) return 1;
    mode = (st.mode & 0o100) !== 0 ? 0o555 : 0o444;
    n = readInto(fd, j.size);
  } finally { fs.closeSync(fd); }
  if (n !== j.size) return 1;
  storeBeside(j.dest, n, mode, (tmp) => fs.renameSync(tmp, j.dest));
  return 0;
}
// The first n bytes of buf through a temp name beside dest, made first (with dest's directory);
// place(tmp) moves it to dest.
function storeBeside(dest, n, mode, place) {
  const slash = dest.lastIndexOf('/');
  ensureDir(dest.slice(0, slash));
  const tmp = dest.slice(0, slash) + '/.' + dest.slice(slash + 1) + '.tmp-' + prefix + (counter++).toString(16);
  writeNew(tmp, n, mode, () => place(tmp));
}
function readOne(j) {
  let fd, n;
  try {
    try {
      fd = fs.openSync(j.src, READ_FLAGS);
    } catch (e) {
      if (e && (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ELOOP')) return 1;
      throw e;
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return 1;
      if (st.size !== j.size) return 3;
      n = readInto(fd, j.size);
    } finally { fs.closeSync(fd); }
  } catch (e) {
    if (e && typeof e === 'object') e.phase = 'read';
    throw e;
  }
  if (n !== j.size || createHash('sha256').update(buf.subarray(0, n)).digest('hex') !== j.digest) return 3;
  // A link and an unlink, not a rename: what is at dest already is never replaced.
  let there = false;
  storeBeside(j.dest, n, j.exec ? 0o555 : 0o444, (tmp) => {
    try {
      fs.linkSync(tmp, j.dest);
    } catch (e) {
      if (!e || e.code !== 'EEXIST') throw e;
      there = true;
    }
    fs.rmSync(tmp, { force: true });
  });
  return there ? 4 : 0;
}
function failure(e) {
  return { message: String((e && e.message) || e), code: e && e.code, errno: e && e.errno, syscall: e && e.syscall,
    path: e && e.path, dest: e && e.dest, phase: (e && e.phase) || 'write' };
}
parentPort.on('message', (m) => {
  const out = [];
  for (let k = 0; k < m.jobs.length; k++) {
    try { out.push(m.op === 'put' ? putOne(m.jobs[k]) : readOne(m.jobs[k])); }
    catch (e) { return parentPort.postMessage({ done: k, out, err: failure(e) }); }
  }
  parentPort.postMessage({ done: m.jobs.length, out });
});
`;
