import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../core/builtins.js';
import { errnoFields, type WorkerFailure } from '../core/worker-failure.js';
import { STALE_MS } from './dir-sync.js';
import { WORKER_SOURCE, type PutAnswer, type ReadAnswer } from './dir-pool-worker.js';

/**
 * The small objects of a directory remote on a local file system moved on worker threads
 * (dir.ts, `bulk`). Copying a small file is kernel work (open, read, create, write, rename), so
 * on the main thread one core does it all while the other idles; two threads, each copying its
 * own run of objects synchronously, get both. A push's copy is the main thread's `copySmallSync`
 * into a temp name beside the object and a rename; a fetch's is the same copy in the other
 * direction with the sha256 of the bytes checked against the object's name in between: only an
 * object that matches is written. These are the fallback of repro-dircopy (dir-copy.ts), which
 * does the same outside Node where it was built.
 *
 * A worker decides nothing: it does what it is sent, in order, and stops a batch at the first
 * error (having removed the temp file that object left), answering how many went before and the
 * error; the caller stops handing out batches and reports it (dir.ts: E_REMOTE by errno, as the
 * synchronous path does). A worker checks each source itself (a push's: a regular file of the size
 * its manifest gives, so the caller need not lstat 10k cache objects first) and makes each fan-out
 * directory before its first object goes in, sweeping it of stale temps as dir.ts does: the
 * main thread then only plans, and the directories are made on both cores.
 *
 * The worker's code and the jobs it takes: dir-pool-worker.ts.
 */

/** A worker's errno error, and which side failed. */
interface Failure extends WorkerFailure {
  /** 'read': reading the remote's object; 'mkdir': making a fan-out directory; 'write': anything else. */
  phase: 'read' | 'mkdir' | 'write';
}

interface Answer {
  done: number;
  out: (ReadAnswer | PutAnswer)[];
  err?: Failure;
}

/** Objects per message: a batch is a few ms of copying, a message a few µs. */
export const POOL_BATCH = 64;
/** Batches in flight per worker, so that a worker never waits for the main thread. */
const DEPTH = 2;

/** A worker's failure as the errno error the synchronous path would have thrown; `phase` says which side failed. */
export class PoolFailure extends Error {
  constructor(
    f: Failure,
    readonly phase: 'read' | 'mkdir' | 'write',
  ) {
    super(f.message);
    Object.assign(this, errnoFields(f));
  }
}

/**
 * Worker threads for one bulk transfer, started by the constructor (they boot while the caller
 * makes the fan-out directories); `close` ends them.
 */
export class DirPool {
  private readonly workers: Worker[] = [];

  constructor(umask: number, threads = dirPoolThreads()) {
    const prefix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    // Temp names in the shape dir.ts sweeps: `.<name>.tmp-<pid>-<hex>`, unique per worker.
    for (let t = 0; t < Math.max(1, threads); t++)
      this.workers.push(
        new (workerThreads().Worker)(WORKER_SOURCE, {
          eval: true,
          workerData: { prefix: `${prefix}${t.toString(16)}0`, umask, staleMs: STALE_MS },
        }),
      );
  }

  /**
   * Hand `batches` out in order, the first worker taking them from the front and the second from
   * the back (sorted keys: the two work in different directories); `onAnswer(b, out)` gets the
   * answers of batch `b` as they arrive, a prefix of it when a job failed. Resolves true once all
   * are done, false when `signal` stopped it (the batches in flight finish first); rejects with
   * the first failure (`PoolFailure`, or a worker that died) once nothing is in flight.
   */
  run<A>(op: 'put' | 'read', batches: unknown[][], onAnswer: (b: number, out: A[]) => void, signal?: AbortSignal): Promise<boolean> {
    let front = 0;
    let back = batches.length - 1;
    let inFlight = 0;
    let failed: { e: unknown } | undefined;
    return new Promise<boolean>((resolve, reject) => {
      const settle = (): void => {
        if (inFlight > 0) return;
        if (failed) reject(failed.e);
        else if (front > back) resolve(true);
        else if (signal?.aborted) resolve(false);
      };
      const cleanups: (() => void)[] = [];
      const finish = (): void => {
        for (const c of cleanups) c();
        settle();
      };
      this.workers.forEach((w, t) => {
        const mine: number[] = [];
        const next = (): void => {
          if (failed || signal?.aborted || front > back) return;
          const b = t % 2 === 1 ? back-- : front++;
          mine.push(b);
          inFlight++;
          w.postMessage({ op, jobs: batches[b] });
        };
        const onMessage = (a: Answer): void => {
          const b = mine.shift()!;
          inFlight--;
          if (!a.err) next(); // first: the worker never waits for this thread's bookkeeping
          try {
            onAnswer(b, a.out.slice(0, a.done) as A[]);
          } catch (e) {
            failed ??= { e };
          }
          if (a.err) failed ??= { e: new PoolFailure(a.err, a.err.phase) };
          if (inFlight === 0) finish();
        };
        const onError = (e: unknown): void => {
          failed ??= { e };
          inFlight -= mine.splice(0).length;
          finish();
        };
        const onExit = (code: number): void => {
          if (mine.length) onError(new Error(`directory remote worker exited (code ${code}) with objects in flight`));
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        cleanups.push(() => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        });
        for (let d = 0; d < DEPTH; d++) next();
      });
      if (inFlight === 0) finish(); // nothing to do
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

/**
 * Worker threads for a directory remote's bulk transfers: one per core, at most 4; none (the
 * synchronous path on the main thread) with one core. `REPRO_DIR_REMOTE_THREADS` sets it (0: off).
 */
export function dirPoolThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.REPRO_DIR_REMOTE_THREADS;
  const n = Number(v);
  if (v !== undefined && v !== '' && Number.isInteger(n) && n >= 0 && n <= 16) return n;
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(4, cores);
}
