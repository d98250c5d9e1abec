import type { Readable } from 'node:stream';

/** A small object's bytes; more than `max` bytes is cut off (untrusted: never buffer a huge one). */
export async function readAll(body: Readable, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    parts.push(chunk);
    n += chunk.length;
    if (n > max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, max);
}
