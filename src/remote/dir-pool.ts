import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { IO_BUFFER_SKEW } from '../core/iobuf.js';
import { errnoFields, type WorkerFailure } from '../core/worker-failure.js';
import { SMALL_SYNC, STALE_MS, TEMP_NAME } from './dir-sync.js';

/**
 * The small objects of a directory remote on a local file system moved on worker threads
 * (dir.ts, `bulk`). Copying a small file is kernel work (open, read, create, write, rename), so
 * on the main thread one core does it all while the other idles; two threads, each copying its
 * own run of objects synchronously, get both. A push's copy is the main thread's `copySmallSync`
 * into a temp name beside the object and a rename; a fetch's is the same copy in the other
 * direction with the sha256 of the bytes checked against the object's name in between: only an
 * object that matches is written. These are the fallback of repro-dircopy (dir-copy.ts), which
 * does the same outside Node where it was built.
 *
 * A worker decides nothing: it does what it is sent, in order, and stops a batch at the first
 * error (having removed the temp file that object left), answering how many went before and the
 * error; the caller stops handing out batches and reports it (dir.ts: E_REMOTE by errno, as the
 * synchronous path does). A worker checks each source itself (a push's: a regular file of the size
 * its manifest gives, so the caller need not lstat 10k cache objects first) and makes each fan-out
 * directory before its first object goes in, sweeping it of stale temps as dir.ts does: the
 * main thread then only plans, and the directories are made on both cores.
 *
 * Plain CommonJS run with `eval` (node builtins only), so it works the same from the bundle, from
 * dist/ and from the TypeScript sources under test (as cache/pool.ts).
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

/** A worker's errno error, and which side failed. */
interface Failure extends WorkerFailure {
  /** 'read': reading the remote's object; 'mkdir': making a fan-out directory; 'write': anything else. */
  phase: 'read' | 'mkdir' | 'write';
}

interface Answer {
  done: number;
  out: (ReadAnswer | PutAnswer)[];
  err?: Failure;
}

const SOURCE = `
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

/** Objects per message: a batch is a few ms of copying, a message a few µs. */
export const POOL_BATCH = 64;
/** Batches in flight per worker, so that a worker never waits for the main thread. */
const DEPTH = 2;

/** A worker's failure as the errno error the synchronous path would have thrown; `phase` says which side failed. */
export class PoolFailure extends Error {
  constructor(
    f: Failure,
    readonly phase: 'read' | 'mkdir' | 'write',
  ) {
    super(f.message);
    Object.assign(this, errnoFields(f));
  }
}

/**
 * Worker threads for one bulk transfer, started by the constructor (they boot while the caller
 * makes the fan-out directories); `close` ends them.
 */
export class DirPool {
  private readonly workers: Worker[] = [];

  constructor(umask: number, threads = dirPoolThreads()) {
    const prefix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    // Temp names in the shape dir.ts sweeps: `.<name>.tmp-<pid>-<hex>`, unique per worker.
    for (let t = 0; t < Math.max(1, threads); t++)
      this.workers.push(
        new Worker(SOURCE, { eval: true, workerData: { prefix: `${prefix}${t.toString(16)}0`, umask, staleMs: STALE_MS } }),
      );
  }

  /**
   * Hand `batches` out in order, the first worker taking them from the front and the second from
   * the back (sorted keys: the two work in different directories); `onAnswer(b, out)` gets the
   * answers of batch `b` as they arrive, a prefix of it when a job failed. Resolves true once all
   * are done, false when `signal` stopped it (the batches in flight finish first); rejects with
   * the first failure (`PoolFailure`, or a worker that died) once nothing is in flight.
   */
  run<A>(op: 'put' | 'read', batches: unknown[][], onAnswer: (b: number, out: A[]) => void, signal?: AbortSignal): Promise<boolean> {
    let front = 0;
    let back = batches.length - 1;
    let inFlight = 0;
    let failed: { e: unknown } | undefined;
    return new Promise<boolean>((resolve, reject) => {
      const settle = (): void => {
        if (inFlight > 0) return;
        if (failed) reject(failed.e);
        else if (front > back) resolve(true);
        else if (signal?.aborted) resolve(false);
      };
      const cleanups: (() => void)[] = [];
      const finish = (): void => {
        for (const c of cleanups) c();
        settle();
      };
      this.workers.forEach((w, t) => {
        const mine: number[] = [];
        const next = (): void => {
          if (failed || signal?.aborted || front > back) return;
          const b = t % 2 === 1 ? back-- : front++;
          mine.push(b);
          inFlight++;
          w.postMessage({ op, jobs: batches[b] });
        };
        const onMessage = (a: Answer): void => {
          const b = mine.shift()!;
          inFlight--;
          if (!a.err) next(); // first: the worker never waits for this thread's bookkeeping
          try {
            onAnswer(b, a.out.slice(0, a.done) as A[]);
          } catch (e) {
            failed ??= { e };
          }
          if (a.err) failed ??= { e: new PoolFailure(a.err, a.err.phase) };
          if (inFlight === 0) finish();
        };
        const onError = (e: unknown): void => {
          failed ??= { e };
          inFlight -= mine.splice(0).length;
          finish();
        };
        const onExit = (code: number): void => {
          if (mine.length) onError(new Error(`directory remote worker exited (code ${code}) with objects in flight`));
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        cleanups.push(() => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        });
        for (let d = 0; d < DEPTH; d++) next();
      });
      if (inFlight === 0) finish(); // nothing to do
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

/**
 * Worker threads for a directory remote's bulk transfers: one per core, at most 4; none (the
 * synchronous path on the main thread) with one core. `REPRO_DIR_REMOTE_THREADS` sets it (0: off).
 */
export function dirPoolThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.REPRO_DIR_REMOTE_THREADS;
  const n = Number(v);
  if (v !== undefined && v !== '' && Number.isInteger(n) && n >= 0 && n <= 16) return n;
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(4, cores);
}
