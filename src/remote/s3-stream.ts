import { createHash, createHmac } from 'node:crypto';
import { close, open, unlink, write } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ioBuffer } from '../core/iobuf.js';
import { RangedAborted } from './ranged.js';
import { BodyFailure, writeHashed } from './write-hashed.js';

/**
 * A big object from a plain-HTTP S3 endpoint (a gateway on the machine or the LAN) as one GET on
 * a bare socket, signed here (SigV4), its body read by the kernel straight into a ring of reused
 * buffers (`net.Socket`'s `onread`), hashed in order on this thread and written from the same
 * buffer at its offset in the temp file: no Buffer per socket read, no HTTP parser over the
 * body, no stream machinery. On the shared 2-CPU machine the AWS SDK's body stream cost ~3x the
 * user CPU of this for 2 GiB (docs/bench.md, "fifth session"). A buffer is read into again only
 * once its write is done (the socket pauses while the next one is still being written): the
 * bytes hashed are the bytes that land, and memory is the ring, whatever the size.
 *
 * Anything but a plain `200` of exactly the expected length (an error, a redirect, a refused
 * connection) goes to the SDK instead (`fallback`), which retries, follows and translates as for
 * every other request; once the body has begun, a connection that ends early is a `BodyFailure`
 * (fetch.ts: E_REMOTE "cut off"), an abort `RangedAborted`, a failed write its errno error.
 */

const RING = 8;
const BUF = 256 * 1024;
const IDLE_MS = 120_000;
const MAX_HEAD = 64 * 1024;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface StreamSource {
  endpoint: URL;
  bucket: string;
  key: string;
  region: () => Promise<string>;
  credentials: () => Promise<Credentials>;
  /** The object's body through the SDK, or undefined when it is absent. */
  fallback: () => Promise<Readable | undefined>;
}

/** Download `src` into `tmp` (created; must not exist): the sha256 hex of its bytes, undefined when absent. */
export async function streamDownload(src: StreamSource, tmp: string, size: number, signal?: AbortSignal): Promise<string | undefined> {
  const path = `${src.endpoint.pathname.replace(/\/+$/, '')}/${[src.bucket, ...src.key.split('/')].map(encode).join('/')}`;
  const headers = signGet(src.endpoint.host, path, await src.region(), await src.credentials());
  const digest = await streamGet(src.endpoint, path, headers, tmp, size, signal);
  if (digest !== undefined) return digest;
  const body = await src.fallback();
  return body && (await writeHashed(body as AsyncIterable<Buffer>, tmp)).digest;
}

/** RFC 3986 encoding of one path segment, as SigV4 wants it. */
const encode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** The headers of a SigV4-signed GET of `path` (already encoded) on `host`, unsigned payload. */
export function signGet(host: string, path: string, region: string, creds: Credentials, now = new Date()): Record<string, string> {
  const date = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = date.slice(0, 8);
  const h: Record<string, string> = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': date };
  if (creds.sessionToken) h['x-amz-security-token'] = creds.sessionToken;
  const names = Object.keys(h).sort();
  const canonical = ['GET', path, '', ...names.map((n) => `${n}:${h[n]}`), '', names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), region), 's3'), 'aws4_request');
  h.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${hmac(key, toSign).toString('hex')}`;
  return h;
}

/** Whether a response head is a plain 200 of `size` bytes. */
function plain200(head: string, size: number): boolean {
  const [status, ...lines] = head.split('\r\n');
  if (!/^HTTP\/1\.[01] 200 /.test(`${status} `)) return false;
  let length: string | undefined;
  for (const l of lines) {
    const at = l.indexOf(':');
    const name = l.slice(0, at).trim().toLowerCase();
    if (name === 'transfer-encoding') return false;
    if (name === 'content-length') length = l.slice(at + 1).trim();
  }
  return length === String(size);
}

/**
 * The GET itself: the digest of the `size` bytes written to `tmp`, or undefined (and no `tmp`)
 * when the answer is not a plain 200 of that length.
 */
function streamGet(
  endpoint: URL,
  path: string,
  headers: Record<string, string>,
  tmp: string,
  size: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (signal?.aborted) return Promise.reject(new RangedAborted());
  return new Promise((resolve, reject) => {
    open(tmp, 'wx', (err, fd) => {
      if (err) return reject(err);
      const ring = Array.from({ length: RING }, () => ioBuffer(BUF));
      const busy = new Uint8Array(RING);
      const hash = createHash('sha256');
      let cursor = 0; // the ring buffer the socket is handed next
      let held = 0; // the one it holds (reads into once reading)
      let head: Buffer | undefined = Buffer.alloc(0); // the response head, until it is complete
      let got = 0;
      let writes = 0;
      let paused = false;
      let outcome: { digest?: string; error?: unknown } | undefined;
      const settle = (): void => {
        if (!outcome || writes) return;
        const { digest, error } = outcome;
        close(fd, (e) => {
          if (error ?? e) reject(error ?? e);
          else if (digest !== undefined) resolve(digest);
          else unlink(tmp, (u) => (u ? reject(u) : resolve(undefined)));
        });
      };
      const finish = (o: { digest?: string; error?: unknown }): void => {
        if (outcome) return;
        outcome = o;
        signal?.removeEventListener('abort', onAbort);
        sock.destroy();
        settle();
      };
      const onAbort = (): void => finish({ error: new RangedAborted() });
      signal?.addEventListener('abort', onAbort, { once: true });

      const onRead = (n: number, buf: Buffer): boolean => {
        if (outcome) return false;
        // Never true (the socket pauses before it would be handed a buffer still being written);
        // if it were, the file would not hold the bytes hashed: refuse rather than trust them.
        if (busy[ring.indexOf(buf)]) return (void finish({ error: new Error('read into a buffer still being written') }), false);
        let from = 0;
        if (head) {
          const before = head.length;
          head = Buffer.concat([head, buf.subarray(0, n)]);
          const at = head.indexOf('\r\n\r\n');
          if (at < 0) {
            if (head.length > MAX_HEAD) finish({});
            return !outcome;
          }
          if (!plain200(head.subarray(0, at).toString('latin1'), size)) {
            finish({});
            return false;
          }
          from = at + 4 - before;
          head = undefined;
        }
        const len = Math.min(n - from, size - got);
        if (len > 0) {
          hash.update(buf.subarray(from, from + len));
          const i = ring.indexOf(buf);
          busy[i] = 1;
          writes++;
          write(fd, buf, from, len, got, (e, written) => {
            writes--;
            busy[i] = 0;
            if (e || written !== len) finish({ error: e ?? new Error(`short write to '${tmp}'`) });
            else if (paused && !busy[held] && !outcome) {
              paused = false;
              sock.resume();
            }
            settle();
          });
          got += len;
        }
        if (got === size) {
          finish({ digest: hash.digest('hex') });
          return false;
        }
        if (busy[cursor]) paused = true; // the buffer read into next is still being written
        return !paused;
      };

      const sock: Socket = connect({
        host: endpoint.hostname,
        port: Number(endpoint.port || 80),
        onread: {
          buffer: () => {
            held = cursor;
            cursor = (cursor + 1) % RING;
            return ring[held]!;
          },
          callback: onRead,
        },
      });
      sock.setTimeout(IDLE_MS, () => sock.destroy(new Error(`no data for ${IDLE_MS / 1000} s`)));
      sock.on('connect', () => {
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
        sock.write(`GET ${path} HTTP/1.1\r\n${lines.join('')}user-agent: repro\r\nconnection: close\r\n\r\n`);
      });
      const ended = (e?: Error): void => {
        if (head) return finish({}); // before a 200 began: the SDK's turn (its retries, its error)
        finish({ error: new BodyFailure(e ?? new Error(`connection closed after ${got} of ${size} bytes`)) });
      };
      sock.on('error', ended);
      sock.on('close', () => ended());
    });
  });
}
