import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PoolFailure } from './dir-pool.js';
import type { PutAnswer, ReadAnswer } from './dir-pool-worker.js';
import { STALE_MS } from './dir-sync.js';
import { objectFile } from './keys.js';

/**
 * A push's small objects copied into a directory remote, or a fetch's out of one, by
 * `repro-dircopy` (native/dircopy.c; built into dist/native by `npm run build` when a C compiler
 * is present) instead of Node's worker threads (dir-pool.ts): the same open, read (a fetch: the
 * sha256 checked against the object's name), exclusive create with the final mode, write,
 * rename, the same fan-out directories made and swept on first use, with no JavaScript per
 * object (10k objects pushed: ~0.35 s on two threads where the workers take ~0.5 s; docs/bench.md).
 *
 * The jobs go to the helper's stdin at once; its answers come back as objects finish and are
 * handed to `onAnswer` (`PutAnswer`, `ReadAnswer`: 0 stored, 1 the source is absent, 3 a fetched
 * object is corrupt, 4 something is at a fetched object's name). The first failure comes back as the errno error the workers would have
 * raised (`PoolFailure`; phase 'read' for a fetch's source, 'mkdir' for a fan-out directory,
 * else 'write'). Resolves 'done', or 'stopped' when `signal` stopped it (the objects in flight
 * finish first), or 'unavailable' when the helper is absent or could not run (`REPRO_DIRCOPY=node`
 * too): the caller then copies what got no answer in Node. That can also happen part-way (it
 * exits 3 when its own output or memory fails): the objects it had in flight then leave temp
 * files, swept an hour later as a killed push's are.
 */

/** Path of the helper binary, from src/remote or dist/bundle alike. */
export const DIRCOPY_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'native', 'repro-dircopy');

let present: boolean | undefined;

/** How many copies the helper ran to the end (done, stopped or failed), for tests. */
export const dirCopyCounters = { ran: 0 };

export function dirCopyUsable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.REPRO_DIRCOPY === 'node' || process.platform !== 'linux') return false;
  return (present ??= existsSync(DIRCOPY_PATH));
}

const errnoName = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * An object for the helper: `<srcDir>/<2 hex>/<62 hex>` copied to the same under `destDir`
 * (`hash`: a file's, 64 hex). A push's rules are `PutJob`'s (the object is executable when its
 * source is: `exec` unused), a fetch's `ReadJob`'s.
 */
export interface CopyJob {
  hash: string;
  size: number;
  exec?: boolean;
}

type Copy = {
  srcDir: string;
  destDir: string;
  jobs: CopyJob[];
  /** Set to 1 as each job is answered (each once); what is left 0 the caller copies in Node. */
  answered: Uint8Array;
} & ({ mode: 'push'; onAnswer: (k: number, r: PutAnswer) => void } | { mode: 'fetch'; onAnswer: (k: number, r: ReadAnswer) => void });

/** The helper's stdin: one record per job (native/dircopy.c's header). */
function records(mode: 'push' | 'fetch', jobs: readonly CopyJob[]): Buffer {
  const text = mode === 'push' ? jobs.map((j) => `${j.hash}\0${j.size}\0`) : jobs.map((j) => `${j.hash}\0${j.size}\0${j.exec ? 1 : 0}\0`);
  return Buffer.from(text.join(''), 'latin1');
}

/** The per-record answers each mode can give (native/dircopy.c's header). */
const ANSWERS = { push: ['1'], fetch: ['1', '3', '4'] };

export function nativeDirCopy(c: Copy, threads: number, signal?: AbortSignal): Promise<'done' | 'stopped' | 'unavailable'> {
  const { jobs } = c;
  const onAnswer = c.onAnswer as (k: number, r: number) => void;
  if (!dirCopyUsable() || signal?.aborted) return Promise.resolve(signal?.aborted ? 'stopped' : 'unavailable');
  // Temp names in the shape dir.ts sweeps: `.<name>.tmp-<pid>-<hex>`.
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}f`;
  return new Promise((resolve, reject) => {
    let child;
    try {
      const args = [c.mode, String(Math.max(1, threads)), String(Math.ceil(STALE_MS / 1000)), tag, c.srcDir, c.destDir];
      child = spawn(DIRCOPY_PATH, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch {
      return resolve('unavailable');
    }
    let failure: PoolFailure | undefined;
    let rest = '';
    // Records answered one by one (absent, corrupt, there); a chunk's `C LO HI` line says the rest
    // were stored. Each record is answered once; a line of any other shape is ignored.
    const said = c.answered;
    const num = (s: string | undefined, max: number): number | undefined =>
      s !== undefined && /^\d+$/.test(s) && Number(s) <= max ? Number(s) : undefined;
    const onLine = (line: string): void => {
      const f = line.split(' ');
      if (f[0] === 'C') {
        const lo = num(f[1], jobs.length);
        const hi = num(f[2], jobs.length);
        if (lo === undefined || hi === undefined) return;
        for (let k = lo; k < hi; k++) {
          if (said[k] === 1) continue;
          said[k] = 1;
          onAnswer(k, 0);
        }
        return;
      }
      if (f[0] !== 'E') {
        const k = num(f[0], jobs.length - 1);
        if (k === undefined || f.length !== 2 || !ANSWERS[c.mode].includes(f[1]!) || said[k] === 1) return;
        said[k] = 1;
        return onAnswer(k, Number(f[1]));
      }
      const k = num(f[1], jobs.length - 1);
      if (k === undefined) return;
      const [src, dest] = [objectFile(c.srcDir, jobs[k]!.hash), objectFile(c.destDir, jobs[k]!.hash)];
      const errno = Number(f[2]);
      const code = errnoName.get(errno) ?? `errno ${errno}`;
      const syscall = f[3] ?? 'write';
      const path = f[4] === 's' ? src : syscall === 'mkdir' ? dirname(dest) : dest;
      const phase = syscall === 'mkdir' ? 'mkdir' : f[4] === 's' && c.mode === 'fetch' ? 'read' : 'write';
      failure ??= new PoolFailure({ message: `${code}: ${syscall} '${path}'`, code, errno: -errno, syscall, path, phase }, phase);
    };
    child.stdout.setEncoding('latin1').on('data', (s: string) => {
      const lines = (rest + s).split('\n');
      rest = lines.pop()!;
      try {
        lines.forEach(onLine);
      } catch (e) {
        // onAnswer threw (a bug or a failed bookkeeping write): stop the copy, report it
        failure ??= e as PoolFailure;
        child.kill('SIGTERM');
      }
    });
    child.stderr.resume();
    const stop = (): void => void child.kill('SIGTERM');
    signal?.addEventListener('abort', stop, { once: true });
    child.on('error', () => undefined); // 'close' follows with no code: unavailable
    child.on('close', (code) => {
      signal?.removeEventListener('abort', stop);
      // `rest` is a line the helper did not finish (every line it writes ends in '\n'): dropped,
      // so its record counts as not done and is copied in Node.
      if (failure || code === 0 || code === 2) dirCopyCounters.ran++;
      if (failure) reject(failure);
      else if (code === 0) resolve('done');
      else if (code === 2 || signal?.aborted) resolve('stopped');
      else resolve('unavailable'); // exit 3 (its stderr, not kept, says why): the workers do the rest
    });
    child.stdin.on('error', () => undefined); // a helper that exits early: its exit code says why
    child.stdin.end(records(c.mode, jobs));
  });
}
