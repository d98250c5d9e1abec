import { readFileSync } from 'node:fs';
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
