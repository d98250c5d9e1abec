import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ReproError, isErrno } from './errors.js';
import { pidAlive, processStartMs } from './proc.js';

/**
 * One writer per repository: `<stateDir>/lock` holds the holder's pid and host, created with
 * O_EXCL. A lock whose pid is dead on this host is stale and is taken over (`onStale` is told).
 * A lock held by a live process is an `E_LOCKED` error naming the pid.
 *
 *   const lock = await acquireRepoLock(path, { onStale });
 *   try { ... } finally { await lock.release(); }
 */
export interface RepoLock {
  path: string;
  /** A random token for this holder: stage commands carry it (REPRO_RUN_TOKEN), see ops/takeover.ts. */
  token: string;
  /** The holder whose stale lock was taken over to get this one, if any. */
  tookOver?: Holder;
  release(): Promise<void>;
}

export interface Holder {
  pid: number;
  host: string;
  started: string;
  command?: string;
  token?: string;
}

export async function acquireRepoLock(
  path: string,
  opts: { command?: string; onStale?: (holder: Holder) => void } = {},
): Promise<RepoLock> {
  await mkdir(dirname(path), { recursive: true });
  const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: opts.command, token: randomBytes(8).toString('hex') };
  let tookOver: Holder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(me) + '\n');
      await fh.close();
      return lockHandle(path, me.token!, tookOver);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    const holder = await readHolder(path);
    if (holder === 'gone') continue;
    if (holder && holder.host === me.host && !holderAlive(holder)) {
      opts.onStale?.(holder);
      tookOver = holder;
      await rm(path, { force: true });
      continue;
    }
    if (!holder) {
      // Empty or unreadable: a holder died between create and write. Treat as stale.
      await rm(path, { force: true });
      continue;
    }
    throw new ReproError('E_LOCKED', `repository is locked by another repro process (pid ${holder.pid} on ${holder.host}): '${path}'`, {
      hint: `wait for it to finish; if no such process exists, remove '${path}'`,
    });
  }
  throw new ReproError('E_LOCKED', `could not take the repository lock: '${path}'`);
}

/**
 * The holder's process still runs: its pid is alive and did not start after the lock was written
 * (after a crash and restart, a container hands the same low pids out again, often to repro).
 */
function holderAlive(h: Holder): boolean {
  if (!pidAlive(h.pid)) return false;
  const started = processStartMs(h.pid);
  const locked = Date.parse(h.started);
  // One second of slack: start times are in clock ticks, and the lock is written just after start.
  return started === null || Number.isNaN(locked) || started <= locked + 1000;
}

function lockHandle(path: string, token: string, tookOver: Holder | undefined): RepoLock {
  let released = false;
  const onExit = (): void => {
    // Last resort on an abrupt exit: a synchronous unlink is all that is allowed here.
    if (!released) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', onExit);
  return {
    path,
    token,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      process.removeListener('exit', onExit);
      await rm(path, { force: true });
    },
  };
}

async function readHolder(path: string): Promise<Holder | null | 'gone'> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Holder;
    return typeof h.pid === 'number' ? h : null;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return 'gone'; // released meanwhile: retry
    return null;
  }
}

