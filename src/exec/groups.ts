import { readdirSync } from 'node:fs';
import { isErrno } from '../core/errors.js';
import { isDeadState, procStat, sameProcess, type ProcRef } from '../core/proc.js';

/**
 * Process-group bookkeeping for stage commands.
 *
 * Every stage shell is spawned detached, so it leads its own process group (pgid = its pid) and
 * everything it starts (`sleep 30 &`, a Python worker pool) belongs to that group. Being detached,
 * the group does NOT receive the terminal's Ctrl-C: the caller must turn SIGINT/SIGTERM into an
 * abort (the `signal` option of `runStage`) or call `killAll()`. As a last resort a process 'exit'
 * listener SIGKILLs every group still alive, so a normal exit of repro (even `process.exit()`)
 * never leaves stage processes behind. A parent killed by SIGKILL cannot clean up itself: with
 * repro-spawner, the helper sees its stdin close and terminates every unfinished job's group
 * (native/spawner.c, abandon()); through node's own spawn, such stages run on.
 */

/** Grace period between SIGTERM and SIGKILL for a group being terminated. */
export const KILL_GRACE_MS = 3000;

const POLL_MS = 25;

/**
 * Live groups: pgid -> the start time of its leader (the stage shell, pid = pgid) when it was
 * tracked, null when that could not be read. A group outlives its leader while members remain,
 * and the kernel hands its id out again only once it is empty: once a later process holds the
 * pid (another start time), the group this id named is gone and the id names someone else's.
 */
const live = new Map<number, number | null>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: process.kill is.
  process.on('exit', () => {
    for (const pgid of live.keys()) signalGroup(pgid, 'SIGKILL');
  });
}

/**
 * Registers a group so `killAll()` and the exit hook can reach it. `leaderStart`: its leader's
 * start time (ProcStat.start), read now when not given.
 */
export function trackGroup(pgid: number, leaderStart: number | null = procStat(pgid)?.start ?? null): void {
  installExitHook();
  live.set(pgid, leaderStart);
}

export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}

/**
 * Sends `sig` to the whole group; false when the group no longer exists. Refuses (false) anything
 * that is not a stage's own group: kill(-0) or kill(-1) would signal repro's own group or every
 * process it may signal, and repro's own group holds repro itself and whatever started it (a test
 * runner, a CI step), which no bad pid read from a helper reply or /proc may ever reach. A tracked
 * group whose leader's pid now belongs to a later process is gone (see `live`): refused too.
 */
export function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === ownGroup()) return false;
  const start = live.get(pgid);
  if (start != null && !leaderGoneOrSame(pgid, start)) return false;
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (e) {
    if (isErrno(e, 'ESRCH')) return false;
    // EPERM: a member changed credentials (setuid); nothing more we may do to it.
    if (isErrno(e, 'EPERM')) return false;
    throw e;
  }
}

/**
 * True while any process of the group is still running. kill(-pgid, 0) also succeeds for zombies,
 * and in containers whose PID 1 does not reap orphans a killed background job stays a zombie for
 * good; on Linux such a group is confirmed through /proc and counts as gone.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return process.platform !== 'linux' || hasRunningMember(pgid);
}

/** Scans /proc for a non-zombie process in group `pgid`; true when /proc cannot be read. */
function hasRunningMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return true; // no /proc mounted: trust kill(2)
    throw e;
  }
  for (const name of entries) {
    if (!/^[0-9]+$/.test(name)) continue;
    const st = procStat(name); // null: exited while we looked
    if (st && st.pgrp === pgid && !isDeadState(st.state)) return true;
  }
  return false;
}

/**
 * Terminates a group: SIGTERM now, SIGKILL once `graceMs` has passed with members still alive.
 * Resolves when the group is gone (or right after SIGKILL was sent). Never rejects.
 */
export function terminateGroup(pgid: number, graceMs = KILL_GRACE_MS): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return Promise.resolve();
  return new Promise((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (!groupAlive(pgid)) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started >= graceMs) {
        clearInterval(timer);
        signalGroup(pgid, 'SIGKILL');
        resolve();
      }
    }, POLL_MS);
  });
}

/**
 * Terminates every stage process group this process started and that is still running
 * (SIGTERM, SIGKILL after the grace period). For a SIGINT handler that has no AbortController
 * at hand; `runStage` calls for those groups then resolve with `aborted: false` and the signal.
 * Prefer aborting the `signal` passed to `runStage`, which also stops the remaining cmds.
 */
export async function killAll(graceMs = KILL_GRACE_MS): Promise<void> {
  await Promise.all([...live.keys()].map((pgid) => terminateGroup(pgid, graceMs)));
}

/** No process has pid `pgid`, or the one that has it started at `start` (the tracked leader). */
function leaderGoneOrSame(pgid: number, start: number): boolean {
  const st = procStat(pgid);
  return st === null || st.start === start;
}

/**
 * Sends `sig` to the process `ref` names, only while that very process runs (same pid and start
 * time: a pid read earlier may be someone else's by now), and never to this process or its group.
 * A process that leads its own group (a stage shell) gets it with its whole group: what it started
 * is in that group. Any other gets it alone: its group is not its own to end. False when nothing
 * was sent.
 */
export function signalProcess(ref: ProcRef, sig: NodeJS.Signals): boolean {
  if (!Number.isInteger(ref.pid) || ref.pid <= 1 || ref.pid === process.pid || ref.pgrp === ownGroup()) return false;
  if (!sameProcess(ref)) return false;
  if (ref.pgrp === ref.pid) return signalGroup(ref.pid, sig);
  try {
    process.kill(ref.pid, sig);
    return true;
  } catch (e) {
    if (isErrno(e, 'ESRCH') || isErrno(e, 'EPERM')) return false;
    throw e;
  }
}

let own: number | null | undefined;

/** This process's own process group (Linux: /proc/self/stat), or null where it cannot be read. */
function ownGroup(): number | null {
  if (own === undefined) own = procStat('self')?.pgrp ?? null;
  return own;
}
