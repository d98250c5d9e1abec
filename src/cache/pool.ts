import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../core/builtins.js';
import { IO_BUFFER_SKEW } from '../core/iobuf.js';
import { CHUNK_BYTES } from './hash.js';

/**
 * Storing small files on worker threads. Storing a small file is system CPU (open, read, create,
 * write, rename: the kernel's work, not JavaScript's), so on the main thread one core does it all
 * while the other idles; a thread per core gets both. Each job is one file, read once: the bytes
 * read are hashed and written to a temp file renamed into place (copy), or the inode read is
 * hard-linked under its name and checked to be the inode the open fd read (link), so what gets a
 * name is always what was hashed.
 *
 * A worker never decides anything that needs the store's state (trust, the stat cache, which
 * fallback a link type takes): it does the one common case and answers `retry` for anything
 * else (an error, a size that changed since the walk's stat), and the caller then stores that
 * file the serial way, which owns every other case. An object that already exists is left alone
 * (`exists`): whether it is good is the trust's call, on the main thread.
 *
 * The worker is plain CommonJS run with `eval` (node builtins only), so it works the same from
 * the bundle, from dist/ and from the TypeScript sources under test.
 */

export interface StoreJob {
  abs: string;
  /** Size from the walk's stat; a read that gives another size answers `retry`. */
  size: number;
  exec: boolean;
  /** Hard-link the file into the cache (hardlink setups) instead of writing its bytes. */
  link: boolean;
}

/** The fields of an fstat the caller keys trust and the stat cache on. */
export interface StatNums {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  mode: number;
}

export type StoreResult =
  /**
   * `tRef`: taken before the read (what the workspace file's stat-cache entry is judged against:
   * a change after the read within the racy margin of it must not be trusted); `objRef`: taken
   * before the object was written (what the object's trust is judged against).
   */
  | { kind: 'stored'; hash: string; size: number; tRef: number; objRef: number; st: StatNums }
  | { kind: 'exists'; hash: string; size: number; tRef: number }
  | { kind: 'retry'; why: string };

/** Only files below this size go to the workers: one read, one buffer. */
export const POOL_MAX_BYTES = CHUNK_BYTES;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { objectsDir, prefix } = workerData;
// core/iobuf.ts: the read buffer placed off glibc's page + 16 (the kernel's copy is slow there).
const buf = Buffer.allocUnsafeSlow(${POOL_MAX_BYTES} + ${IO_BUFFER_SKEW + 16}).subarray(${IO_BUFFER_SKEW}, ${IO_BUFFER_SKEW} + ${POOL_MAX_BYTES});
let counter = 0;
const nums = (s) => ({ dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, mode: s.mode });
const tmpBeside = (dir, base) => dir + '/.' + base + '.tmp-' + prefix + (counter++).toString(16);
// The fan-out directories exist (the caller makes them): a missing one is an error, so 'retry'.
const objDir = (hash) => objectsDir + '/' + hash.slice(0, 2);
function readAll(fd, size) {
  const n = fs.readSync(fd, buf, 0, buf.length, null);
  return n === size && n < buf.length ? buf.subarray(0, n) : undefined;
}
function copyOne(j) {
  const tRef = Date.now();
  const fd = fs.openSync(j.abs, 'r');
  let data;
  try { data = readAll(fd, j.size); } finally { fs.closeSync(fd); }
  if (!data) return { kind: 'retry', why: 'size' };
  const hash = createHash('sha256').update(data).digest('hex');
  const dir = objDir(hash);
  const obj = dir + '/' + hash.slice(2);
  if (fs.lstatSync(obj, { throwIfNoEntry: false })) return { kind: 'exists', hash, size: data.length, tRef };
  const wRef = Date.now();
  const tmp = tmpBeside(dir, hash.slice(2));
  const out = fs.openSync(tmp, 'wx', j.exec ? 0o555 : 0o444);
  let st;
  try {
    for (let off = 0; off < data.length; ) off += fs.writeSync(out, data, off, data.length - off);
    st = fs.fstatSync(out);
  } catch (e) {
    fs.closeSync(out);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(out);
  try { fs.renameSync(tmp, obj); } catch (e) { fs.rmSync(tmp, { force: true }); throw e; }
  return { kind: 'stored', hash, size: data.length, tRef, objRef: wRef, st: nums(st) };
}
// Hash the file, then link it under its name: link() is atomic and fails when the name exists,
// so no temp name and no rename. The fd pins the inode that was read: if the path was replaced
// in between, the name now holds another inode, which is unlinked again (nothing is served
// from the store unhashed, trust.ts, so a reader in that window finds it bad, never wrong).
function linkOne(j) {
  const tRef = Date.now();
  const fd = fs.openSync(j.abs, 'r');
  try {
    const data = readAll(fd, j.size);
    if (!data) return { kind: 'retry', why: 'size' };
    const hash = createHash('sha256').update(data).digest('hex');
    const obj = objectsDir + '/' + hash.slice(0, 2) + '/' + hash.slice(2);
    try {
      fs.linkSync(j.abs, obj);
    } catch (e) {
      if (e && e.code === 'EEXIST') return { kind: 'exists', hash, size: data.length, tRef };
      throw e;
    }
    const named = fs.lstatSync(obj, { throwIfNoEntry: false });
    const st0 = fs.fstatSync(fd);
    if (!named || named.ino !== st0.ino || named.dev !== st0.dev) {
      if (named && named.ino !== st0.ino) fs.rmSync(obj, { force: true });
      return { kind: 'retry', why: 'replaced' };
    }
    fs.fchmodSync(fd, j.exec ? 0o555 : 0o444);
    return { kind: 'stored', hash, size: data.length, tRef, objRef: tRef, st: nums(fs.fstatSync(fd)) };
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (jobs) => {
  const out = jobs.map((j) => {
    try { return j.link ? linkOne(j) : copyOne(j); } catch (e) { return { kind: 'retry', why: String((e && e.code) || e) }; }
  });
  parentPort.postMessage(out);
});
`;

/** Jobs per message: one postMessage costs about as much as storing a file. */
const BATCH = 32;
/** Batches in flight per worker, so a worker never waits for the main thread. */
const DEPTH = 3;

interface Pending {
  job: StoreJob;
  resolve: (r: StoreResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Worker threads storing files (see the module comment). `threads()` workers, started on the
 * first `submit`; `close` ends them (they must not outlive the store that uses them).
 */
export class StorePool {
  private workers: { w: Worker; inFlight: Pending[][] }[] = [];
  private queue: Pending[] = [];
  private failed: unknown;

  constructor(
    private readonly dirs: { objectsDir: string },
    private readonly n: number = poolThreads(),
  ) {}

  /** Store one file; the promise settles when a worker has answered. */
  submit(job: StoreJob): Promise<StoreResult> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.queue.push({ job, resolve, reject });
      if (this.queue.length >= BATCH) this.pump();
    });
  }

  /** Send queued jobs now, even a partial batch (before the caller awaits one of them). */
  flush(): void {
    this.pump(true);
  }

  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((x) => x.w.terminate()));
  }

  private pump(partial = false): void {
    if (this.workers.length === 0) this.start();
    while (this.queue.length >= (partial ? 1 : BATCH)) {
      const target = this.workers.reduce((a, b) => (b.inFlight.length < a.inFlight.length ? b : a));
      if (target.inFlight.length >= DEPTH && !partial) return;
      const batch = this.queue.splice(0, BATCH);
      target.inFlight.push(batch);
      target.w.postMessage(batch.map((p) => p.job));
    }
  }

  private start(): void {
    for (let i = 0; i < this.n; i++) {
      // The pid and a fresh random part: names in gc's temp shape, unique per worker.
      const prefix = `${process.pid}-${randomBytes(4).toString('hex')}`;
      const w = new (workerThreads().Worker)(SOURCE, { eval: true, workerData: { ...this.dirs, prefix } });
      const slot = { w, inFlight: [] as Pending[][] };
      w.on('message', (out: StoreResult[]) => {
        const batch = slot.inFlight.shift()!;
        batch.forEach((p, k) => p.resolve(out[k]!));
        this.pump(this.queue.length > 0 && this.workers.every((x) => x.inFlight.length === 0));
      });
      w.on('error', (e) => this.fail(e));
      // A worker that ends without an error event (killed, out of memory) must not leave its
      // batches waiting forever: they fail, and the caller stores them the serial way.
      w.on('exit', (code) => {
        if (slot.inFlight.length || this.queue.length) this.fail(new Error(`store worker exited (code ${code}) with files in flight`));
      });
      this.workers.push(slot);
    }
  }

  private fail(e: unknown): void {
    this.failed = e;
    for (const x of this.workers) for (const b of x.inFlight.splice(0)) for (const p of b) p.reject(e);
    for (const p of this.queue.splice(0)) p.reject(e);
  }
}

/** One worker per core, at most 4 (the main thread walks and keeps the manifest meanwhile). */
export function poolThreads(): number {
  const env = Number(process.env.REPRO_STORE_THREADS);
  if (process.env.REPRO_STORE_THREADS !== undefined && Number.isInteger(env) && env >= 0 && env <= 16) return env;
  return Math.max(1, Math.min(4, availableParallelism()));
}
