import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isErrno } from './errors.js';

/**
 * State and process group of `pid` from /proc (Linux), or null when the process is gone or
 * /proc is not there. Needed because kill(pid, 0) also succeeds for zombies, and a container
 * whose PID 1 never reaps orphans keeps a killed process as a zombie for good.
 */
export function procStat(pid: number | string): { state: string; pgrp: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return null;
    throw e;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

/** A zombie or dead entry: exited, only not yet reaped. */
export function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X';
}

/** Whether /proc is there to ask (Linux with procfs mounted); checked once. */
let procfs: boolean | undefined;

/**
 * Alive and not a zombie. kill(pid, 0) alone says yes for a zombie (a holder killed with SIGKILL
 * in a container whose PID 1 never reaps); without /proc, kill(2) is trusted.
 */
export function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (isErrno(e, 'EPERM')) return true; // alive, someone else's
    if (isErrno(e, 'ESRCH')) return false;
    throw e;
  }
  procfs ??= existsSync('/proc/self/stat');
  if (!procfs) return true;
  const st = procStat(pid);
  return st !== null && !isDeadState(st.state);
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux port in use). */
const USER_HZ = 100;

/**
 * When `pid` started (ms since the epoch), from /proc; null when unknown (gone, or no /proc).
 * Tells a reused pid from the process that wrote a lock file.
 */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1];
    if (!Number.isFinite(ticks) || btime === undefined) return null;
    return Number(btime) * 1000 + (ticks * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

/**
 * Live processes whose environment holds `name=value` (Linux /proc; [] elsewhere). Processes of
 * other users cannot be read and are skipped.
 */
export function pidsWithEnv(name: string, value: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const first = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e) || Number(e) === process.pid) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${e}/environ`);
    } catch {
      continue; // gone, or not ours
    }
    if (env.includes(needle) || env.subarray(0, first.length).equals(first)) out.push(Number(e));
  }
  return out;
}
