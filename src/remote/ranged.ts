import type { Readable } from 'node:stream';

/**
 * A big object downloaded as ranged parts in parallel (as rclone's multi-thread download does),
 * yielded in order so the caller hashes and writes one sequential stream, exactly as for a small
 * object: the hash check before the object enters the cache is unchanged (remote/fetch.ts).
 *
 * Memory is constant: at most `window` parts are in flight or waiting (a reorder window of
 * `window` x `partBytes`, 64 MiB by default), whatever the object's size. Part 0 is the body of
 * the plain GET that found the object (read up to its part's end, then dropped), so a big object
 * costs no extra request. A part that fails aborts the others and fails the stream.
 */

/** Objects this big or bigger are downloaded in ranged parts. */
export const RANGED_BYTES = 64 * 1024 * 1024;
export const PART_BYTES = 16 * 1024 * 1024;
export const PART_WINDOW = 4;

export type GetPart = (start: number, len: number, signal: AbortSignal) => Promise<Readable>;

export async function* rangedBody(
  first: Readable,
  size: number,
  getPart: GetPart,
  partBytes = PART_BYTES,
  window = PART_WINDOW,
): AsyncGenerator<Buffer> {
  const n = Math.ceil(size / partBytes);
  const ac = new AbortController();
  const parts = new Map<number, Promise<Buffer[]>>();
  let started = 1;
  const download = async (i: number): Promise<Buffer[]> => {
    const start = i * partBytes;
    const body = await getPart(start, Math.min(partBytes, size - start), ac.signal);
    const out: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer>) out.push(c);
    return out;
  };
  /** Start parts up to the window's end, the window being [head, head + window). */
  const fill = (head: number): void => {
    while (started < n && started < head + window) {
      const p = download(started);
      p.catch(() => {}); // awaited in order below; never an unhandled rejection meanwhile
      parts.set(started++, p);
    }
  };
  try {
    fill(0);
    const len0 = Math.min(partBytes, size);
    let got = 0;
    for await (const c of first as AsyncIterable<Buffer>) {
      const take = Math.min(c.length, len0 - got);
      if (take > 0) yield take === c.length ? c : c.subarray(0, take);
      got += take;
      if (got >= len0) break; // leaving the loop destroys the rest of the first response
    }
    if (got < len0) return; // cut short: the caller's size and hash check reject it
    for (let i = 1; i < n; i++) {
      fill(i);
      const bufs = await parts.get(i)!;
      parts.delete(i);
      for (const b of bufs) yield b;
    }
  } finally {
    first.destroy();
    ac.abort();
  }
}
