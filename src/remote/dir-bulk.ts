import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { dirCopyUsable, nativeDirCopy, type CopyJob } from './dir-copy.js';
import { OBJECTS_PREFIX, objectFile, objectKey } from './keys.js';
import { DirPool, dirPoolThreads, POOL_BATCH, PoolFailure } from './dir-pool.js';
import type { PutAnswer, PutJob, ReadAnswer, ReadJob } from './dir-pool-worker.js';
import { SMALL_SYNC } from './dir-sync.js';
import type { BulkIo } from './types.js';

/**
 * `Backend.bulk` of a directory remote on a local file system: the small objects of a push or a
 * fetch copied by `repro-dircopy` (dir-copy.ts: native, when it was built; `REPRO_DIRCOPY=node`
 * leaves it out), else by worker threads (dir-pool.ts), instead of one synchronous call after
 * another on the main thread. Engaged from `BULK_MIN` objects (below it, starting the threads
 * costs more than they save: docs/bench.md, "Remotes", fifth session) and with at least one
 * thread (`REPRO_DIR_REMOTE_THREADS`, 0: off). Without the helper a fetch's reads go through the
 * workers only when asked (`REPRO_DIR_REMOTE_FETCH_THREADS=1`): measured no faster than the main
 * thread (docs/bench.md); the helper is (ninth session: 100k objects 0.84x a `cp -r`, 2.2-3.4x before).
 *
 * What the synchronous path guarantees holds: each object through a temp name beside it and a
 * rename, every fan-out directory made and swept of stale temps (dir.ts's rule, by the thread
 * that first writes there) before any object goes into it, a fetched object written only when
 * its bytes hash to its name, and the first failure reported as E_REMOTE by errno (a local
 * write's as the errno error), with nothing half-written left under an object's name.
 */

/** From this many objects a push or fetch goes through the worker threads. */
export const BULK_MIN = 1000;

/** What `dirBulk` needs of the directory backend (dir.ts). */
export interface DirParts {
  abs(key: string): string;
  /** mkdir -p and sweep of stale temps, once per directory per process, the root checked first; throws E_REMOTE. */
  ensureDir(dir: string): void;
  /** Throws E_REMOTE for an errno the remote's user can act on, else the error itself. */
  fail(op: string, e: unknown): never;
  umask: number;
  /** The backend's own `put`, for objects over `SMALL_SYNC`. */
  put(key: string, src: string, opts: { size: number; exec: boolean }): Promise<void>;
}

export function dirBulk(
  d: DirParts,
  count: number,
  min = BULK_MIN,
  fetchToo = false,
  env: NodeJS.ProcessEnv = process.env,
): BulkIo | undefined {
  // One core: no workers (they would only take turns with the main thread), but the helper's
  // one thread still saves the JavaScript per object; REPRO_DIR_REMOTE_THREADS=0 turns both off.
  const threads = dirPoolThreads(env) || (env.REPRO_DIR_REMOTE_THREADS === undefined && dirCopyUsable(env) ? 1 : 0);
  if (threads === 0 || count < min) return undefined;
  // keys.ts's layout: the object `objectKey(h)` is `<remoteObjects>/<2 hex>/<62 hex>`, as in the cache.
  const remoteObjects = d.abs(OBJECTS_PREFIX.slice(0, -1));
  /**
   * What the helper did not answer (all of it, unless it died part-way) on the worker threads;
   * false when `signal` stopped them. `toJob(k)` makes job `k`'s worker job.
   */
  async function inPool<A>(
    op: 'put' | 'read',
    answered: Uint8Array,
    toJob: (k: number) => unknown,
    answer: (k: number, r: A) => void,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const left: number[] = [];
    answered.forEach((a, k) => a === 0 && left.push(k));
    const pool = new DirPool(d.umask, threads);
    try {
      const batches = chunk(left);
      return await pool.run<A>(
        op,
        batches.map((b) => b.map(toJob)),
        (b, out) => out.forEach((r, n) => answer(batches[b]![n]!, r)),
        signal,
      );
    } finally {
      await pool.close();
    }
  }
  return {
    maxBytes: SMALL_SYNC,
    async put(srcDir, items, onPut, signal) {
      const small: number[] = [];
      for (let i = 0; i < items.length; i++) if (items[i]!.size <= SMALL_SYNC) small.push(i);
      const order = byFanout(small.length, (k) => items[small[k]!]!.hash);
      for (let k = 0; k < order.length; k++) order[k] = small[order[k]!]!;
      const jobs: CopyJob[] = order.map((i) => items[i]!);
      const answered = new Uint8Array(jobs.length);
      const answer = (k: number, r: PutAnswer): void => onPut(order[k]!, r === 0 ? 'stored' : 'absent');
      const failed = (e: unknown): never => d.fail(e instanceof PoolFailure && e.phase === 'mkdir' ? 'create a directory' : 'write', e);
      // The first directory here: the remote's root checked (is the share mounted?) before
      // anything is written; the helper or the workers make the others (dir-copy.ts, dir-pool.ts).
      if (jobs.length) d.ensureDir(dirname(objectFile(remoteObjects, jobs[0]!.hash)));
      const copy = { mode: 'push', srcDir, destDir: remoteObjects, jobs, answered, onAnswer: answer } as const;
      const how = jobs.length ? await nativeDirCopy(copy, threads, signal).catch(failed) : 'done';
      if (how === 'stopped') return false;
      const toJob = (k: number): PutJob => {
        const { hash, size } = jobs[k]!;
        return { src: objectFile(srcDir, hash), dest: objectFile(remoteObjects, hash), size };
      };
      if (how === 'unavailable' && !(await inPool('put', answered, toJob, answer, signal).catch(failed))) return false;
      for (let i = 0; i < items.length; i++) {
        const it = items[i]!;
        if (it.size <= SMALL_SYNC) continue;
        if (signal?.aborted) return false;
        // As a worker checks its sources: a regular file of the size asked, else 'absent'.
        const src = objectFile(srcDir, it.hash);
        const st = lstatSync(src, { throwIfNoEntry: false });
        if (!st?.isFile() || st.size !== it.size) {
          onPut(i, 'absent');
          continue;
        }
        await d.put(objectKey(it.hash), src, { size: it.size, exec: (st.mode & 0o100) !== 0 });
        onPut(i, 'stored');
      }
      return true;
    },
    read: fetchToo || dirCopyUsable(env) ? read : undefined,
  };
  async function read(...[destDir, items, onRead, signal]: Parameters<NonNullable<BulkIo['read']>>): Promise<boolean> {
    const order = byFanout(items.length, (i) => items[i]!.hash);
    const jobs: CopyJob[] = order.map((i) => items[i]!);
    const answered = new Uint8Array(jobs.length);
    const answer = (k: number, r: ReadAnswer): void => onRead(order[k]!, READ_ANSWER[r]);
    const failed = (e: unknown): never => {
      if (e instanceof PoolFailure && e.phase === 'read') d.fail('read', e);
      throw e; // a local write failure (disk full): the OS error says it
    };
    const copy = { mode: 'fetch', srcDir: remoteObjects, destDir, jobs, answered, onAnswer: answer } as const;
    const how = jobs.length ? await nativeDirCopy(copy, threads, signal).catch(failed) : 'done';
    if (how !== 'unavailable') return how === 'done';
    const toJob = (k: number): ReadJob => {
      const { hash, size, exec } = jobs[k]!;
      return { src: objectFile(remoteObjects, hash), dest: objectFile(destDir, hash), digest: hash, size, exec: exec === true };
    };
    return inPool('read', answered, toJob, answer, signal).catch(failed);
  }
}

const READ_ANSWER = { 0: 'stored', 1: 'absent', 3: 'corrupt', 4: 'there' } as const;

/**
 * Indices 0..n-1 grouped by their hash's fan-out directory (`hashOf(i)`'s first two hex digits),
 * in order of it: consecutive batches then fall in the same or neighbouring directories, and the
 * two threads (one from each end) rarely meet in one. A counting sort: sorting 100k keys with a
 * comparator cost ~250 ms.
 */
function byFanout(n: number, hashOf: (i: number) => string): number[] {
  const start = new Uint32Array(258);
  const fan = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const h = hashOf(i);
    const hi = HEX[h.charCodeAt(0)];
    const lo = HEX[h.charCodeAt(1)];
    fan[i] = hi === undefined || lo === undefined || hi < 0 || lo < 0 ? 256 : (hi << 4) | lo; // anything else last
    start[fan[i]! + 1]!++;
  }
  for (let f = 1; f <= 257; f++) start[f]! += start[f - 1]!;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[start[fan[i]!]!++] = i;
  return out;
}

/** A lower-case hex digit's value by character code, -1 for any other character below 128. */
const HEX = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1));

const chunk = (idx: number[]): number[][] => {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += POOL_BATCH) out.push(idx.slice(i, i + POOL_BATCH));
  return out;
};
