import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchObjects, openBackend } from '../../src/remote/index.js';
import { BodyFailure, writeHashed } from '../../src/remote/write-hashed.js';

const BIG = 40 * 1024 * 1024;
import { freshBucket, s3Gateway, S3_ENDPOINT, S3_KEYS } from '../helpers/s3-gateway.js';
import { localCache } from './fixtures.js';

/**
 * A download is written in batches while it is hashed (src/remote/write-hashed.ts): the digest
 * must be exactly that of the bytes written, however the chunks arrive, and a failure must say
 * whose side it was on.
 */
const up = await s3Gateway();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'repro-follow-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** `data` in chunks of uneven sizes (as a socket delivers them), yielding to the event loop. */
async function* chunks(data: Buffer, fail?: number): AsyncIterable<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    if (fail !== undefined && at >= fail) throw new Error('connection reset');
    const n = Math.min(data.length - at, 1000 + ((i * 7919) % 70000));
    yield data.subarray(at, at + n);
    at += n;
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('writeHashed', () => {
  it('writes exactly the bytes of a download and hashes them', async () => {
    for (const data of [randomBytes(BIG + 3 * 1024 * 1024 + 17), randomBytes(5)]) {
      const out = join(tmp, `whole-${data.length}`);
      expect(await writeHashed(chunks(data), out)).toEqual({ size: data.length, digest: sha(data) });
      expect((await readFile(out)).equals(data)).toBe(true);
    }
  });

  it('rejects on a stream error and never overwrites a file', async () => {
    const data = randomBytes(BIG + 1024);
    await expect(writeHashed(chunks(data, 5 * 1024 * 1024), join(tmp, 'cut'))).rejects.toBeInstanceOf(BodyFailure);
    // A local failure (here: the temp name is taken) keeps its errno error: it is not the remote's.
    await writeFile(join(tmp, 'there'), 'x');
    const e = await writeHashed(chunks(data), join(tmp, 'there')).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'EEXIST' });
    expect(e).not.toBeInstanceOf(BodyFailure);
    expect(await readFile(join(tmp, 'there'), 'utf8')).toBe('x');
  });

  it('reports a connection reset mid-body as a BodyFailure (the remote side, not a local write)', async () => {
    // A real socket: the server announces 40 MiB, sends 2 MiB, and drops the connection.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(40 << 20) });
      res.write(randomBytes(2 << 20), () => res.socket?.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const body = await new Promise<import('node:http').IncomingMessage>((r) =>
        get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, r),
      );
      const e = await writeHashed(body, join(tmp, 'reset')).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BodyFailure);
    } finally {
      server.close();
    }
  });
});

describe.skipIf(!up)('a big object fetched from S3', () => {
  it('enters the cache when it hashes to its name and is reported corrupt when it does not', async () => {
    const bucket = await freshBucket();
    const remote = await openBackend(
      { name: 'r', url: `s3://${bucket}/c`, endpoint: S3_ENDPOINT, access_key_id: S3_KEYS.access, secret_access_key: S3_KEYS.secret },
      tmp,
    );
    try {
      const good = randomBytes(BIG + 1024 * 1024);
      const bad = Buffer.from(good);
      bad[bad.length >> 1]! ^= 1;
      const [hg, hb] = [sha(good), sha(randomBytes(8))];
      for (const [h, body] of [
        [hg, good],
        [hb, bad],
      ] as const) {
        const src = join(tmp, `src-${h}`);
        await writeFile(src, body);
        await remote.put(`objects/${h.slice(0, 2)}/${h.slice(2)}`, src, { size: body.length, exec: false });
      }
      const dir = join(tmp, 'cache');
      await mkdir(join(dir, 'tmp'), { recursive: true });
      const local = localCache(dir);
      const res = await fetchObjects(remote, local, [hg, hb], { jobs: 4 });
      expect(res.downloaded).toBe(1);
      expect(res.corrupt.map((c) => c.hash)).toEqual([hb]);
      expect((await readFile(local.path(hg))).equals(good)).toBe(true);
      expect(existsSync(local.path(hb))).toBe(false);
      expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    } finally {
      remote.close();
    }
  });
});
