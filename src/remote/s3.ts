import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { ioBuffer } from '../core/iobuf.js';
import { mapLimit } from '../core/pool.js';
import { remoteError } from './errors.js';
import { RangedFailure, rangedDownload } from './ranged.js';
import { streamDownload } from './s3-stream.js';
import type { Backend, RemoteEntry, RemoteObject, RemoteSpec } from './types.js';

/**
 * The S3 backend (AWS, Ceph RGW, MinIO, any S3-compatible server) and the only importer of
 * `@aws-sdk/client-s3`. The SDK costs ~0.1 s to load, so it is required here on first use and
 * this module is itself imported only when an S3 remote is opened (remote/open.ts): a command
 * that never touches a remote never loads it. `require`, not `import()`: the CLI runs from a
 * vm.Script (bin/repro.js), where dynamic import of a package does not work.
 *
 * Credentials come from the AWS standard chain (env vars, ~/.aws, `profile`) unless
 * `.exprc.local` sets them. Checksums are only computed where S3 requires them: with the SDK's
 * defaults a streamed PutObject fails on Ceph (`MissingContentLength`), and our own content
 * hash, checked after every download, is the integrity check that matters.
 *
 * Big files go up in parts (`MULTIPART_BYTES`), read from the file part by part, at most
 * `PART_JOBS` parts in memory at a time: constant memory for any size.
 */
type Sdk = typeof import('@aws-sdk/client-s3');
const requireCjs = createRequire(import.meta.url);
let sdk: Sdk | undefined;
const loadSdk = (): Sdk => (sdk ??= requireCjs('@aws-sdk/client-s3') as Sdk);

export const MULTIPART_BYTES = 64 * 1024 * 1024;
const PART_JOBS = 4;
/**
 * Downloads of this size and up go as ranged GETs from this thread (ranged.ts): `RANGED_PART`
 * bytes each, `RANGED_PARTS` in flight (rclone's `--multi-thread-streams 4`), hashed in order
 * as they arrive. `REPRO_S3_RANGED_BYTES` (threshold), `REPRO_S3_RANGED_PART` and
 * `REPRO_S3_RANGED_PARTS` tune it (the tests and the bench's A/B use them). */
export const RANGED_BYTES = Number(process.env.REPRO_S3_RANGED_BYTES ?? Infinity);
const RANGED_PART = Number(process.env.REPRO_S3_RANGED_PART ?? 16 * 1024 * 1024);
const RANGED_PARTS = Number(process.env.REPRO_S3_RANGED_PARTS ?? 4);
/** Below that, from this size, a plain-HTTP endpoint's objects come as one GET on a bare socket (s3-stream.ts). */
const STREAM_BYTES = Number(process.env.REPRO_S3_STREAM_BYTES ?? 16 * 1024 * 1024);

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3 URL: '${url}'`);
  const prefix = m[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: prefix ? prefix + '/' : '' };
}

export function openS3Backend(spec: RemoteSpec, label: string): Backend {
  const s3 = loadSdk();
  // The SDK warns on stderr, once per process, that future releases need Node 22; repro's
  // stderr carries its own messages only. Set before the first client, then put back.
  const quiet = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { bucket, prefix } = parseS3Url(spec.url);
  const config = {
    region: spec.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(spec.endpoint ? { endpoint: spec.endpoint, forcePathStyle: true } : {}),
    ...(spec.profile ? { profile: spec.profile } : {}),
    ...(spec.access_key_id && spec.secret_access_key
      ? { credentials: { accessKeyId: spec.access_key_id, secretAccessKey: spec.secret_access_key, sessionToken: spec.session_token } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
    maxAttempts: 3,
  };
  const sockets = Math.max(8, (spec.jobs ?? 8) * 2);
  const client = new s3.S3Client({
    ...config,
    requestHandler: {
      connectionTimeout: 5000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
    },
  });
  if (quiet === undefined) delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  else process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = quiet;
  const k = (key: string): string => prefix + key;
  const send = async <T>(what: string, cmd: unknown): Promise<T> => {
    try {
      return (await client.send(cmd as never)) as T;
    } catch (e) {
      throw translate(e, label, what, bucket, spec);
    }
  };

  async function get(key: string): Promise<RemoteObject | undefined> {
    try {
      const r = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: k(key) }));
      return { body: r.Body as Readable, size: r.ContentLength, exec: r.Metadata?.mode === '755' };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw translate(e, label, 'download an object', bucket, spec);
    }
  }
  const plain = spec.endpoint?.startsWith('http://') ? new URL(spec.endpoint) : undefined;

  return {
    label,
    async *list(p) {
      let token: string | undefined;
      do {
        const r = await send<{ Contents?: { Key?: string; Size?: number }[]; IsTruncated?: boolean; NextContinuationToken?: string }>(
          'list objects',
          new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: k(p), ContinuationToken: token, MaxKeys: 1000 }),
        );
        const page: RemoteEntry[] = [];
        for (const o of r.Contents ?? []) {
          if (typeof o.Key === 'string' && o.Key.startsWith(prefix)) page.push({ key: o.Key.slice(prefix.length), size: o.Size ?? -1 });
        }
        if (page.length) yield page;
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    },
    async stat(key) {
      try {
        const r = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: k(key) }));
        return r.ContentLength;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw translate(e, label, 'read an object', bucket, spec);
      }
    },
    get,
    rangedFrom: Math.min(RANGED_BYTES, plain ? STREAM_BYTES : Infinity),
    async download(key, tmp, size, signal) {
      if (plain && size < RANGED_BYTES) {
        const { credentials, region } = client.config;
        const fallback = async (): Promise<Readable | undefined> => (await get(key))?.body;
        return streamDownload({ endpoint: plain, bucket, key: k(key), region, credentials, fallback }, tmp, size, signal);
      }
      try {
        return await rangedDownload(tmp, {
          size,
          partBytes: RANGED_PART,
          parts: RANGED_PARTS,
          signal,
          range: async (start, end, abortSignal) => {
            const r = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: k(key), Range: `bytes=${start}-${end}` }), {
              abortSignal,
            });
            return r.Body as Readable;
          },
        });
      } catch (e) {
        if (!(e instanceof RangedFailure)) throw e; // interrupted, or a local write failed
        if (isNotFound(e.remote)) return undefined;
        if (e.remote === undefined) throw remoteError(label, `cannot download '${key}': ${e.message}`, 'run again: nothing was kept of it');
        throw translate(e.remote, label, `download '${key}'`, bucket, spec);
      }
    },
    async put(key, src, { size, exec }) {
      const meta = exec ? { Metadata: { mode: '755' } } : {};
      if (size < MULTIPART_BYTES) {
        await send(
          'upload an object',
          new s3.PutObjectCommand({
            Bucket: bucket,
            Key: k(key),
            Body: createReadStream(src, { highWaterMark: 1 << 20 }),
            ContentLength: size,
            ...meta,
          }),
        );
        return;
      }
      await multipart(s3, send, { Bucket: bucket, Key: k(key) }, src, size, meta);
    },
    async putBytes(key, data) {
      await send('upload an object', new s3.PutObjectCommand({ Bucket: bucket, Key: k(key), Body: data, ContentLength: data.length }));
    },
    async delete(keys) {
      // One DELETE per key, concurrently: the batch call needs a Content-MD5 that not every
      // S3-compatible server accepts in the SDK's current form.
      await mapLimit(keys, sockets, (key) => send('delete an object', new s3.DeleteObjectCommand({ Bucket: bucket, Key: k(key) })));
    },
    close() {
      client.destroy();
    },
  };
}

type Send = <T>(what: string, cmd: unknown) => Promise<T>;

/** A multipart upload in constant memory; aborted (parts discarded by S3) when anything fails. */
async function multipart(
  s3: Sdk,
  send: Send,
  target: { Bucket: string; Key: string },
  src: string,
  size: number,
  meta: object,
): Promise<void> {
  const partBytes = Math.max(16 * 1024 * 1024, Math.ceil(size / 9000));
  const { UploadId } = await send<{ UploadId?: string }>(
    'start a multipart upload',
    new s3.CreateMultipartUploadCommand({ ...target, ...meta }),
  );
  const fh = await open(src, 'r');
  try {
    const n = Math.ceil(size / partBytes);
    const parts = await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      PART_JOBS,
      async (i) => {
        const len = Math.min(partBytes, size - i * partBytes);
        const buf = ioBuffer(len);
        for (let off = 0; off < len;) {
          const { bytesRead } = await fh.read(buf, off, len - off, i * partBytes + off);
          if (bytesRead === 0) throw new Error(`file shrank while uploading: '${src}'`);
          off += bytesRead;
        }
        const r = await send<{ ETag?: string }>(
          'upload a part',
          new s3.UploadPartCommand({ ...target, UploadId, PartNumber: i + 1, Body: buf, ContentLength: len }),
        );
        return { ETag: r.ETag, PartNumber: i + 1 };
      },
    );
    await send(
      'complete a multipart upload',
      new s3.CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (e) {
    await send('abort a multipart upload', new s3.AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
    throw e;
  } finally {
    await fh.close();
  }
}

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function isNotFound(e: unknown): boolean {
  const err = e as SdkError;
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || (err?.$metadata?.httpStatusCode === 404 && err?.name !== 'NoSuchBucket');
}

/** SDK and network errors → one E_REMOTE line naming the remote and what failed, with the fix. */
function translate(e: unknown, label: string, what: string, bucket: string, spec: RemoteSpec): Error {
  const err = (e ?? {}) as SdkError;
  const name = err.name ?? err.Code ?? '';
  const status = err.$metadata?.httpStatusCode;
  const net = err.code ?? (e as { cause?: { code?: string } })?.cause?.code ?? '';
  if (name === 'NoSuchBucket') {
    return remoteError(
      label,
      `bucket '${bucket}' does not exist`,
      `create it (e.g. 'aws s3 mb s3://${bucket}'${spec.endpoint ? ` --endpoint-url ${spec.endpoint}` : ''}) or fix the URL with 'repro remote modify ${spec.name} url s3://…'`,
      e,
    );
  }
  if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'CredentialsProviderError'].includes(name) ||
    /credential/i.test(name)
  ) {
    return remoteError(
      label,
      `cannot ${what}: the credentials were rejected (${name})`,
      `check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the profile, or 'repro remote modify ${spec.name} secret_access_key … --local'`,
      e,
    );
  }
  if (name === 'AccessDenied' || status === 403) {
    return remoteError(
      label,
      `cannot ${what}: access denied`,
      'the credentials lack permission for this bucket (a read-only key can fetch and pull but not push)',
      e,
    );
  }
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(net) ||
    name === 'TimeoutError'
  ) {
    return remoteError(
      label,
      `cannot ${what}: endpoint unreachable (${net || name})`,
      `check the endpoint${spec.endpoint ? ` '${spec.endpoint}'` : ''} and the network, then run again: nothing was lost locally`,
      e,
    );
  }
  return remoteError(
    label,
    `cannot ${what}: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`,
    'run again with REPRO_DEBUG=1 for details',
    e,
  );
}
