import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import { openCache, type Cache } from '../../cache/index.js';
import { findRepo, materializeTree } from '../../record/index.js';
import { loadPipeline, type Pipeline, type Stage } from '../../pipeline/index.js';
import { checkLockPaths, type LockFile } from '../../lock/index.js';
import type { RepoContext } from '../context.js';
import { prefetch } from '../remote/index.js';
import type { IsolatedResult, IsolatedStage, OutputResult } from '../../model/isolated.js';
import { compareStageOutputs } from './compare.js';
import { assertInside, executeStage, hashOrNull, keepExpected, prepareInputs } from './exec.js';

export type { InputChange, IsolatedResult, IsolatedStage, OutputOutcome, OutputResult } from '../../model/isolated.js';

/**
 * The isolated re-run engine behind `repro replay` and `repro verify --rerun`.
 *
 *   const ctx = await openContext(cwd);
 *   const res = await rerunIsolated({ ctx, tree: commitSha, lock, stages: ['train'] });
 *   if (!res.ok) for (const o of res.outputs) if (o.outcome === 'differs') show(o.detail);
 *
 * Contract:
 * - `tree` (a commit, or a tree id) is written into a fresh temporary directory (or `keep`, which
 *   must be missing or empty); the user's workspace is never written. The temp dir is removed at
 *   the end unless `keep` was given.
 * - `stages` (default: every stage in `lock` that the tree's pipeline still declares) are
 *   executed with the cmd, wdir and seed the lock records for them. Their upstream stages are not
 *   re-run when their outputs can be put in place instead: from the tree itself (Git-tracked
 *   outputs) or from the user's object cache (read-only: nothing is written to it). An upstream
 *   stage whose outputs are in neither is re-run too (`requested: false`), recursively.
 * - A source dep the tree lacks (untracked data) is copied from the workspace when its content
 *   there is what the lock recorded.
 * - Every output the lock records for a re-run stage is compared (`OutputResult`):
 *   `identical` (same hash); `within-tolerance` (stage `deterministic: false`, and every metric of
 *   the stage equal within its `tolerance`; its other outputs may differ byte for byte);
 *   `differs`, with a `detail` (text: capped unified diff with volatile-looking lines flagged;
 *   binary: first differing byte and sizes; directory: files added/removed/changed; metrics:
 *   values side by side); `missing` (not produced).
 * - `ok`: no stage failed, nothing was interrupted, no executed stage had an input that differs
 *   from the lock (missing, or other content: `input_changes`), and every output is identical or
 *   within tolerance. Outputs made from other inputs reproduce nothing, even when they match.
 *   Stage failures are results, not exceptions; exceptions are for a tree, lock or stage name that
 *   cannot be used (`E_NOT_FOUND`, `E_USAGE`, `E_CONFIG`).
 * - The tree and the lock are untrusted (a pushed run ref, a pull request): every lock path is
 *   checked before anything is written (`checkLockPaths`), a tree's `.repro/` is dropped (local
 *   state, never part of a run, and a symlink there would carry logs outside), and every path
 *   repro reads or writes in the copy is checked not to leave it through a symlink
 *   (`E_PATH_ESCAPE`).
 */
export interface IsolatedOptions {
  ctx: RepoContext;
  /** A git commit or tree id whose files to materialise. */
  tree: string;
  /** Expected outputs (and the cmd, wdir and seed to run each stage with). */
  lock: LockFile;
  /** Default: every stage in the lock. */
  stages?: string[];
  /** Materialise here (missing or empty) and keep it afterwards. */
  keep?: string;
  onEvent?: (e: IsolatedEvent) => void;
  signal?: AbortSignal;
  /** Environment for the stage commands; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Called before each requested stage executes (`verify --vary`, ops/verify/vary-*.ts): may
   * change the copy (put inputs back, re-create them in another order) and what the stage runs
   * with. Returned fields replace the recorded ones.
   */
  prepare?: (a: { dir: string; stage: Stage; entry: LockFile['stages'][string]; cache: Cache }) => Promise<StageRunWith | void>;
}

export interface StageRunWith {
  seed?: number | null;
  sourceDateEpoch?: number | null;
  cmd?: string[];
  env?: NodeJS.ProcessEnv;
}

export type IsolatedEvent =
  | { type: 'materialized'; dir: string }
  | { type: 'stage-start'; stage: string; action: 'execute' | 'restore' }
  | { type: 'stage-output'; stage: string; line: string; stream: 'stdout' | 'stderr' }
  | { type: 'stage-end'; result: IsolatedStage };

export async function rerunIsolated(opts: IsolatedOptions): Promise<IsolatedResult> {
  checkLockPaths(opts.lock, 'the lock to compare with');
  const repo = await findRepo(opts.ctx.root);
  const dir = opts.keep ? resolve(opts.keep) : await realpath(await mkdtemp(join(tmpdir(), 'repro-isolated-')));
  try {
    await materializeTree(repo, opts.tree, dir);
    await rm(join(dir, '.repro'), { recursive: true, force: true });
    opts.onEvent?.({ type: 'materialized', dir });
    const pipeline = await loadPipeline(dir);
    // The user's objects, read-only here: copies (never links) into the isolated dir, and no
    // stat cache, so nothing of the isolated dir is remembered in the workspace's state.
    const cache = openCache({ dir: resolve(opts.ctx.root, opts.ctx.config.cache.dir), linkTypes: ['reflink', 'copy'] });
    const requested = selectRequested(pipeline, opts.lock, opts.stages);
    await prefetch(opts.ctx, neededObjects(pipeline, opts.lock, requested), opts.signal); // from the default remote, if any
    const plan = await planUpstream(cache, dir, pipeline, opts.lock, requested);
    return await execute({ ...opts, dir, pipeline, cache, requested, plan });
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}

function selectRequested(pipeline: Pipeline, lock: LockFile, stages?: string[]): Set<string> {
  const names = stages ?? Object.keys(lock.stages).filter((n) => pipeline.byName.has(n));
  for (const n of names) {
    if (!pipeline.byName.has(n)) {
      throw new ReproError('E_NOT_FOUND', `stage is not in the pipeline of this revision: '${n}'`, {
        hint: `stages: ${[...pipeline.byName.keys()].join(', ')}`,
      });
    }
    if (!lock.stages[n]) throw new ReproError('E_NOT_FOUND', `stage has no entry in the lock, nothing to compare with: '${n}'`);
  }
  return new Set(names);
}

/** What a re-run may need from the cache: the recorded inputs of `requested` and of every stage upstream, and those stages' outputs. */
function neededObjects(p: Pipeline, lock: LockFile, requested: Set<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [...requested];
  while (queue.length) {
    const n = queue.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    const entry = lock.stages[n];
    out.push(...Object.values(entry?.deps ?? {}));
    if (!requested.has(n)) out.push(...Object.values(entry?.out_hashes ?? {}).map((o) => o.hash));
    queue.push(...(p.upstream.get(n) ?? []));
  }
  return out;
}

/** Upstream stages to restore (outputs available) or to re-run too; name → decision. */
async function planUpstream(
  cache: Cache,
  dir: string,
  p: Pipeline,
  lock: LockFile,
  requested: Set<string>,
): Promise<Map<string, 'restore' | 'execute'>> {
  const plan = new Map<string, 'restore' | 'execute'>([...requested].map((n) => [n, 'execute' as const]));
  const queue = [...requested];
  while (queue.length) {
    for (const u of p.upstream.get(queue.pop()!) ?? []) {
      if (plan.has(u)) continue;
      const ok = await restorable(cache, dir, p, lock, u);
      plan.set(u, ok ? 'restore' : 'execute');
      if (!ok) queue.push(u);
    }
  }
  return plan;
}

async function restorable(cache: Cache, dir: string, p: Pipeline, lock: LockFile, name: string): Promise<boolean> {
  const entry = lock.stages[name];
  if (!entry) return false;
  for (const o of p.byName.get(name)!.outs) {
    const rec = entry.out_hashes?.[o.path];
    if (!rec) return false;
    if ((await hashOrNull(cache, absPath(dir, o.path)))?.hash === rec.hash) continue;
    if (!(await cache.has(rec.hash))) return false;
  }
  return true;
}

async function execute(
  o: IsolatedOptions & { dir: string; pipeline: Pipeline; cache: Cache; requested: Set<string>; plan: Map<string, 'restore' | 'execute'> },
): Promise<IsolatedResult> {
  const { dir, pipeline, cache, plan, lock } = o;
  const workspaceCache = openCache({ dir: resolve(o.ctx.root, o.ctx.config.cache.dir) });
  const host = hostname();
  const content = { hostnames: [host, host.split('.')[0]!], paths: [dir, o.ctx.root] };
  const stages: IsolatedStage[] = [];
  const outputs: OutputResult[] = [];
  const failed = new Set<string>();
  let interrupted = false;
  for (const stage of pipeline.stages.filter((s) => plan.has(s.name))) {
    const entry = lock.stages[stage.name];
    const seed = entry ? entry.seed : stage.seed;
    const res: IsolatedStage = {
      name: stage.name,
      action: 'not-run',
      requested: o.requested.has(stage.name),
      seed,
      exit_code: null,
      duration_ms: null,
      error: null,
      stderr_tail: [],
      input_changes: [],
    };
    stages.push(res);
    const blocked = (pipeline.upstream.get(stage.name) ?? []).find((u) => failed.has(u));
    if (interrupted || o.signal?.aborted || blocked) {
      interrupted ||= Boolean(o.signal?.aborted);
      res.error = blocked ? `upstream stage '${blocked}' did not succeed` : 'interrupted';
      failed.add(stage.name);
      outputs.push(...missingOutputs(stage, entry));
      continue;
    }
    if (plan.get(stage.name) === 'restore') {
      o.onEvent?.({ type: 'stage-start', stage: stage.name, action: 'restore' });
      for (const out of stage.outs) {
        const rec = entry!.out_hashes[out.path]!;
        const abs = absPath(dir, out.path);
        assertInside(dir, out.path);
        if ((await hashOrNull(cache, abs))?.hash === rec.hash) continue;
        // Replace what the tree has there, never write into it: rm takes symlinks as they are.
        await rm(abs, { recursive: true, force: true });
        await cache.checkout(rec.hash, abs);
      }
      res.action = 'restored';
      o.onEvent?.({ type: 'stage-end', result: res });
      continue;
    }
    o.onEvent?.({ type: 'stage-start', stage: stage.name, action: 'execute' });
    const tweak = (entry && res.requested && (await o.prepare?.({ dir, stage, entry, cache }))) || {};
    if (tweak.seed !== undefined) res.seed = tweak.seed;
    if (entry) res.input_changes = await prepareInputs({ cache, workspaceCache, dir, workspace: o.ctx.root, pipeline, entry });
    const kept = entry ? await keepExpected(cache, dir, stage, entry) : new Map<string, Buffer>();
    const ex = await executeStage({
      dir,
      stage,
      cmd: tweak.cmd ?? entry?.cmd ?? stage.cmd,
      wdir: entry?.wdir ?? stage.wdir,
      seed: tweak.seed !== undefined ? tweak.seed : seed,
      sourceDateEpoch: tweak.sourceDateEpoch !== undefined ? tweak.sourceDateEpoch : (entry?.source_date_epoch ?? null),
      env: tweak.env ?? o.env ?? process.env,
      signal: o.signal,
      sink: (line, stream) => o.onEvent?.({ type: 'stage-output', stage: stage.name, line, stream }),
    });
    Object.assign(res, { exit_code: ex.exitCode, duration_ms: Math.round(ex.durationMs), error: ex.error, stderr_tail: ex.stderrTail });
    res.action = ex.error === null ? 'executed' : 'failed';
    if (ex.aborted) interrupted = true;
    if (ex.error !== null) failed.add(stage.name);
    if (entry) outputs.push(...(await compareStageOutputs({ cache, dir, stage, entry, kept, content })));
    o.onEvent?.({ type: 'stage-end', result: res });
  }
  const inputsOk = stages.every((s) => s.input_changes.length === 0);
  const ok =
    !interrupted && failed.size === 0 && inputsOk && outputs.every((x) => x.outcome === 'identical' || x.outcome === 'within-tolerance');
  return { ok, interrupted, dir, kept: Boolean(o.keep), stages, outputs };
}

function missingOutputs(stage: Stage, entry: LockFile['stages'][string] | undefined): OutputResult[] {
  return Object.entries(entry?.out_hashes ?? {}).map(([path, expected]) => ({
    stage: stage.name,
    path,
    kind: stage.outs.find((x) => x.path === path)?.kind ?? 'out',
    outcome: 'missing' as const,
    expected,
    actual: null,
    detail: null,
    note: 'not produced: the stage did not run',
  }));
}
