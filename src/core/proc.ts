import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isErrno } from './errors.js';

/** What /proc/<pid>/stat says of a process. */
export interface ProcStat {
  state: string;
  pgrp: number;
  /**
   * Start time in clock ticks since boot: with the pid, it names one process. A pid is handed out
   * again once its process is gone (pid_max is often 32768: a busy machine goes round in
   * minutes), and a later process given the same pid starts later.
   */
  start: number;
}

/**
 * State, process group and start time of `pid` from /proc (Linux), or null when the process is
 * gone or /proc is not there. Needed because kill(pid, 0) also succeeds for zombies, and a
 * container whose PID 1 never reaps orphans keeps a killed process as a zombie for good.
 */
export function procStat(pid: number | string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ESRCH')) return null;
    throw e;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]), start: Number(fields[19]) };
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
    const ticks = procStat(pid)?.start;
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1];
    if (ticks === undefined || !Number.isFinite(ticks) || btime === undefined) return null;
    return Number(btime) * 1000 + (ticks * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

/** One process, as seen at one moment: a pid and the start time that tells it from a reuse. */
export interface ProcRef {
  pid: number;
  /** start time in clock ticks since boot (ProcStat.start) */
  start: number;
  /** its process group when it was seen */
  pgrp: number;
}

/** `ref` still runs and is the same process (not a later one given its pid). */
export function sameProcess(ref: ProcRef): boolean {
  const st = procStat(ref.pid);
  return st !== null && st.start === ref.start && !isDeadState(st.state);
}

/**
 * Live processes whose environment holds `name=value` (Linux /proc; [] elsewhere), this one
 * excepted. Processes of other users cannot be read and are skipped. Each is verified: its
 * start time is read before and after its environment, so the environment read is that
 * process's and not a later one's that got the pid in between.
 */
export function procsWithEnv(name: string, value: string): ProcRef[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const first = Buffer.from(`${name}=${value}\0`);
  const out: ProcRef[] = [];
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e) || Number(e) === process.pid) continue;
    let env: Buffer;
    let before: ProcStat | null;
    try {
      before = procStat(e);
      if (before === null || isDeadState(before.state)) continue;
      env = readFileSync(`/proc/${e}/environ`);
    } catch {
      continue; // gone, or not ours
    }
    if (!(env.includes(needle) || env.subarray(0, first.length).equals(first))) continue;
    const ref = { pid: Number(e), start: before.start, pgrp: before.pgrp };
    if (Number.isFinite(ref.start) && sameProcess(ref)) out.push(ref);
  }
  return out;
}
