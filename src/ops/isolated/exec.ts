import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isReproError } from '../../core/errors.js';
import { absPath, assertNoSymlinkEscape, checkStoredPath, isWithin } from '../../core/paths.js';
import { redactText } from '../../env/index.js';
import { failureText, runStage } from '../../exec/index.js';
import type { Cache, PathInfo } from '../../cache/index.js';
import type { LockStage } from '../../lock/index.js';
import type { Pipeline, Stage } from '../../pipeline/index.js';
import type { InputChange } from '../../model/isolated.js';

/**
 * The steps of `rerunIsolated` that touch one stage inside the isolated directory: make its
 * inputs ready, keep the expected content of outputs the tree holds, execute it.
 */

export type { InputChange };

/** Files above this size are not kept in memory for a content diff. */
const KEEP_LIMIT = 64 * 1024 * 1024;

/** `hashPath`, with a special file (socket, fifo) counted as missing. */
export async function hashOrNull(cache: Cache, abs: string): Promise<PathInfo | null> {
  try {
    return await cache.hashPath(abs);
  } catch (e) {
    if (isReproError(e, 'E_CACHE')) return null;
    throw e;
  }
}

/**
 * Throw `E_PATH_ESCAPE` unless `rel` (already a checked repo path) stays inside the isolated `dir`
 * on disk. The tree written there is untrusted (a pushed run's snapshot can hold a symlink
 * `data -> ../..`), so every path repro itself reads or writes there is checked first.
 */
export function assertInside(dir: string, rel: string): void {
  assertNoSymlinkEscape(dir, rel);
}

/**
 * Deps of `stage` as the lock recorded them, compared with the isolated copy. A source dep the
 * tree lacks (an untracked data file) is copied from the user's workspace when its content there
 * is the recorded one; nothing else is ever read from the workspace. A dep whose path leads out of
 * the isolated copy through a symlink is `E_PATH_ESCAPE`: neither hashed nor written.
 */
export async function prepareInputs(args: {
  cache: Cache;
  workspaceCache: Cache;
  dir: string;
  workspace: string;
  pipeline: Pipeline;
  entry: LockStage;
}): Promise<InputChange[]> {
  const { cache, dir, entry } = args;
  const produced = [...args.pipeline.outOwner.keys()];
  const changes: InputChange[] = [];
  for (const [path, expected] of Object.entries(entry.deps ?? {})) {
    const abs = absPath(dir, path);
    assertInside(dir, path);
    let info = await hashOrNull(cache, abs);
    if (!info && expected !== '' && !produced.some((o) => isWithin(path, o))) {
      const ws = await hashOrNull(args.workspaceCache, absPath(args.workspace, path));
      if (ws?.hash === expected) {
        // What is there is not content (a dangling symlink, a socket): replace it, never write
        // through it. rm does not follow a symlink.
        await rm(abs, { recursive: true, force: true });
        await mkdir(dirname(abs), { recursive: true });
        assertInside(dir, path);
        await cp(absPath(args.workspace, path), abs, { recursive: true, dereference: true });
        info = await hashOrNull(cache, abs);
      }
    }
    const actual = info?.hash ?? null;
    if (actual !== expected && !(actual === null && expected === '')) changes.push({ path, expected, actual });
  }
  return changes;
}

/**
 * The content of each output that the isolated copy already holds exactly as the lock records
 * it (outputs tracked by Git: metrics, plots, `git: true`), read before the stage overwrites
 * them, so a difference can be shown even when the cache lacks the object.
 */
export async function keepExpected(cache: Cache, dir: string, stage: Stage, entry: LockStage): Promise<Map<string, Buffer>> {
  const kept = new Map<string, Buffer>();
  for (const o of stage.outs) {
    const rec = entry.out_hashes?.[o.path];
    if (!rec || rec.nfiles !== undefined || rec.size > KEEP_LIMIT) continue;
    const info = await hashOrNull(cache, absPath(dir, o.path));
    if (info && !info.isDir && info.hash === rec.hash) kept.set(o.path, await readFile(absPath(dir, o.path)));
  }
  return kept;
}

export interface ExecOutcome {
  exitCode: number | null;
  durationMs: number;
  error: string | null;
  stderrTail: string[];
  aborted: boolean;
}

/**
 * Run the stage's recorded commands in the isolated copy with its recorded seed. Declared
 * outputs are removed first, so an output the command fails to write shows as missing.
 */
export async function executeStage(args: {
  dir: string;
  stage: Stage;
  cmd: string[];
  wdir: string;
  seed: number | null;
  /** SOURCE_DATE_EPOCH as the lock recorded it; null: the environment's, as it is. */
  sourceDateEpoch?: number | null;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  sink?: (line: string, stream: 'stdout' | 'stderr') => void;
}): Promise<ExecOutcome> {
  const { dir, stage } = args;
  for (const o of stage.outs) {
    const abs = absPath(dir, o.path);
    assertInside(dir, o.path);
    await rm(abs, { recursive: true, force: true });
    await mkdir(dirname(abs), { recursive: true });
  }
  const env: Record<string, string> = { ...args.env } as Record<string, string>;
  env.REPRO_STAGE = stage.name;
  delete env.REPRO_SEED;
  delete env.PYTHONHASHSEED;
  if (args.sourceDateEpoch !== undefined && args.sourceDateEpoch !== null) env.SOURCE_DATE_EPOCH = String(args.sourceDateEpoch);
  if (args.seed !== null) {
    env.REPRO_SEED = String(args.seed);
    env.PYTHONHASHSEED = String(args.seed);
  }
  const wdir = args.wdir === '' ? '' : checkStoredPath(args.wdir, `the wdir of stage '${stage.name}'`);
  assertInside(dir, wdir);
  const cwd = absPath(dir, wdir);
  await mkdir(cwd, { recursive: true });
  const res = await runStage({
    cmds: args.cmd,
    cwd,
    env,
    logPath: join(dir, '.repro', 'logs', `${stage.name}.log`),
    prefix: stage.name,
    sink: args.sink,
    signal: args.signal,
  });
  const tail = res.stderrTail.map((l) => redactText(l));
  if (res.aborted) return { exitCode: res.exitCode, durationMs: res.durationMs, error: 'interrupted', stderrTail: tail, aborted: true };
  if (res.exitCode !== 0) {
    return { exitCode: res.exitCode, durationMs: res.durationMs, error: `command ${failureText(res)}`, stderrTail: tail, aborted: false };
  }
  return { exitCode: 0, durationMs: res.durationMs, error: null, stderrTail: tail, aborted: false };
}
