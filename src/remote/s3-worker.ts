/**
 * The body of one download worker thread for a big S3 object (ranged.ts drives it; s3.ts starts
 * it). It is run from its source text (`eval: true`), so it must be self-contained: everything it
 * uses comes through `req` (the worker's `require`), including `@aws-sdk/client-s3`, which is
 * resolved from `data.base` (s3.ts's own location) and loaded in the worker only, with its own
 * client and kept-alive connection.
 *
 * For each part `{ i, start, end }` it is sent: one GET with `Range: bytes=start-end`, each chunk
 * written as it arrives at its position in the temp file (`fs.writeSync` with a position: the
 * thread does nothing else, and no chunk is kept), never past the part's end; then
 * `{ t: 'done', i, bytes }`, or `{ t: 'fail', err }` with the error's name, code and HTTP status
 * for the main thread to word (s3.ts `translate`).
 */
export interface S3WorkerData {
  /** A file URL that `@aws-sdk/client-s3` resolves from. */
  base: string;
  /** S3Client settings that survive structured cloning (no agents, no functions). */
  config: Record<string, unknown>;
  bucket: string;
  key: string;
}

export function s3PartWorker(req: NodeJS.Require): void {
  const { parentPort, workerData } = req('node:worker_threads') as typeof import('node:worker_threads');
  const fs = req('node:fs') as typeof import('node:fs');
  const http = req('node:http') as typeof import('node:http');
  const d = (workerData as { data: S3WorkerData }).data;
  const tmp = (workerData as { tmp: string }).tmp;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const s3 = (req('node:module') as typeof import('node:module')).createRequire(d.base)('@aws-sdk/client-s3');
  const agent = { keepAlive: true, maxSockets: 2 };
  const client = new s3.S3Client({
    ...d.config,
    requestHandler: { connectionTimeout: 5000, httpAgent: new http.Agent(agent), httpsAgent: new (req('node:https').Agent)(agent) },
  });
  const fd = fs.openSync(tmp, 'r+');
  const port = parentPort!;
  port.on('message', (m: { t?: string; i: number; start: number; end: number }) => {
    if (m.t === 'stop') {
      client.destroy();
      fs.closeSync(fd);
      port.close();
      return;
    }
    void part(m);
  });
  async function part(m: { i: number; start: number; end: number }): Promise<void> {
    const want = m.end - m.start + 1;
    let bytes = 0;
    try {
      const r = await client.send(new s3.GetObjectCommand({ Bucket: d.bucket, Key: d.key, Range: `bytes=${m.start}-${m.end}` }));
      for await (const chunk of r.Body as AsyncIterable<Buffer>) {
        const len = Math.min(chunk.length, want - bytes);
        for (let off = 0; off < len;) off += fs.writeSync(fd, chunk, off, len - off, m.start + bytes + off);
        bytes += chunk.length;
        if (bytes >= want) break;
      }
    } catch (e) {
      const err = e as {
        name?: string;
        code?: string;
        message?: string;
        syscall?: string;
        cause?: { code?: string };
        $metadata?: { httpStatusCode?: number };
      };
      port.postMessage({
        t: 'fail',
        err: {
          name: err?.name,
          code: err?.code ?? err?.cause?.code,
          message: err?.message,
          status: err?.$metadata?.httpStatusCode,
          local: Boolean(err?.syscall),
        },
      });
      return;
    }
    port.postMessage({ t: 'done', i: m.i, bytes });
  }
  port.postMessage({ t: 'ready' });
}
