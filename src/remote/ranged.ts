import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/**
 * A big object downloaded as ranged parts by worker threads, hashed in order by this thread.
 *
 * Why threads: on a CPU-short machine one Node thread parsing every HTTP byte and hashing it was
 * the limit (docs/bench.md, "The 2 GiB fetch"); ranged GETs from the main thread were slower, not
 * faster. Here each worker has its own HTTP client and event loop, takes one part at a time
 * (`partBytes`, the next one not yet taken) and writes it as it streams in, positionally
 * (`fs.writeSync(fd, chunk, 0, len, pos)`) into the temp file. Nothing is gathered: memory is
 * constant (the workers' sockets, one read buffer here) for any size.
 *
 * sha256 is sequential, so this thread hashes the file in order over its written prefix: each time
 * the parts done form a longer contiguous run from byte 0, it reads that run back (page cache, one
 * `READ_BYTES` buffer) and feeds the hash. Returns the hex digest of the bytes as written; the
 * caller compares it with the object's name before the file may enter the cache (fetch.ts), and
 * removes the temp file on any failure.
 *
 * The worker is given as the source of a self-contained function (`script`, run with
 * `eval: true`, so it works from the bundle, the compiled tree and the tests alike) and
 * `data`. Protocol: the worker posts `{ t: 'ready' }`, is sent `{ i, start, end }` (inclusive
 * byte range, part i) and answers `{ t: 'done', i, bytes }` or `{ t: 'fail', err }`; `{ t: 'stop' }`
 * lets it close its client and exit.
 */

const READ_BYTES = 4 * 1024 * 1024;

export interface WorkerFailure {
  name?: string;
  code?: string;
  message?: string;
  status?: number;
  /** A local write failed (errno code in `code`), not the remote. */
  local?: boolean;
}

export class RangedFailure extends Error {
  constructor(readonly failure: WorkerFailure) {
    super(failure.message ?? 'ranged download failed');
  }
}

export class RangedAborted extends Error {
  constructor() {
    super('interrupted');
  }
}

export interface RangedSpec {
  /** Source of a function `(require) => void`: the worker's body. */
  script: string;
  /** Passed to every worker as `workerData.data`; `workerData.tmp` is the file to write. */
  data: unknown;
  size: number;
  partBytes: number;
  workers: number;
  signal?: AbortSignal;
}

/** Download into `tmp` (created here; must not exist) and return the sha256 hex of its bytes. */
export async function rangedDownload(tmp: string, spec: RangedSpec): Promise<string> {
  const { size, partBytes } = spec;
  const n = Math.ceil(size / partBytes);
  const fh = await open(tmp, 'wx+');
  const workers: Worker[] = [];
  try {
    await fh.truncate(size);
    return await new Promise<string>((resolve, reject) => {
      const hash = createHash('sha256');
      const doneParts = new Uint8Array(n);
      const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, Math.max(1, size)));
      let next = 0;
      let prefixParts = 0; // parts 0..prefixParts-1 are all written
      let hashed = 0; // bytes fed to the hash
      let pumping = false;
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const onAbort = (): void => fail(new RangedAborted());
      if (spec.signal?.aborted) return onAbort();
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      const give = (w: Worker): void => {
        if (settled || next >= n) return;
        const i = next++;
        const start = i * partBytes;
        w.postMessage({ i, start, end: Math.min(size, start + partBytes) - 1 });
      };
      const pump = async (): Promise<void> => {
        if (pumping) return;
        pumping = true;
        try {
          while (!settled) {
            while (prefixParts < n && doneParts[prefixParts]) prefixParts++;
            const upTo = Math.min(size, prefixParts * partBytes);
            if (hashed >= upTo) break;
            const len = Math.min(buf.length, upTo - hashed);
            const { bytesRead } = await fh.read(buf, 0, len, hashed);
            if (bytesRead <= 0) throw new Error(`temp file shorter than its written parts: '${tmp}'`);
            hash.update(buf.subarray(0, bytesRead));
            hashed += bytesRead;
          }
          if (!settled && hashed === size && prefixParts === n) {
            settled = true;
            spec.signal?.removeEventListener('abort', onAbort);
            resolve(hash.digest('hex'));
          }
        } catch (e) {
          fail(e as Error);
        } finally {
          pumping = false;
        }
      };
      const count = Math.max(1, Math.min(spec.workers, n));
      for (let k = 0; k < count; k++) {
        const w = new Worker(`(${spec.script})(require)`, { eval: true, workerData: { tmp, data: spec.data } });
        workers.push(w);
        w.on('message', (m: { t: string; i?: number; bytes?: number; err?: WorkerFailure }) => {
          if (m.t === 'ready') give(w);
          else if (m.t === 'done') {
            const i = m.i!;
            const want = Math.min(size, (i + 1) * partBytes) - i * partBytes;
            if (m.bytes !== want)
              return fail(new RangedFailure({ message: `part ${i + 1} of ${n} was cut off (${m.bytes} of ${want} bytes)` }));
            doneParts[i] = 1;
            give(w);
            void pump();
          } else if (m.t === 'fail') fail(new RangedFailure(m.err ?? {}));
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => {
          if (!settled && code !== 0) fail(new Error(`download worker exited with code ${code}`));
        });
      }
      if (size === 0) void pump();
    });
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        w.postMessage({ t: 'stop' });
        await w.terminate();
      }),
    );
    await fh.close();
  }
}
