import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Hashing a big download on a second thread while it is written (issue 11: the 2 GiB fetch).
 * sha256 of 2 GiB is ~1.5 s of one core; hashed in the receiving thread it stalls the socket
 * for that long. Here the receiving thread only writes, and a worker reads the temp file behind
 * it (from the page cache) and hashes: the two overlap, and the hash costs the fetch only its tail.
 *
 * The writer tells the worker how far the file is written through a SharedArrayBuffer: slot 0 is
 * the byte count that is written completely, slot 1 becomes 1 when no more will come, 2 when the
 * download was abandoned. The worker reads only below slot 0, so it never sees a half-written
 * region; it answers with the hex digest and the bytes it hashed. Nothing is decided there: the
 * caller compares the digest with the object's name, as for any download.
 *
 * The worker is plain CommonJS run with `eval` (node builtins only), like the store's pool, so
 * it works the same from the bundle and from the sources.
 */

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { path, shared } = workerData;
const state = new BigInt64Array(shared);
const buf = Buffer.allocUnsafe(4 << 20);
const h = createHash('sha256');
let fd;
let pos = 0;
try {
  fd = fs.openSync(path, 'r');
  for (;;) {
    const written = Number(Atomics.load(state, 0));
    if (pos < written) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, written - pos), pos);
      if (n === 0) throw new Error('the file is shorter than written (' + pos + ' < ' + written + ')');
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
      continue;
    }
    const end = Atomics.load(state, 1);
    if (end === 2n) { parentPort.postMessage({ abandoned: true }); break; }
    // Read slot 0 once more after the end flag: the final count is stored before the flag.
    if (end === 1n && Number(Atomics.load(state, 0)) === pos) { parentPort.postMessage({ digest: h.digest('hex'), bytes: pos }); break; }
    Atomics.wait(state, 0, BigInt(written), 200);
  }
} catch (e) {
  parentPort.postMessage({ error: String((e && e.message) || e) });
} finally {
  if (fd !== undefined) fs.closeSync(fd);
}
`;

/** The two threads pay off from this size; below it the worker's start-up (~10 ms) costs more. */
export const FOLLOW_HASH_BYTES = Number(process.env.REPRO_FOLLOW_HASH_BYTES ?? 32 * 1024 * 1024);

let running = 0;

export interface FollowHash {
  /** `bytes` of the file (from its start) are written completely. */
  written(bytes: number): void;
  /** No more bytes: resolves to the sha256 hex of the file's first `bytes` bytes. */
  finish(bytes: number): Promise<string>;
  /** The download failed: resolves when the worker has stopped (then the caller removes the file). */
  abandon(): Promise<void>;
}

/**
 * A hasher following `path` as it is written, on a worker thread; or, when every core already
 * has one (several big downloads at once), undefined: the caller hashes in its own thread.
 */
export function followHash(path: string): FollowHash | undefined {
  if (running >= Math.max(1, availableParallelism() - 1) || process.env.REPRO_FOLLOW_HASH === '0') return undefined;
  const shared = new SharedArrayBuffer(16);
  const state = new BigInt64Array(shared);
  let worker: Worker;
  try {
    worker = new Worker(SOURCE, { eval: true, workerData: { path, shared } });
  } catch {
    return undefined; // no thread to be had (a resource limit): the caller hashes in its own
  }
  running++;
  let ended = false;
  const answer = new Promise<{ digest?: string; bytes?: number; error?: string; abandoned?: boolean }>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (e) => resolve({ error: e.message }));
    worker.once('exit', (code) => resolve({ error: `hash worker exited (code ${code})` }));
  });
  const stopped = answer.finally(() => {
    if (!ended) running--;
    ended = true;
    void worker.terminate();
  });
  const signal = (slot: 0 | 1, v: bigint): void => {
    Atomics.store(state, slot, v);
    Atomics.notify(state, 0);
  };
  return {
    written: (bytes) => signal(0, BigInt(bytes)),
    abandon: async () => {
      signal(1, 2n);
      await stopped;
    },
    async finish(bytes) {
      signal(0, BigInt(bytes));
      signal(1, 1n);
      const a = await answer;
      if (a.digest !== undefined && a.bytes === bytes) return a.digest;
      // The worker failed (or counted otherwise): hash the file here; a download is never
      // accepted on a digest nobody computed over exactly these bytes.
      return hashFileHere(path);
    },
  };
}

async function hashFileHere(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Bytes gathered per write: one syscall per network chunk (16-64 KiB) costs more than its bytes. */
const WRITE_BATCH = 1 << 20;

/**
 * Write a download to `tmp` (created, never overwritten) and hash it: on a worker thread behind
 * the writes when the announced size is big enough (see the module comment), else in this
 * thread. Returns the bytes written and their sha256 hex. A failure of the body rejects with
 * `BodyFailure`, of a write with its errno error; the caller removes `tmp`.
 */
export async function writeHashed(
  body: AsyncIterable<Buffer>,
  tmp: string,
  announced: number | undefined,
): Promise<{ size: number; digest: string }> {
  const fh = await open(tmp, 'wx');
  const follow = announced !== undefined && announced >= FOLLOW_HASH_BYTES ? followHash(tmp) : undefined;
  const h = follow ? undefined : createHash('sha256');
  const chunks = body[Symbol.asyncIterator]();
  let size = 0;
  let pos = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let inFlight: Promise<void> | undefined;
  // A failed write is kept here (never a rejected promise nobody awaits yet) and thrown at the next step.
  let writeError: unknown;
  const flush = async (): Promise<void> => {
    const bufs = batch;
    const n = batchBytes;
    batch = [];
    batchBytes = 0;
    await inFlight;
    if (writeError) throw writeError;
    const at = pos;
    pos += n;
    inFlight = writeAll(fh, tmp, bufs, n, at).then(
      () => follow?.written(at + n),
      (e: unknown) => void (writeError ??= e),
    );
  };
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (e) {
        throw new BodyFailure(e);
      }
      if (next.done) break;
      const chunk = next.value;
      h?.update(chunk);
      size += chunk.length;
      batch.push(chunk);
      batchBytes += chunk.length;
      // One write in flight while the next batch gathers: the socket keeps flowing.
      if (batchBytes >= WRITE_BATCH) await flush();
    }
    await flush();
    await inFlight;
    if (writeError) throw writeError;
    await fh.close();
  } catch (e) {
    if (!(e instanceof BodyFailure)) await chunks.return?.(); // a write failed: stop reading the body
    await inFlight;
    await follow?.abandon();
    await fh.close().catch(() => {});
    throw e;
  }
  return { size, digest: follow ? await follow.finish(size) : h!.digest('hex') };
}

/**
 * The body of a download failed (a connection reset, a timeout): the remote's side, told apart
 * from a failed local write, which keeps its errno error.
 */
export class BodyFailure extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error)?.message ?? String(reason));
  }
}

async function writeAll(fh: FileHandle, path: string, bufs: Buffer[], n: number, at: number): Promise<void> {
  let done = 0;
  while (done < n) {
    const rest = done === 0 ? bufs : [Buffer.concat(bufs).subarray(done)];
    const { bytesWritten } = await fh.writev(rest, at + done);
    if (bytesWritten === 0) throw Object.assign(new Error(`write to '${path}' made no progress`), { syscall: 'write', code: 'EIO' });
    done += bytesWritten;
  }
}
