import { absPath } from '../core/paths.js';
import { captureEnv } from '../env/index.js';
import { resolveParamValues, stageKey, type Pipeline, type Stage } from '../pipeline/index.js';
import type { KeyComponents, LockStage } from '../lock/index.js';
import type { RepoContext } from './context.js';
import type { Reason } from './reasons.js';

/**
 * Computes a stage's key components from the workspace as it is now. Params (read once by
 * loadPipeline), lock-file hashes and captured env are read once per command; dep hashes are read each time (the stat
 * cache makes that cheap) because an upstream stage may just have rewritten them.
 */
export interface Evaluator {
  components(stage: Stage): Promise<KeyComponents>;
  key(c: KeyComponents): string;
  /** Reasons an up-to-date-by-key stage must still run: outputs missing or not as recorded. */
  outputProblems(stage: Stage, entry: LockStage): Promise<Reason[]>;
}

export async function makeEvaluator(ctx: RepoContext, pipeline: Pipeline, env = process.env): Promise<Evaluator> {
  const locks: Record<string, string> = {};
  await Promise.all(
    pipeline.locks.map(async (p) => {
      const info = await ctx.cache.hashPath(absPath(pipeline.root, p));
      locks[p] = info ? info.hash : '';
    }),
  );
  const captured = captureEnv(pipeline.envCapture, env);

  return {
    async components(stage) {
      const deps: Record<string, string> = {};
      await Promise.all(
        stage.deps.map(async (d) => {
          const info = await ctx.cache.hashPath(absPath(pipeline.root, d.path));
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
      for (const o of stage.outs) {
        const rec = entry.out_hashes?.[o.path];
        const info = await ctx.cache.hashPath(absPath(pipeline.root, o.path));
        if (!info) problems.push({ kind: 'out-missing', path: o.path });
        else if (rec && rec.hash !== info.hash) problems.push({ kind: 'out-modified', path: o.path, from: rec.hash, to: info.hash });
        else if (!rec) problems.push({ kind: 'out-modified', path: o.path, from: '', to: info.hash });
      }
      return problems;
    },
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
