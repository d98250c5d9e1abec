import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { onAbort } from './abort.js';
import type { ShellChild, ShellExit, ShellRequest } from './shell.js';

/**
 * The Node side of repro-spawner's protocol (native/spawner.c has it in its header): one helper
 * process for the life of this process, started on first use. spawner.ts decides whether to use it.
 */

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The helper's own limits (native/spawner.c): more variables than this per request, and it refuses. */
const MAX_ENV = 4000;

/**
 * The rejection of a job the helper never started because it went away or cannot take it:
 * starting it another way is safe. It never leaves exec/: spawner.ts starts such a job through
 * node instead.
 */
export class NotTakenError extends Error {
  override readonly name = 'NotTakenError';
}

function notTaken(why: string): NotTakenError {
  return new NotTakenError(why);
}

/** The rejection of a shell dropped from the queue before it started (code ECANCELED). */
export function cancelled(): Error {
  return Object.assign(new Error('cancelled before it started'), { code: 'ECANCELED' });
}

interface Job {
  started: (pid: number) => void;
  failed: (e: Error) => void;
  exit?: (x: ShellExit) => void;
  close?: () => void;
  onData?: ShellRequest['onData'];
}

/** The long-lived repro-spawner process (see native/spawner.c for the protocol). */
export class Helper {
  static broken = false;
  private static instance: Helper | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private buf: Buffer = Buffer.alloc(0);
  private base: Record<string, string> | undefined;
  private baseRef: Record<string, string> | undefined;
  private limit = 0;

  static get(path: string): Helper | undefined {
    if (!Helper.instance) {
      try {
        Helper.instance = new Helper(spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'], detached: true, env: {} }));
      } catch {
        Helper.broken = true;
        return undefined;
      }
    }
    return Helper.instance;
  }

  private constructor(private readonly proc: ChildProcess) {
    proc.unref();
    (proc.stdin as unknown as { unref(): void }).unref();
    this.idle();
    proc.stdout!.on('data', (d: Buffer) => this.read(d));
    proc.once('error', () => this.fail('cannot start repro-spawner'));
    proc.stdout!.once('close', () => this.fail('repro-spawner exited'));
    proc.stdin!.on('error', () => this.fail('repro-spawner exited'));
  }

  start(req: ShellRequest): Promise<ShellChild> {
    for (const s of [req.cmd, req.cwd])
      if (s.includes('\0')) return Promise.reject(Object.assign(new Error('argument contains a NUL byte'), { code: 'EINVAL' }));
    if (req.signal?.aborted) return Promise.reject(cancelled());
    const id = this.nextId++;
    const over = this.overrides(req.env, req.envExtra);
    if (over === undefined) return Promise.reject(notTaken('too many environment variables for repro-spawner'));
    const limit = req.concurrency ?? 0;
    if (limit !== this.limit) {
      this.limit = limit;
      this.send(['L', String(limit)]);
    }
    const fields = ['J', String(id), req.cwd, String(over.length), ...over, req.cmd];
    return new Promise((resolve, reject) => {
      // Aborted while queued: answered by N, or too late (S came first) and runOne terminates it.
      const settle = onAbort(req.signal, () => this.send(['Q', String(id)]));
      const job: Job = {
        started: () => {},
        failed: (e) => {
          settle();
          reject(e);
        },
        onData: req.onData,
      };
      const exited = new Promise<ShellExit>((res) => (job.exit = res));
      const closed = new Promise<void>((res) => (job.close = res));
      job.started = (pid) => {
        settle();
        req.onStarted?.(pid);
        resolve({ pid, exited, closed, isClosed: () => job.close === undefined, stopReading: () => this.send(['C', String(id)]) });
      };
      if (this.jobs.size === 0) (this.proc.stdout as unknown as { ref(): void }).ref();
      this.jobs.set(id, job);
      this.send(fields);
    });
  }

  /**
   * The job's environment as changes to the helper's base ("K=V" sets, "K" unsets). Stages
   * share all but a few variables (REPRO_STAGE, REPRO_SEED), so the base is sent once and each
   * job carries only those: a full environment per job cost ~0.25 ms of writing per stage.
   */
  private overrides(env: Record<string, string>, extra: Record<string, string> | undefined): string[] | undefined {
    const over: string[] = [];
    if (this.base) {
      if (env === this.baseRef) {
        // The caller's base object again: only the extras can differ (the common, cheap case).
        for (const k in extra) if (this.base[k] !== extra[k]) over.push(`${k}=${extra[k]}`);
        if (over.some((kv) => kv.includes('\0')))
          throw Object.assign(new Error('environment value contains a NUL byte'), { code: 'EINVAL' });
        return over.length > MAX_ENV ? undefined : over;
      } else {
        const full = extra ? { ...env, ...extra } : env;
        for (const k in full) if (this.base[k] !== full[k]) over.push(`${k}=${full[k]}`);
        for (const k in this.base) if (!(k in full)) over.push(k);
      }
      if (over.some((kv) => kv.includes('\0'))) throw Object.assign(new Error('environment value contains a NUL byte'), { code: 'EINVAL' });
      if (over.length <= 8) return over;
    }
    for (const [k, v] of Object.entries(env)) {
      if (k.includes('\0') || v.includes('\0') || k.includes('='))
        throw Object.assign(new Error(`bad environment variable '${k}'`), { code: 'EINVAL' });
    }
    const kv = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    if (kv.length > MAX_ENV) return undefined;
    // A new base: the caller's env object itself (identity marks the cheap case above).
    this.base = { ...env };
    this.baseRef = env;
    this.send(['E', String(kv.length), ...kv]);
    return this.overrides(env, extra);
  }

  private send(fields: string[]): void {
    this.proc.stdin!.write(fields.join('\0') + '\0');
  }

  private idle(): void {
    (this.proc.stdout as unknown as { unref(): void }).unref();
  }

  private done(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.idle();
  }

  private read(chunk: Buffer): void {
    const buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const parts = buf.toString('latin1', pos, nl).split(' ');
      const id = Number(parts[1]);
      const job = this.jobs.get(id);
      if (parts[0] === 'O') {
        const len = Number(parts[3]);
        if (buf.length < nl + 1 + len) break; // the bytes are still coming
        job?.onData?.(parts[2] === '1' ? 'stdout' : 'stderr', buf.subarray(nl + 1, nl + 1 + len));
        pos = nl + 1 + len;
        continue;
      }
      pos = nl + 1;
      if (!job) continue;
      switch (parts[0]) {
        case 'S':
          job.started(Number(parts[2]));
          break;
        case 'F':
          this.done(id);
          {
            const code = ERRNO_NAMES.get(Number(parts[2])) ?? `errno ${parts[2]}`;
            job.failed(Object.assign(new Error(`cannot start shell: ${code}`), { code }));
          }
          break;
        case 'N':
          this.done(id);
          job.failed(cancelled());
          break;
        case 'X': {
          const code = Number(parts[2]);
          const groupLeft = parts[4] === '1';
          job.exit!(
            code < 0
              ? { exitCode: null, signal: SIGNAL_NAMES.get(Number(parts[3])) ?? `signal ${parts[3]}`, groupLeft }
              : { exitCode: code, signal: null, groupLeft },
          );
          job.exit = undefined;
          if (!job.close) this.done(id);
          break;
        }
        case 'Z':
          job.close!();
          job.close = undefined;
          if (!job.exit) this.done(id);
          break;
      }
    }
    this.buf = pos < buf.length ? Buffer.from(buf.subarray(pos)) : Buffer.alloc(0);
  }

  /**
   * The helper is gone: stop using it and settle every job so nothing waits forever. A job it
   * never started is rejected as not taken (startShell starts it through node instead); a
   * started one is reported lost: its shell may still run, but its exit can no longer be seen.
   */
  private fail(why: string): void {
    Helper.broken = true;
    Helper.instance = undefined;
    for (const [, job] of this.jobs) {
      job.failed(notTaken(why));
      job.exit?.({ exitCode: null, signal: null, lost: why });
      job.close?.();
    }
    this.jobs.clear();
  }
}
