import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { absPath } from '../core/paths.js';
import { pidAlive, pidsWithEnv, procStat } from '../core/proc.js';
import type { Holder } from '../core/repolock.js';
import type { Pipeline } from '../pipeline/index.js';
import type { RepoContext } from './context.js';
import { cacheDirOf } from './config.js';
import { terminateGroup } from '../exec/groups.js';

/**
 * After taking over a stale repository lock (its holder was killed, e.g. with -9), clear what it
 * left, before this command touches anything:
 *
 * - its stage processes: every stage command carries the holder's token in REPRO_RUN_TOKEN, and
 *   whatever still runs with it (repro-spawner ends them within 3 s, but through node's own
 *   spawn nothing does) would go on appending to outputs this run is about to produce; their
 *   process groups are terminated (SIGTERM, SIGKILL after the grace period). Linux (/proc) only.
 * - its temp files: `.<name>.tmp-<pid>-<hex>` beside outputs and params files, at the repository
 *   root (repro.lock) and in the cache's tmp/, for pids no longer alive.
 */

/** The variable stage commands carry: the token of the repository lock their run holds. */
export const RUN_TOKEN_VAR = 'REPRO_RUN_TOKEN';

/** Stop the processes a dead holder's stages left running; returns how many there were. */
export async function stopLeftovers(holder: Holder): Promise<number> {
  if (!holder.token) return 0;
  const pids = pidsWithEnv(RUN_TOKEN_VAR, holder.token).filter((p) => pidAlive(p));
  const groups = new Set<number>();
  for (const pid of pids) {
    const st = procStat(pid);
    if (st) groups.add(st.pgrp);
  }
  await Promise.all([...groups].map((g) => terminateGroup(g)));
  return pids.length;
}

const TEMP = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * Remove temp files of dead processes in the directories of `paths` (repo-relative outputs and
 * params files), the repository root and `<stateDir>/cache/tmp`. Returns how many went.
 */
export function sweepTemps(root: string, cacheDir: string, paths: string[]): number {
  const dirs = new Set<string>([root, join(cacheDir, 'tmp')]);
  for (const p of paths) dirs.add(dirname(absPath(root, p.replace(/\/+$/, ''))));
  let n = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP.exec(name);
      if (!m || pidAlive(Number(m[1]))) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      n++;
    }
  }
  return n;
}

/**
 * The stale lock's holder was killed: stop the stage processes it left and remove its temp
 * files before anything here writes. `notify` is told what was done.
 */
export async function clearAfter(holder: Holder, ctx: RepoContext, pipeline: Pipeline, notify: (text: string) => void): Promise<void> {
  const stopped = await stopLeftovers(holder);
  if (stopped) notify(`stopped ${stopped} process(es) left running by pid ${holder.pid}`);
  const paths = [...pipeline.stages.flatMap((s) => s.outs.map((o) => o.path)), ...pipeline.paramsData.keys()];
  const swept = sweepTemps(ctx.root, cacheDirOf(ctx.root, ctx.config), paths);
  if (swept) notify(`removed ${swept} temp file(s) left by pid ${holder.pid}`);
}
