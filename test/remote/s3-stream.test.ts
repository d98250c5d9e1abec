import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RangedAborted } from '../../src/remote/ranged.js';
import { fetchObjects, openBackend } from '../../src/remote/index.js';
import { streamDownload, type StreamSource } from '../../src/remote/s3-stream.js';
import { BodyFailure } from '../../src/remote/write-hashed.js';
import { expectCode } from '../helpers/errors.js';
import { freshBucket, s3Gateway, S3_ENDPOINT, S3_KEYS } from '../helpers/s3-gateway.js';
import { localCache } from './fixtures.js';

/**
 * A big object from a plain-HTTP endpoint comes as one GET on a bare socket read into a ring of
 * reused buffers (src/remote/s3-stream.ts). The file must hold exactly the bytes hashed however
 * far the writes lag the socket (a local server sends from memory, faster than the disk takes
 * it, so the socket pauses on the ring); anything but a plain 200 goes to the SDK; a body cut
 * off, an abort and a failed write each say so; and against the real gateway the signature is
 * accepted (the SDK is not asked).
 */
const up = await s3Gateway();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'repro-stream-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const keyOf = (h: string): string => `objects/${h.slice(0, 2)}/${h.slice(2)}`;

/** A local HTTP server with `handle`; its base URL. Closed by the returned function. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: URL; close: () => void; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: () => server.closeAllConnections() ?? server.close(),
    seen,
  };
}

const source = (endpoint: URL, fallback: StreamSource['fallback'] = () => Promise.reject(new Error('SDK asked'))): StreamSource => ({
  endpoint,
  bucket: 'b',
  key: 'c/objects/ab/cd',
  region: () => Promise.resolve('us-east-1'),
  credentials: () => Promise.resolve({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOK' }),
  fallback,
});

describe('one GET on a bare socket', () => {
  it('writes exactly the bytes it hashes, in uneven chunks, with the writes lagging', async () => {
    const data = randomBytes(48 * 1024 * 1024 + 4097);
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(data.length) });
      // Uneven writes from memory: the socket outruns the file, so the ring fills and pauses.
      let at = 0;
      const more = (): void => {
        while (at < data.length) {
          const n = Math.min(data.length - at, 1 + ((at * 31) % 300_000));
          const ok = res.write(data.subarray(at, at + n));
          at += n;
          if (!ok) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    try {
      const out = join(tmp, 'whole');
      expect(await streamDownload(source(s.url), out, data.length)).toBe(sha(data));
      expect((await readFile(out)).equals(data)).toBe(true);
      const req = s.seen[0]!;
      expect(req.url).toBe('/b/c/objects/ab/cd');
      expect(req.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
      );
      expect(req.headers['x-amz-security-token']).toBe('TOK');
    } finally {
      s.close();
    }
  });

  it('leaves anything but a plain 200 of the size to the SDK, with no temp file of its own', async () => {
    const data = randomBytes(1000);
    for (const [status, length] of [
      [404, 0],
      [500, 0],
      [301, 0],
      [200, data.length + 1], // not the size asked for
    ] as const) {
      const s = await serve((_req, res) => {
        res.writeHead(status, { 'content-length': String(length) });
        res.end(Buffer.alloc(length));
      });
      try {
        const out = join(tmp, `fallback-${status}-${length}`);
        let asked = 0;
        const viaSdk = source(s.url, () => (asked++, Promise.resolve(Readable.from([data]))));
        expect(await streamDownload(viaSdk, out, data.length), `${status}`).toBe(sha(data));
        expect(asked).toBe(1);
        await rm(out);
        // Absent for the SDK too: undefined, nothing left.
        expect(
          await streamDownload(
            source(s.url, () => Promise.resolve(undefined)),
            out,
            data.length,
          ),
        ).toBeUndefined();
        expect(existsSync(out)).toBe(false);
      } finally {
        s.close();
      }
    }
    // No server at all: the SDK's turn (it retries and names the unreachable endpoint).
    const gone = await serve(() => undefined);
    gone.close();
    expect(
      await streamDownload(
        source(gone.url, () => Promise.resolve(undefined)),
        join(tmp, 'refused'),
        10,
      ),
    ).toBeUndefined();
  });

  it('a body cut off is a BodyFailure, an abort RangedAborted, a taken temp name its errno error', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-length': String(40 << 20) });
      if (req.url?.includes('slow')) res.write(randomBytes(1 << 20));
      else res.write(randomBytes(3 << 20), () => res.socket?.destroy());
    });
    try {
      const cut = await streamDownload(source(s.url), join(tmp, 'cut'), 40 << 20).catch((e: unknown) => e);
      expect(cut).toBeInstanceOf(BodyFailure);
      expect((cut as Error).message).toMatch(/closed after \d+ of 41943040 bytes/);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const slow = { ...source(s.url), key: 'slow' };
      await expect(streamDownload(slow, join(tmp, 'aborted'), 40 << 20, ac.signal)).rejects.toBeInstanceOf(RangedAborted);
      await writeFile(join(tmp, 'taken'), 'x');
      await expect(streamDownload(source(s.url), join(tmp, 'taken'), 40 << 20)).rejects.toMatchObject({ code: 'EEXIST' });
      expect(await readFile(join(tmp, 'taken'), 'utf8')).toBe('x');
    } finally {
      s.close();
    }
  });

  it('through fetch: a cut-off body is E_REMOTE "cut off", an interrupt keeps nothing, no temp file either way', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-length': String(40 << 20) });
      if (req.url?.includes('/slow/')) res.write(randomBytes(1 << 20));
      else res.write(randomBytes(3 << 20), () => res.socket?.destroy());
    });
    const h = sha(randomBytes(8));
    for (const prefix of ['cut', 'slow']) {
      const remote = await openBackend(
        { name: 'r', url: `s3://bkt/${prefix}`, endpoint: s.url.href, access_key_id: 'AK', secret_access_key: 'SK' },
        tmp,
      );
      const dir = join(tmp, `cache-${prefix}`);
      await mkdir(join(dir, 'tmp'), { recursive: true });
      const local = localCache(dir);
      try {
        if (prefix === 'cut') {
          const e = await expectCode(fetchObjects(remote, local, [h], { jobs: 2 }), 'E_REMOTE');
          expect(e.message).toContain(`download of '${keyOf(h)}' was cut off`);
        } else {
          const ac = new AbortController();
          setTimeout(() => ac.abort(), 500);
          const r = await fetchObjects(remote, local, [h], { jobs: 2, signal: ac.signal });
          expect(r).toMatchObject({ interrupted: true, downloaded: 0 });
        }
        expect(existsSync(local.path(h))).toBe(false);
        expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
      } finally {
        remote.close();
      }
    }
    s.close();
  });
});

describe.skipIf(!up)('one GET on a bare socket, against the real gateway', () => {
  it('is signed so the gateway serves it (the SDK is not asked), and a missing key goes to the SDK', async () => {
    const bucket = await freshBucket();
    const remote = await openBackend(
      { name: 'r', url: `s3://${bucket}/c`, endpoint: S3_ENDPOINT, access_key_id: S3_KEYS.access, secret_access_key: S3_KEYS.secret },
      tmp,
    );
    try {
      const data = randomBytes(17 * 1024 * 1024 + 5);
      const h = sha(data);
      const src = join(tmp, 'up');
      await writeFile(src, data);
      await remote.put(keyOf(h), src, { size: data.length, exec: false });
      const creds = { accessKeyId: S3_KEYS.access, secretAccessKey: S3_KEYS.secret };
      const real: StreamSource = {
        ...source(new URL(S3_ENDPOINT)),
        bucket,
        key: `c/${keyOf(h)}`,
        credentials: () => Promise.resolve(creds),
      };
      const out = join(tmp, 'real');
      expect(await streamDownload(real, out, data.length)).toBe(h);
      expect((await readFile(out)).equals(data)).toBe(true);
      // A key with characters SigV4 encodes, absent: a 404, so the SDK is asked.
      let asked = 0;
      const odd = { ...real, key: "c/it's (a) key*!", fallback: () => (asked++, Promise.resolve(undefined)) };
      expect(await streamDownload(odd, join(tmp, 'odd'), 10)).toBeUndefined();
      expect(asked).toBe(1);
      // Through fetch, by the backend (the object is above the stream threshold).
      const dir = join(tmp, 'cache-real');
      await mkdir(join(dir, 'tmp'), { recursive: true });
      const local = localCache(dir);
      expect(await fetchObjects(remote, local, [h], { jobs: 2 })).toMatchObject({ downloaded: 1, corrupt: [] });
      expect((await readFile(local.path(h))).equals(data)).toBe(true);
    } finally {
      remote.close();
    }
  });
});
