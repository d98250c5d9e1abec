import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../core/builtins.js';
import { IO_BUFFER_SKEW } from '../core/iobuf.js';
import type { WorkerFailure } from '../core/worker-failure.js';
import { SMALL_COPY } from './link.js';

/**
 * Placing the files of a fresh directory checkout on worker threads (checkout-fresh.ts). Placing
 * a file is kernel work (a link and a stat, or an open, read, create and write), so on the main
 * thread one core does it all while the other idles; two threads, each placing its own run of
 * directories synchronously, get both cores, and the kernel's per-directory locks never make
 * them wait for each other (they meet in one directory at most, at the end).
 *
 * A worker decides nothing: it places what it is sent, with the one link type it is told, into a
 * directory tree the caller created, and answers for each file placed the stat the caller judges
 * the object by (trust.ts) and, for a link, keys the stat-cache entry on (the link's own stat,
 * which is the object's inode: the ctime each link sets is in it). At the first error it removes
 * what that file left (unless EEXIST: then it was not ours) and stops the chunk, answering how
 * many went before and the error; the caller decides (checkout-fresh.ts).
 *
 * Plain CommonJS run with `eval` (node builtins only), so it works the same from the bundle, from
 * dist/ and from the TypeScript sources under test (as pool.ts).
 */

export type PlaceType = 'hardlink' | 'symlink' | 'copy' | 'reflink';

/** One run of files, all under `root`, none of which exists yet (their directories do). */
export interface PlaceChunk {
  type: PlaceType;
  root: string;
  /** Object names (64 hex: plain files only), one per file. */
  hashes: string[];
  /** Paths relative to `root`, POSIX separators (manifest paths, already checked safe). */
  rels: string[];
  /**
   * The directories of `rels` under `root`, made (with their parents) before any file: a chunk
   * ends at a directory change, so a directory is in one chunk, or in a few consecutive ones.
   */
  dirs: string[];
  /** Manifest sizes (a copy below SMALL_COPY is one read and one write). */
  sizes: number[];
  /** 1 where the file is executable (0o755 for a copy; a link shares the object's mode). */
  exec: Uint8Array;
}

/** Numbers per placed file in `PlaceAnswer.st`. */
export const STAT_FIELDS = 6;

export interface PlaceAnswer {
  /** Files placed, from the chunk's start; the rest were not touched (or removed again). */
  done: number;
  /** `STAT_FIELDS` numbers per placed file: dev, ino, size, mtimeMs, ctimeMs, mode. */
  st: Float64Array;
  err?: PlaceFailure;
}

export type PlaceFailure = WorkerFailure;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { objectsDir } = workerData;
const SMALL = ${SMALL_COPY};
// core/iobuf.ts: the copy buffer placed off glibc's page + 16 (the kernel's copy is slow there).
const buf = Buffer.allocUnsafeSlow(SMALL + ${IO_BUFFER_SKEW + 16}).subarray(${IO_BUFFER_SKEW}, ${IO_BUFFER_SKEW} + SMALL);
const FICLONE_FORCE = fs.constants.COPYFILE_FICLONE_FORCE;
function put(out, k, s) {
  const o = k * ${STAT_FIELDS};
  out[o] = s.dev; out[o + 1] = s.ino; out[o + 2] = s.size; out[o + 3] = s.mtimeMs; out[o + 4] = s.ctimeMs; out[o + 5] = s.mode;
}
// Read the object whole from an fd (its fstat is what the caller judges), create the target with
// its final mode: no chmod, no temp (the tree is the caller's temp directory).
function copySmall(obj, target, mode) {
  const fd = fs.openSync(obj, 'r');
  let st, n = 0;
  try {
    st = fs.fstatSync(fd);
    for (let r; n < buf.length && (r = fs.readSync(fd, buf, n, buf.length - n, n)) > 0; ) n += r;
  } finally { fs.closeSync(fd); }
  const out = fs.openSync(target, 'wx', mode);
  try { for (let off = 0; off < n; ) off += fs.writeSync(out, buf, off, n - off); } finally { fs.closeSync(out); }
  return st;
}
function placeOne(type, obj, target, exec, size) {
  switch (type) {
    case 'hardlink': fs.linkSync(obj, target); return fs.statSync(target);
    case 'symlink': fs.symlinkSync(obj, target); return fs.statSync(target);
    case 'copy':
      if (size < SMALL) return copySmall(obj, target, exec ? 0o755 : 0o644);
    // falls through: a large copy, as a clone would
    default: {
      const st = fs.lstatSync(obj);
      fs.copyFileSync(obj, target, type === 'reflink' ? FICLONE_FORCE : 0);
      fs.chmodSync(target, exec ? 0o755 : 0o644);
      return st;
    }
  }
}
function failure(e) {
  return { message: String((e && e.message) || e), code: e && e.code, errno: e && e.errno, syscall: e && e.syscall, path: e && e.path, dest: e && e.dest };
}
// Files from the chunk's start until the first failure; the stats of those placed.
function placeChunk(c, out) {
  try {
    for (const d of c.dirs) fs.mkdirSync(c.root + '/' + d, { recursive: true });
  } catch (e) {
    return { done: 0, err: failure(e) };
  }
  for (let k = 0; k < c.rels.length; k++) {
    const h = c.hashes[k];
    const target = c.root + '/' + c.rels[k];
    try {
      put(out, k, placeOne(c.type, objectsDir + '/' + h.slice(0, 2) + '/' + h.slice(2), target, c.exec[k] === 1, c.sizes[k]));
    } catch (e) {
      // Created exclusively: anything there after a failure but EEXIST is this call's leftover.
      if (!(e && e.code === 'EEXIST')) { try { fs.rmSync(target, { force: true }); } catch {} }
      return { done: k, err: failure(e) };
    }
  }
  return { done: c.rels.length, err: undefined };
}
parentPort.on('message', (c) => {
  const out = new Float64Array(c.rels.length * ${STAT_FIELDS});
  const { done, err } = placeChunk(c, out);
  const st = out.subarray(0, done * ${STAT_FIELDS}).slice();
  parentPort.postMessage({ done, st, err }, [st.buffer]);
});
`;

/**
 * Worker threads placing chunks, started by the constructor (so that they boot while the caller
 * reads the manifest). `run` hands out chunks in order, the first worker taking them from the
 * front and the second from the back, so the two work in different directories; `onAnswer` gets
 * each answer on the main thread as it arrives (to judge objects and record stats while the
 * workers go on) and returns false to stop handing out more (as `stop` does). `run` resolves
 * once nothing is in flight, and rejects when a worker dies (an error event, or an exit with a
 * chunk in flight). `close` ends the workers; nothing they were sent is still being placed once
 * it resolves.
 */
/** Chunks in flight per worker, so that a worker never waits for the main thread. */
const DEPTH = 2;

export class Placers {
  private readonly workers: Worker[] = [];
  private stopped = false;

  constructor(objectsDir: string, threads = placeThreads()) {
    for (let t = 0; t < Math.max(1, threads); t++)
      this.workers.push(new (workerThreads().Worker)(SOURCE, { eval: true, workerData: { objectsDir } }));
  }

  /** Hand out no more chunks (those in flight finish). */
  stop(): void {
    this.stopped = true;
  }

  run(chunks: PlaceChunk[], onAnswer: (index: number, a: PlaceAnswer) => boolean): Promise<void> {
    let front = 0;
    let back = chunks.length - 1;
    let inFlight = 0;
    return new Promise<void>((resolve, reject) => {
      const fail = (e: unknown): void => {
        this.stopped = true;
        reject(e);
      };
      this.workers.forEach((w, t) => {
        const mine: number[] = []; // the chunks sent to this worker, oldest first
        const next = (): void => {
          if (this.stopped || front > back) return;
          const i = t % 2 === 1 ? back-- : front++;
          mine.push(i);
          inFlight++;
          w.postMessage(chunks[i]);
        };
        w.on('message', (a: PlaceAnswer) => {
          const i = mine.shift()!;
          inFlight--;
          next(); // first: the worker never waits for this thread's judging
          try {
            if (!onAnswer(i, a)) this.stopped = true;
          } catch (e) {
            return fail(e);
          }
          if (inFlight === 0 && (this.stopped || front > back)) resolve();
        });
        w.on('error', fail);
        w.on('exit', (code) => {
          if (mine.length) fail(new Error(`checkout worker exited (code ${code}) with files in flight`));
        });
        for (let d = 0; d < DEPTH; d++) next();
      });
      if (inFlight === 0) resolve(); // nothing to place
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Two placing threads where there are two cores (the main thread only judges and records). */
export function placeThreads(): number {
  const env = Number(process.env.REPRO_PLACE_THREADS);
  if (process.env.REPRO_PLACE_THREADS !== undefined && Number.isInteger(env) && env >= 0 && env <= 16) return env;
  return Math.max(1, Math.min(2, availableParallelism()));
}
