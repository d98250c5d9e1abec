import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * A big object downloaded as ranged parts, several in flight, by this thread, and hashed in
 * order as its bytes arrive: no worker threads (an HTTP client each cost twice the CPU on the
 * shared 2-CPU machine) and no read-back of the file (docs/bench.md, "Remotes").
 *
 * Every chunk of every part is written where it belongs (positional writes, gathered per part
 * while the previous write of that part is under way) into the temp file. sha256 is sequential:
 * the chunks of the part at the head (the lowest part not yet fully hashed) go to the hash as
 * they arrive; a later part's chunks are kept until the head reaches it, then hashed at once,
 * and that part's further chunks go straight to the hash. A part is started only while it is
 * within `parts` of the head, so memory is at most `parts` x `partBytes` for any size.
 *
 * Returns the hex digest of the bytes in order; the caller compares it with the object's name
 * before the file may enter the cache (fetch.ts) and removes the temp file on any failure. A
 * failure stops every request in flight (their bodies are destroyed) and waits for the writes
 * under way before the file is closed. Errors: `RangedAborted` when `signal` aborts,
 * `RangedFailure` (the remote's error as `remote`) for a request or a body that failed or was
 * cut off, an errno error (with `syscall`) for a local write.
 *
 * Off by default (s3.ts `RANGED_BYTES`): on the shared 2-CPU machine four sockets read by one
 * thread cost twice one stream's user CPU and the 2 GiB fetch was slower (docs/bench.md).
 */

/** Bytes of one part received and not yet written beyond which its socket is not read. */
const WRITE_LAG = 4 * 1024 * 1024;

export class RangedFailure extends Error {
  constructor(
    message: string,
    readonly remote?: unknown,
  ) {
    super(message);
  }
}

export class RangedAborted extends Error {
  constructor() {
    super('interrupted');
  }
}

export interface RangedSpec {
  size: number;
  partBytes: number;
  /** Parts in flight (and at most this many parts' bytes in memory). */
  parts: number;
  signal?: AbortSignal;
  /** The body of bytes `start`..`end` (inclusive) of the object; aborted through `signal`. */
  range(start: number, end: number, signal: AbortSignal): Promise<Readable>;
}

/** Download into `tmp` (created here; must not exist) and return the sha256 hex of its bytes. */
export async function rangedDownload(tmp: string, spec: RangedSpec): Promise<string> {
  const { size, partBytes } = spec;
  const n = Math.ceil(size / partBytes);
  const window = Math.max(1, spec.parts);
  const fh = await open(tmp, 'wx');
  const stop = new AbortController();
  const hash = createHash('sha256');
  const held: (Buffer[] | undefined)[] = new Array<Buffer[] | undefined>(n);
  const finished = new Uint8Array(n);
  const running = new Set<Promise<void>>();
  let head = 0;
  let next = 0;
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= e;
    stop.abort();
  };
  const onAbort = (): void => fail(new RangedAborted());
  if (spec.signal?.aborted) onAbort();
  spec.signal?.addEventListener('abort', onAbort, { once: true });

  const part = async (i: number): Promise<void> => {
    const start = i * partBytes;
    const want = Math.min(size, start + partBytes) - start;
    let body: Readable;
    try {
      body = await spec.range(start, start + want - 1, stop.signal);
    } catch (e) {
      throw stop.signal.aborted ? (failure ?? new RangedAborted()) : new RangedFailure((e as Error).message, e);
    }
    let got = 0;
    let pos = start;
    let queue: Buffer[] = [];
    let queued = 0;
    let writing: Promise<void> | undefined;
    const drain = async (): Promise<void> => {
      while (queue.length) {
        const bufs = queue;
        queue = [];
        const len = bufs.reduce((a, b) => a + b.length, 0);
        let done = 0;
        while (done < len) {
          const { bytesWritten } = await fh.writev(done ? [Buffer.concat(bufs).subarray(done)] : bufs, pos + done);
          done += bytesWritten;
        }
        pos += len;
        queued -= len;
      }
    };
    const onStop = (): void => void body.destroy();
    stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          if (failure) break;
          got += chunk.length;
          if (got > want) throw new RangedFailure(`part ${i + 1} of ${n} is longer than asked for`);
          if (i === head) hash.update(chunk);
          else (held[i] ??= []).push(chunk);
          queue.push(chunk);
          queued += chunk.length;
          writing ??= drain()
            .catch((e: Error) => fail(e)) // a local write failed: errno error, stops the rest
            .finally(() => (writing = undefined));
          // Backpressure: the socket is not read while this part's writes lag by `WRITE_LAG`.
          if (queued > WRITE_LAG) await writing;
        }
      } catch (e) {
        if (e instanceof RangedFailure || failure) throw e;
        throw new RangedFailure((e as Error).message, e);
      }
      if (failure) throw failure;
      if (got !== want) throw new RangedFailure(`part ${i + 1} of ${n} was cut off (${got} of ${want} bytes)`);
      while (writing) await writing;
      if (failure) throw failure;
    } finally {
      stop.signal.removeEventListener('abort', onStop);
    }
    finished[i] = 1;
    while (head < n && finished[head]) {
      head++;
      const kept = held[head];
      if (kept) for (const c of kept) hash.update(c);
      held[head] = undefined;
    }
  };

  const launch = (): void => {
    while (!failure && next < n && next < head + window) {
      const p: Promise<void> = part(next++)
        .catch((e: Error) => fail(e))
        .finally(() => {
          running.delete(p);
          launch();
        });
      running.add(p);
    }
  };
  try {
    launch();
    while (running.size) await Promise.race(running);
    if (failure) throw failure;
    if (head !== n) throw new RangedFailure(`download stopped at part ${head + 1} of ${n}`);
    return hash.digest('hex');
  } finally {
    spec.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    await fh.close();
  }
}
