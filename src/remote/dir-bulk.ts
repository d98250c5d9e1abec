import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { nativeDirCopy } from './dir-copy.js';
import {
  DirPool,
  dirPoolThreads,
  POOL_BATCH,
  PoolFailure,
  type PutAnswer,
  type PutJob,
  type ReadAnswer,
  type ReadJob,
} from './dir-pool.js';
import { SMALL_SYNC } from './dir-sync.js';
import type { BulkIo } from './types.js';

/**
 * `Backend.bulk` of a directory remote on a local file system: the small objects of a push
 * copied by `repro-dircopy` (dir-copy.ts: native, when it was built; `REPRO_DIRCOPY=node` leaves
 * it out), else by worker threads (dir-pool.ts), and a fetch's read by the workers, instead of
 * one synchronous call after another on the main thread. Engaged from `BULK_MIN` objects (below it, starting the threads costs more
 * than they save: docs/bench.md, "Remotes", fifth session) and with at least one thread
 * (`REPRO_DIR_REMOTE_THREADS`, 0: off). A fetch's reads go through them only when asked
 * (`REPRO_DIR_REMOTE_FETCH_THREADS=1`): measured no faster than the main thread (docs/bench.md).
 *
 * What the synchronous path guarantees holds: each object through a temp name beside it and a
 * rename, every fan-out directory made and swept of stale temps (dir.ts's rule, by the worker
 * that first writes there) before any object goes into it, a fetched object written to the cache's temp file only when its bytes hash to its
 * name, and the first failure reported as E_REMOTE by errno, with nothing half-written left
 * under an object's name.
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
  const threads = dirPoolThreads(env);
  if (threads === 0 || count < min) return undefined;
  return {
    maxBytes: SMALL_SYNC,
    async put(items, onPut, signal) {
      const small: number[] = [];
      items.forEach((it, i) => it.size <= SMALL_SYNC && small.push(i));
      const order = sortedByKey(small, items);
      const jobs: PutJob[] = order.map((i) => ({ src: items[i]!.src, dest: d.abs(items[i]!.key), size: items[i]!.size }));
      const answered = new Uint8Array(jobs.length);
      const answer = (k: number, r: PutAnswer): void => {
        answered[k] = 1;
        onPut(order[k]!, r === 0 ? 'stored' : 'absent');
      };
      const failed = (e: unknown): never => d.fail(e instanceof PoolFailure && e.phase === 'mkdir' ? 'create a directory' : 'write', e);
      // The first directory here: the remote's root checked (is the share mounted?) before
      // anything is written; the helper or the workers make the others (dir-copy.ts, dir-pool.ts).
      if (jobs.length) d.ensureDir(dirname(jobs[0]!.dest));
      const how = jobs.length ? await nativeDirCopy(jobs, threads, answer, signal).catch(failed) : 'done';
      if (how === 'stopped') return false;
      if (how === 'unavailable') {
        // In Node, what the helper did not answer (all of it, unless it died part-way).
        const left = jobs.map((_, k) => k).filter((k) => answered[k] === 0);
        const pool = new DirPool(d.umask, threads);
        try {
          const batches = chunk(left);
          const done = await pool
            .run<PutAnswer>(
              'put',
              batches.map((b) => b.map((k) => jobs[k]!)),
              (b, out) => out.forEach((r, n) => answer(batches[b]![n]!, r)),
              signal,
            )
            .catch(failed);
          if (!done) return false;
        } finally {
          await pool.close();
        }
      }
      for (let i = 0; i < items.length; i++) {
        const it = items[i]!;
        if (it.size <= SMALL_SYNC) continue;
        if (signal?.aborted) return false;
        // As a worker checks its sources: a regular file of the size asked, else 'absent'.
        const st = lstatSync(it.src, { throwIfNoEntry: false });
        if (!st?.isFile() || st.size !== it.size) {
          onPut(i, 'absent');
          continue;
        }
        await d.put(it.key, it.src, { size: it.size, exec: (st.mode & 0o100) !== 0 });
        onPut(i, 'stored');
      }
      return true;
    },
    read: fetchToo ? read : undefined,
  };
  async function read(...[items, onRead, signal]: Parameters<NonNullable<BulkIo['read']>>): Promise<boolean> {
    const pool = new DirPool(d.umask, threads);
    try {
      const batches = chunk(
        sortedByKey(
          items.map((_, i) => i),
          items,
        ),
      );
      const jobs: ReadJob[][] = batches.map((b) =>
        b.map((i) => {
          const it = items[i]!;
          return { src: d.abs(it.key), tmp: it.tmp, digest: it.digest, size: it.size ?? -1, max: SMALL_SYNC };
        }),
      );
      return await pool
        .run<ReadAnswer>('read', jobs, (b, out) => out.forEach((r, k) => onRead(batches[b]![k]!, r)), signal)
        .catch((e) => {
          if (e instanceof PoolFailure && e.phase === 'read') d.fail('read', e);
          throw e; // a local write failure (disk full): the OS error says it
        });
    } finally {
      await pool.close();
    }
  }
}

/**
 * Indices into `items`, in key order: consecutive batches then fall in the same or neighbouring
 * fan-out directories, and the two workers (one from each end) rarely meet in one.
 */
function sortedByKey(idx: number[], items: readonly { key: string }[]): number[] {
  return idx.sort((a, b) => (items[a]!.key < items[b]!.key ? -1 : items[a]!.key > items[b]!.key ? 1 : 0));
}

const chunk = (idx: number[]): number[][] => {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += POOL_BATCH) out.push(idx.slice(i, i + POOL_BATCH));
  return out;
};
