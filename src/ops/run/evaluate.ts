import { WalkError, type PathInfo, type WalkRole } from '../../cache/index.js';
import type { SourcePos } from '../../core/errors.js';
import { absPath } from '../../core/paths.js';
import { PathIndex } from '../../core/sorted.js';
import { captureEnv } from '../../env/index.js';
import { resolveParamValues, stageKey, type Pipeline, type Stage } from '../../pipeline/index.js';
import type { KeyComponents, LockFile, LockStage } from '../../lock/index.js';
import type { RepoContext } from '../context.js';
import type { Reason } from './reasons.js';

/**
 * Computes a stage's key components from the workspace as it is now. Params (read once by
 * loadPipeline), lock-file hashes and captured env are read once per command; dep hashes are read each time (the stat
 * cache makes that cheap) because an upstream stage may just have rewritten them.
 */
export interface Evaluator {
  components(stage: Stage): Promise<KeyComponents>;
  key(c: KeyComponents): string;
  /**
   * Outputs missing or not as recorded: why an up-to-date-by-key stage must still run, and, next
   * to a changed key, what else `repro status` reports. An output whose declaration changed (new,
   * or of another kind) is left out: the `outs` reason of the key already names it.
   */
  outputProblems(stage: Stage, entry: LockStage): Promise<Reason[]>;
}

export interface EvaluatorOptions {
  /**
   * Hash deps that are other stages' outputs from this lock instead of the workspace, so a
   * checkout without data (a fresh CI clone) can be checked: a dep equal to an output takes the
   * hash the lock records for that output and is never read. A dep inside an output directory, or
   * a dep directory holding outputs, cannot be hashed from the lock alone: it is hashed from the
   * workspace when every output it overlaps is present there, else it keeps the value the stage's
   * own lock entry recorded (consistent by construction; `repro verify --rerun` checks it).
   */
  depsFromLock?: LockFile;
  /**
   * What the caller does with a stage whose outputs `outputProblems` found as recorded: `dry`
   * writes nothing, `force` runs every stage. Unless forced, such a stage does not run (only a
   * stale one does: a changed key, an output problem, always_changed), so its outputs stay as
   * hashed and a downstream stage's dep on one takes that hash instead of a second stat and
   * stat-cache lookup (on a 10,000-stage fan-in, one per mid output). In a dry run every output
   * stays.
   */
  run?: { dry: boolean; force: boolean };
}

export async function makeEvaluator(
  ctx: RepoContext,
  pipeline: Pipeline,
  env = process.env,
  opts: EvaluatorOptions = {},
): Promise<Evaluator> {
  const locks: Record<string, string> = {};
  await Promise.all(
    pipeline.locks.map(async (p) => {
      const info = await ctx.cache.hashPath(absPath(pipeline.root, p));
      locks[p] = info ? info.hash : '';
    }),
  );
  const captured = captureEnv(pipeline.envCapture, env);
  const outIndex = opts.depsFromLock ? new PathIndex([...pipeline.outOwner.keys()]) : undefined;
  /** Outputs hashed by outputProblems that stay as they are for the rest of this command (see `run`). */
  const settled = new Map<string, PathInfo | null>();

  return {
    async components(stage) {
      const deps: Record<string, string> = {};
      await Promise.all(
        stage.deps.map(async (d) => {
          const locked = opts.depsFromLock ? await depFromLock(ctx, pipeline, opts.depsFromLock, outIndex!, stage, d.path) : undefined;
          if (locked !== undefined) {
            deps[d.path] = locked;
            return;
          }
          const known = settled.get(d.path);
          const info = known !== undefined ? known : await hashDeclared(ctx, pipeline, d.path, 'dependency', d.pos);
          deps[d.path] = info ? info.hash : '';
        }),
      );
      const outs: Record<string, string> = {};
      for (const o of stage.outs) outs[o.path] = o.kind;
      return {
        cmd: stage.cmd,
        wdir: stage.wdir,
        deps: sortKeys(deps),
        params: resolveParamValues(stage, (f) => pipeline.paramsData.get(f)),
        locks: sortKeys(locks),
        env: captured,
        seed: stage.seed,
        outs: sortKeys(outs),
      };
    },
    key: stageKey,
    async outputProblems(stage, entry) {
      const problems: Reason[] = [];
      const hashed: [string, PathInfo | null][] = [];
      for (const o of stage.outs) {
        if (entry.outs && entry.outs[o.path] !== o.kind) continue;
        const rec = entry.out_hashes?.[o.path];
        const info = await hashDeclared(ctx, pipeline, o.path, 'output', o.pos);
        hashed.push([o.path, info]);
        if (!info) problems.push({ kind: 'out-missing', path: o.path });
        else if (rec && rec.hash !== info.hash) problems.push({ kind: 'out-modified', path: o.path, from: rec.hash, to: info.hash });
        else if (!rec) problems.push({ kind: 'out-modified', path: o.path, from: '', to: info.hash });
      }
      const stays = opts.run && (opts.run.dry || (!opts.run.force && !stage.alwaysChanged && problems.length === 0));
      if (stays) for (const [path, info] of hashed) settled.set(path, info);
      return problems;
    },
  };
}

/** A dep's hash as `lock` determines it (see EvaluatorOptions), or undefined to hash the workspace. */
async function depFromLock(
  ctx: RepoContext,
  p: Pipeline,
  lock: LockFile,
  outs: PathIndex,
  stage: Stage,
  dep: string,
): Promise<string | undefined> {
  const owner = p.outOwner.get(dep);
  if (owner !== undefined) return lock.stages[owner]?.out_hashes?.[dep]?.hash;
  const overlapping = outs.overlapping(dep);
  if (overlapping.length === 0) return undefined;
  const outPos = (o: string): SourcePos | undefined => p.byName.get(p.outOwner.get(o)!)?.outs.find((x) => x.path === o)?.pos;
  const present = await Promise.all(overlapping.map((o) => hashDeclared(ctx, p, o, 'output', outPos(o))));
  if (present.every((x) => x !== null)) return undefined;
  return lock.stages[stage.name]?.deps?.[dep];
}

/**
 * Hash a declared dep or output (repo-relative `path`). A file the cache refuses inside a
 * directory (a symlink leading out, a special file) is reported as the cache words it, but for
 * the role it plays here, named from the repository root, at the repro.yaml position that
 * declares it: `repro.yaml:6:11: symlink in a dependency leads outside it: 'dd/p' -> '/etc/passwd'`.
 */
async function hashDeclared(ctx: RepoContext, p: Pipeline, path: string, role: WalkRole, pos?: SourcePos): Promise<PathInfo | null> {
  try {
    return await ctx.cache.hashPath(absPath(p.root, path));
  } catch (e) {
    if (e instanceof WalkError) throw e.restate({ role, label: path, pos });
    throw e;
  }
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
