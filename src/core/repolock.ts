import { closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ReproError, isErrno } from './errors.js';
import { pidAlive, procStat } from './proc.js';
import { isStale, lockedError, readLockFile, type Holder, type LockFileState } from './repolock-holder.js';

export type { Holder };

/**
 * One writer per repository: `<stateDir>/lock` holds the holder's pid, host, start time and a
 * random token. A lock whose pid is dead on this host is stale and is taken over (`onStale` is
 * told). A lock held by a live process is an `E_LOCKED` error naming the pid.
 *
 *   const lock = await acquireRepoLock(path, { onStale });
 *   try { ... } finally { await lock.release(); }
 *
 * Why it is race-free (any number of processes starting at once, with or without a stale lock):
 *
 * 1. The lock never exists half-written. The holder's details are written to a
 *    private temp file (`.lock.tmp-<pid>-<hex>`, swept by ops/run/takeover.ts when its pid is dead),
 *    then `link(temp, lock)`: atomic, EEXIST when any lock is there. So a reader sees either no
 *    lock or a complete one, and of simultaneous creators exactly one wins.
 * 2. A lock `S` is removed only by its holder (release, token-checked) or by whoever holds the
 *    takeover marker `lock.takeover-<id of S>`, created the same way (link, EEXIST to all but one).
 *    The id is S's token, unique forever, so a marker names one lock generation only.
 * 3. The marker's holder re-reads the lock AFTER winning the marker. If it is still S, it stays S
 *    until the marker holder acts: S's holder is dead (judged before, and the dead stay dead) and
 *    nobody else can hold S's marker. So `rename(temp, lock)` then replaces exactly S, atomically,
 *    with no moment without a lock for a fresh starter to slip into. If it is no longer S (S was
 *    released or replaced), S will never be back (tokens are not reused): back off and retry.
 * 4. A taker can die holding S's marker. Its marker is then judged like a lock, and the next
 *    taker goes one level down: `lock.takeover-<id S>.<id of dead marker>`, again one winner, and
 *    so on. Markers are removed by the taker that won only after its re-read (step 3), when S is
 *    gone for good: a later taker of S then wins a fresh marker, re-reads, finds S gone, backs off.
 *    A live marker holder means another process is about to hold the lock: `E_LOCKED`.
 * 5. A lock that cannot be parsed (an older repro wrote it with open+write, or the disk lost it) is
 *    identified by inode and mtime; it counts as stale only once it is 5 s old, so a writer of the
 *    old kind caught between open and write is not robbed.
 *
 * Left to judgement, not to atomicity: whether a holder is alive (pid on this host; see
 * holderAlive). Releasing checks the token first, so a holder that was wrongly judged dead and
 * taken over does not delete its successor's lock (a read-then-unlink: only a second misjudgement
 * within that instant could still do so).
 */
export interface RepoLock {
  path: string;
  /** A random token for this holder: stage commands carry it (REPRO_RUN_TOKEN), see ops/run/takeover.ts. */
  token: string;
  /** The holder whose stale lock was taken over to get this one, if any. */
  tookOver?: Holder;
  release(): Promise<void>;
}

const MAX_ATTEMPTS = 10;
const MAX_MARKER_DEPTH = 8;
/** The prefix of takeover markers beside the lock (`lock.takeover-<id>[.<id>…]`). */
export const MARKER_INFIX = '.takeover-';

export async function acquireRepoLock(
  path: string,
  opts: { command?: string; onStale?: (holder: Holder) => void } = {},
): Promise<RepoLock> {
  mkdirSync(dirname(path), { recursive: true });
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command: opts.command,
    token: randomBytes(8).toString('hex'),
    ticks: startTicksOf(process.pid),
  };
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeComplete(temp, JSON.stringify(me) + '\n');
  try {
    const tookOver = acquireWith(path, temp, me, opts.onStale);
    sweepDeadTemps(dirname(path));
    return lockHandle(path, me.token!, tookOver);
  } finally {
    rmSync(temp, { force: true }); // linked into place, renamed away, or not needed
  }
}

/** This process's start time in clock ticks since boot, when /proc tells it. */
function startTicksOf(pid: number): number | undefined {
  const t = procStat(pid)?.start;
  return t !== undefined && Number.isSafeInteger(t) ? t : undefined;
}

function acquireWith(path: string, temp: string, me: Holder, onStale?: (holder: Holder) => void): Holder | undefined {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(temp, path)) return undefined;
    const seen = readLockFile(path);
    if (seen === 'gone') continue; // released meanwhile: try again
    if (!isStale(seen, me.host)) throw lockedError(path, seen, 'locked');
    if (takeOver(path, temp, seen, me.host)) {
      removeStrayMarkers(path, me.token!);
      if (seen.holder) onStale?.(seen.holder);
      return seen.holder ?? undefined;
    }
  }
  throw new ReproError('E_LOCKED', `could not take the repository lock: '${path}'`, {
    hint: 'another repro process keeps taking it; try again',
  });
}

/**
 * Replace the stale lock `seen` with ours (point 3 and 4 above). True when ours is in place;
 * false when the lock changed meanwhile (try again); `E_LOCKED` when a live process is taking over.
 */
function takeOver(path: string, temp: string, seen: LockFileState, host: string): boolean {
  const dead: string[] = [];
  let marker = `${path}${MARKER_INFIX}${seen.id}`;
  for (let tries = 0; !createExclusive(temp, marker); tries++) {
    const m = readLockFile(marker);
    if (tries >= MAX_ATTEMPTS || dead.length >= MAX_MARKER_DEPTH) {
      throw new ReproError('E_LOCKED', `could not take over the repository lock: '${path}'`, {
        hint: `if no repro process is running, remove '${path}' and '${path}${MARKER_INFIX}*'`,
      });
    }
    if (m === 'gone') continue; // cleaned up by a taker that found S gone: try the same name again
    if (!isStale(m, host)) throw lockedError(path, m, 'taking over');
    dead.push(marker);
    marker = `${marker}.${m.id}`;
  }
  try {
    const now = readLockFile(path);
    if (now === 'gone' || now.id !== seen.id) return false;
    renameSync(temp, path);
    return true;
  } finally {
    // S is replaced or gone for good: no later taker can use these markers to remove a live lock.
    for (const m of [marker, ...dead]) rmSync(m, { force: true });
  }
}

const TEMP = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * Temp files of dead processes in the lock's directory (`.repro/`: this lock's own, memos, stat
 * and run cache), on every acquisition: a process killed between writing one and renaming it
 * need not have held the lock (`repro status` writes the stat cache without it, and a start
 * killed before its link leaves `.lock.tmp-*`), so a takeover would not see them. One readdir of
 * a small directory; a live process's files stay. (A process in another pid namespace sharing
 * the directory looks dead here; losing its temp file fails its write, it corrupts nothing.)
 */
function sweepDeadTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = TEMP.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Markers of earlier generations, left by a taker killed after its rename: with our lock in
 * place their generations are gone for good, so removing them cannot help anyone remove a live
 * lock (point 4). Only after a takeover: a plain start does not pay for the readdir.
 */
function removeStrayMarkers(path: string, token: string): void {
  const prefix = `${basename(path)}${MARKER_INFIX}`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix) && !name.startsWith(prefix + token)) rmSync(join(dirname(path), name), { force: true });
  }
}

/**
 * Write a new file completely before anyone links it. Not fsynced (~15 ms on every start): only a
 * power loss could leave a linked lock empty, and such a lock is old and unreadable after the
 * reboot, so point 5 above takes it over.
 */
function writeComplete(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Make `dest` a name for the complete file `temp`; false when `dest` exists. A file system
 * without hard links gets an exclusive create and a write instead: a reader may then see it
 * empty for an instant, which point 5 above tolerates.
 */
function createExclusive(temp: string, dest: string): boolean {
  try {
    linkSync(temp, dest);
    return true;
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return false;
    if (!isErrno(e, 'EPERM') && !isErrno(e, 'ENOTSUP') && !isErrno(e, 'EOPNOTSUPP') && !isErrno(e, 'ENOSYS')) throw e;
  }
  try {
    writeComplete(dest, readFileSync(temp, 'utf8'));
    return true;
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return false;
    throw e;
  }
}

/** Remove the lock at `path` if it is still this holder's (token check). */
function removeIfMine(path: string, token: string): void {
  const s = readLockFile(path);
  if (s !== 'gone' && s.holder?.token === token) {
    try {
      unlinkSync(path);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
  }
}

function lockHandle(path: string, token: string, tookOver: Holder | undefined): RepoLock {
  let released = false;
  const onExit = (): void => {
    // Last resort on an abrupt exit: only synchronous calls are allowed here.
    if (!released) {
      try {
        removeIfMine(path, token);
      } catch {
        /* nothing more to do while exiting */
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
      removeIfMine(path, token);
    },
  };
}
