import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { ReproError, isErrno } from './errors.js';
import { pidAlive } from './proc.js';

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
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  started: string;
  command?: string;
}

export async function acquireRepoLock(
  path: string,
  opts: { command?: string; onStale?: (holder: Holder) => void } = {},
): Promise<RepoLock> {
  await mkdir(dirname(path), { recursive: true });
  const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: opts.command };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(me) + '\n');
      await fh.close();
      return lockHandle(path);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
    }
    const holder = await readHolder(path);
    if (holder === 'gone') continue;
    if (holder && holder.host === me.host && !pidAlive(holder.pid)) {
      opts.onStale?.(holder);
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

function lockHandle(path: string): RepoLock {
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

