import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { ReproError, isErrno } from './errors.js';
import { pidAlive, processStartMs, procStat } from './proc.js';

/**
 * Who holds the repository lock (core/repolock.ts): the lock file read as one open file, its
 * holder parsed, and the judgement whether that holder is gone (stale) or still running.
 */
export interface Holder {
  pid: number;
  host: string;
  started: string;
  command?: string;
  token?: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22), Linux only. */
  ticks?: number;
}

/** An unreadable lock younger than this may be an old-style writer between open and write. */
const UNREADABLE_GRACE_MS = 5000;
export interface LockFileState {
  /** null when the content is not a holder (see point 5). */
  holder: Holder | null;
  /** The holder's token, or inode and mtime of an unreadable lock: names this lock generation. */
  id: string;
  mtimeMs: number;
}

const TOKEN = /^[0-9a-f]{8,64}$/;

/** The lock file at `path` as one open file (content, inode and mtime agree), or 'gone'. */
export function readLockFile(path: string): LockFileState | 'gone' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return 'gone';
    throw e;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const holder = parseHolder(readFileSync(fd, 'utf8'));
    const id = holder?.token && TOKEN.test(holder.token) ? holder.token : `i${st.ino}-${st.mtimeNs}`;
    return { holder, id, mtimeMs: Number(st.mtimeMs) };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Partial<Holder> | null;
    if (!h || !Number.isSafeInteger(h.pid) || typeof h.host !== 'string') return null;
    return { ...h, started: typeof h.started === 'string' ? h.started : '' } as Holder;
  } catch {
    return null;
  }
}

export function isStale(s: LockFileState, host: string): boolean {
  if (!s.holder) return Date.now() - s.mtimeMs >= UNREADABLE_GRACE_MS;
  return s.holder.host === host && !holderAlive(s.holder);
}

export function lockedError(path: string, s: LockFileState, what: 'locked' | 'taking over'): ReproError {
  if (!s.holder) {
    return new ReproError('E_LOCKED', `repository lock is unreadable and recent: '${path}'`, {
      hint: `another repro may be writing it; if no repro process is running, remove '${path}'`,
    });
  }
  const who = `another repro process (pid ${s.holder.pid} on ${s.holder.host})`;
  return new ReproError(
    'E_LOCKED',
    what === 'locked' ? `repository is locked by ${who}: '${path}'` : `repository lock is being taken over by ${who}: '${path}'`,
    {
      hint: `wait for it to finish; if no such process exists, remove '${path}'`,
    },
  );
}

/**
 * The holder's process still runs: its pid is alive and is the same process, not a later one
 * given the same pid (after a crash and restart, a container hands the same low pids out again,
 * often to repro). Same process: the start time in ticks since boot matches, which no change of
 * the wall clock affects; for a lock without it, the process did not start after the lock was
 * written (by the wall clock).
 */
function holderAlive(h: Holder): boolean {
  if (!pidAlive(h.pid)) return false;
  if (Number.isSafeInteger(h.ticks)) {
    const now = procStat(h.pid)?.start;
    if (now !== undefined && Number.isSafeInteger(now)) return now === h.ticks;
  }
  const started = processStartMs(h.pid);
  const locked = Date.parse(h.started);
  // One second of slack: start times are in clock ticks, and the lock is written just after start.
  return started === null || Number.isNaN(locked) || started <= locked + 1000;
}
