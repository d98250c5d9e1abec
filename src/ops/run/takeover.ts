import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isReproError } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import { count } from '../../core/plural.js';
import { pidAlive, procsWithEnv, sameProcess } from '../../core/proc.js';
import type { Holder } from '../../core/repolock.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { RepoContext } from '../context.js';
import { cacheDirOf } from '../../config/config.js';
import { groupAlive, KILL_GRACE_MS, signalProcess } from '../../exec/groups.js';

/**
 * After taking over a stale repository lock (its holder was killed, e.g. with -9), clear what it
 * left, before this command touches anything:
 *
 * - its stage processes: every stage command carries the holder's token in REPRO_RUN_TOKEN, and
 *   whatever still runs with it (repro-spawner ends them within 3 s, but through node's own
 *   spawn nothing does) would go on appending to outputs this run is about to produce: they are
 *   terminated (SIGTERM, SIGKILL after the grace period). Linux (/proc) only. Only what is seen
 *   to carry the token is signalled, each verified by its start time just before (a pid is
 *   handed out again within minutes on a busy machine): a stage shell, which leads its group,
 *   with its group; any other process alone, never the group it happens to be in (that group
 *   may be a test runner's or a CI step's). Every process a stage starts inherits the token.
 * - its temp files, for pids no longer alive (a live process's are never touched, whoever it is):
 *   `.<name>.tmp-<pid>-<hex>` (core/atomic, cache/objects) beside outputs and params files, at the
 *   repository root (repro.lock), in `.repro/` (memos, stat cache, run cache, the lock's own temp)
 *   and `.repro/logs/`, in the cache's `tmp/` and object fan-out directories; `.repro/held/<pid>-<n>`
 *   (outputs held for queued stages: the cache has them); and the record writer's
 *   `tmp_obj_<pid>_<hex>` in `.git/objects/xx/` (Git's own temp files are named differently).
 */

/** The variable stage commands carry: the token of the repository lock their run holds. */
export const RUN_TOKEN_VAR = 'REPRO_RUN_TOKEN';

/** Stop the processes a dead holder's stages left running; returns how many there were. */
export async function stopLeftovers(holder: Holder, graceMs = KILL_GRACE_MS): Promise<number> {
  if (!holder.token) return 0;
  const found = procsWithEnv(RUN_TOKEN_VAR, holder.token);
  if (found.length === 0) return 0;
  for (const p of found) signalProcess(p, 'SIGTERM');
  // A leader's group counts while it has members: they may not all carry the token (env -i).
  const running = () => found.some((p) => sameProcess(p) || (p.pgrp === p.pid && groupAlive(p.pid)));
  const started = Date.now();
  while (running() && Date.now() - started < graceMs) await new Promise((r) => setTimeout(r, POLL_MS));
  // What still carries the token after the grace period, seen afresh (and verified again).
  for (const p of procsWithEnv(RUN_TOKEN_VAR, holder.token)) signalProcess(p, 'SIGKILL');
  return found.length;
}

const POLL_MS = 25;

const TEMP = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;
const HELD = /^(\d+)-\d+$/;
const GIT_TEMP = /^tmp_obj_(\d+)_[0-9a-f]+$/;
const FANOUT = /^[0-9a-f]{2}$/;

export interface SweepDirs {
  root: string;
  /** `<root>/.repro` */
  stateDir: string;
  /** the object cache (`.exprc` cache.dir), usually `<stateDir>/cache` */
  cacheDir: string;
  /** repo-relative outputs and params files: their directories get temp files too */
  paths: string[];
  /** the Git object directory, when there is one */
  gitObjectsDir?: string;
}

/** Remove the kill leftovers listed above whose pid is dead. Returns how many went. */
export function sweepTemps(d: SweepDirs): number {
  const plain = new Set<string>([d.root, d.stateDir, join(d.stateDir, 'logs'), join(d.cacheDir, 'tmp')]);
  for (const p of d.paths) plain.add(dirname(absPath(d.root, p.replace(/\/+$/, ''))));
  let n = 0;
  for (const dir of plain) n += sweepDir(dir, TEMP);
  n += sweepDir(join(d.stateDir, 'held'), HELD);
  for (const sub of subdirs(join(d.cacheDir, 'objects'))) n += sweepDir(sub, TEMP);
  if (d.gitObjectsDir) for (const sub of subdirs(d.gitObjectsDir)) n += sweepDir(sub, GIT_TEMP);
  return n;
}

/** Remove the entries of `dir` whose name matches `pattern` and whose pid (group 1) is dead. */
function sweepDir(dir: string, pattern: RegExp): number {
  let n = 0;
  for (const name of list(dir)) {
    const m = pattern.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    n++;
  }
  return n;
}

/** The two-hex fan-out directories of an object store. */
function subdirs(dir: string): string[] {
  return list(dir)
    .filter((name) => FANOUT.test(name))
    .map((name) => join(dir, name));
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // absent (or not a directory): nothing to sweep
  }
}

/** `<git common dir>/objects` of the repository at `root`, or undefined when there is none. */
async function gitObjectsDir(root: string): Promise<string | undefined> {
  try {
    const { findRepo } = await import('../../record/index.js');
    const repo = await findRepo(root);
    return join(repo.commonDir ?? repo.gitdir, 'objects');
  } catch (e) {
    // Not a Git repository repro can write to (or no git): it wrote no objects there.
    if (isReproError(e, 'E_NOT_GIT') || isReproError(e, 'E_GIT')) return undefined;
    throw e;
  }
}

/**
 * The stale lock's holder was killed: stop the stage processes it left and remove its temp
 * files before anything here writes. `notify` is told what was done.
 */
export async function killDeadRunLeftovers(
  holder: Holder,
  ctx: RepoContext,
  pipeline: Pipeline,
  notify: (text: string) => void,
): Promise<void> {
  const stopped = await stopLeftovers(holder);
  if (stopped) notify(`stopped ${count(stopped, 'process', 'processes')} left running by pid ${holder.pid}`);
  const paths = [...pipeline.stages.flatMap((s) => s.outs.map((o) => o.path)), ...pipeline.paramsData.keys()];
  const swept = sweepTemps({
    root: ctx.root,
    stateDir: ctx.stateDir,
    cacheDir: cacheDirOf(ctx.root, ctx.config),
    paths,
    gitObjectsDir: await gitObjectsDir(ctx.root),
  });
  if (swept) notify(`removed ${count(swept, 'temp file')} left by pid ${holder.pid}`);
}
