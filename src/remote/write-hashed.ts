import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/**
 * Writing a download to a file while hashing it (fetch.ts): one write stream, each chunk written
 * as it arrives (libuv gathers what queues behind a write in flight into one writev).
 *
 * Tried and dropped (docs/bench.md, "Remotes", fourth session), both slower on the 2 GiB fetch:
 * hashing on a worker thread that read the temp file behind the writes (reading the pages back
 * while they were written cost ~3.5 s of system time for 2 GiB, more than the ~1.5 s of hashing
 * it took off the receiving thread), and gathering the chunks into 1 MiB positional writes
 * (1.1-1.3x the time, twice the system time: the chunks kept alive between writes are fresh
 * memory for every batch instead of reused).
 */

/**
 * Write a download to `tmp` (created, never overwritten) and hash it on the way. Returns the
 * bytes written and their sha256 hex. A failure of the body rejects with `BodyFailure`, of a
 * write with its errno error; the caller removes `tmp`.
 */
export async function writeHashed(body: AsyncIterable<Buffer>, tmp: string): Promise<{ size: number; digest: string }> {
  const h = createHash('sha256');
  let size = 0;
  // The body is read inside the generator, not handed to pipeline: its failure must surface here,
  // as a BodyFailure; a failed write ends the generator, which destroys the body.
  await pipeline(
    async function* () {
      try {
        for await (const chunk of body) {
          h.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      } catch (e) {
        throw new BodyFailure(e);
      }
    },
    createWriteStream(tmp, { flags: 'wx' }),
  );
  return { size, digest: h.digest('hex') };
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
