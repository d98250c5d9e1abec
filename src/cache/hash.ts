import { openSync, readSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ioBuffer } from '../core/iobuf.js';

/**
 * Content hashing. Reads are synchronous on purpose: on the 2-vCPU benchmark machine,
 * `readFileSync` + sha256 over 100k small files took 0.7 s against 2.5-6 s for callback or promise
 * reads at 16 in flight (thread-pool hops cost more than the reads), and a 512 MiB file hashed at
 * openssl's speed with sync reads but 25-40% slower with double-buffered async reads. So there is
 * no read concurrency: one file at a time, each in few syscalls. Long loops hand the event loop
 * back every few tens of milliseconds through `makeYielder`, so signals and timers still run.
 */

/**
 * Read size. 512 MiB from the page cache: 1 MiB reads 437 ms, 4 MiB 440 ms, `openssl dgst
 * -sha256` 450 ms (medians of 5); the shared bench notes 64 KiB reads at about half the speed.
 */
export const CHUNK_BYTES = 1 << 20;

/** Shared by calls that finish without yielding; never held across an `await`. */
const shared = ioBuffer(CHUNK_BYTES);

/**
 * Files opened for hashing by this process. Observability for tests and benchmarks (a stat-cache
 * hit must not read); not part of the store's contract.
 */
export const hashCounters = { files: 0 };

export type Tick = () => Promise<void> | undefined;

/** A cooperative scheduler point: returns a promise (to await) only when `sliceMs` have passed. */
export function makeYielder(sliceMs = 40): Tick {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = performance.now();
        resolve();
      }),
    );
  };
}

export interface HashedContent {
  hash: string;
  size: number;
}

/**
 * sha256 of the content of the file at `path`, in constant memory. `expectedSize` (from a stat just
 * taken) lets a small file finish after one read; the result describes what was read, even if the
 * file changed meanwhile. Throws the fs error (ENOENT, EISDIR, ...) unchanged.
 */
export async function hashFileContent(
  path: string,
  opts: { expectedSize?: number; chunkBytes?: number; tick?: Tick } = {},
): Promise<HashedContent> {
  const chunk = opts.chunkBytes ?? CHUNK_BYTES;
  const fd = openSync(path, 'r');
  hashCounters.files++;
  try {
    const h = createHash('sha256');
    // The first read uses the shared buffer and is hashed before any await.
    const first = chunk <= shared.length ? shared : ioBuffer(chunk);
    let n = readSync(fd, first, 0, chunk, null);
    let size = n;
    h.update(first.subarray(0, n));
    if (n === 0 || (n < chunk && n === opts.expectedSize)) return { hash: h.digest('hex'), size };
    // Larger than one read (or its size was not known): a private buffer, so yielding is safe.
    const buf = first === shared ? ioBuffer(chunk) : first;
    const tick = opts.tick ?? makeYielder();
    while ((n = readSync(fd, buf, 0, chunk, null)) > 0) {
      h.update(buf.subarray(0, n));
      size += n;
      const y = tick();
      if (y) await y;
    }
    return { hash: h.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * For a file of `expectedSize` < CHUNK_BYTES: its hash and its whole content in one read, or
 * undefined when it turned out larger. `data` views a shared buffer: use it before the next await
 * or hash call (this function is synchronous so that nothing can run in between).
 */
export function hashSmallSync(path: string, expectedSize: number): (HashedContent & { data: Buffer }) | undefined {
  const fd = openSync(path, 'r');
  hashCounters.files++;
  try {
    const n = readSync(fd, shared, 0, shared.length, null);
    if (n !== expectedSize || n === shared.length) return undefined;
    const data = shared.subarray(0, n);
    return { hash: createHash('sha256').update(data).digest('hex'), size: n, data };
  } finally {
    closeSync(fd);
  }
}

/** Milliseconds to hash `path` with reads of `chunkBytes`: for choosing CHUNK_BYTES on a machine. */
export async function benchHashFile(path: string, chunkBytes: number = CHUNK_BYTES): Promise<number> {
  const t0 = performance.now();
  await hashFileContent(path, { chunkBytes });
  return performance.now() - t0;
}
