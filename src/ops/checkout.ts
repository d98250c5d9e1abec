import { join } from 'node:path';
import { ReproError } from '../core/errors.js';
import { absPath } from '../core/paths.js';
import { loadPipeline, selectStages } from '../pipeline/index.js';
import { readLock } from '../lock/index.js';
import { acquireRepoLock } from '../core/repolock.js';
import { clearAfter } from './takeover.js';
import { openContext, type RepoContext } from './context.js';

export interface CheckoutResult {
  /** Stopped by the signal before every output was handled (exit 130). */
  interrupted: boolean;
  /** Outputs written from the cache. */
  restored: string[];
  /** Outputs already as recorded. */
  unchanged: string[];
  /** Outputs whose object is not in the cache: a re-run is needed. */
  missing: { path: string; stage: string; hash: string }[];
}

/**
 * `repro checkout`: make workspace outputs match `repro.lock`, from the cache, without running.
 * Outputs of stages the lock does not know are left alone. Holds the repository lock (a run
 * writing the same outputs must not interleave with it); aborting `signal` stops before the next
 * output (each output is replaced atomically, so nothing is left half-placed).
 */
export async function checkout(opts: { cwd: string; targets?: string[]; signal?: AbortSignal; onStale?: (pid: number) => void; onNotice?: (text: string) => void }): Promise<CheckoutResult> {
  const ctx = await openContext(opts.cwd);
  const held = await acquireRepoLock(join(ctx.stateDir, 'lock'), { command: 'checkout', onStale: (h) => opts.onStale?.(h.pid) });
  try {
    if (held.tookOver) {
      await clearAfter(held.tookOver, ctx, await loadPipeline(ctx.root), (text) => opts.onNotice?.(text));
    }
    return await checkoutLocked(ctx, opts);
  } finally {
    await held.release();
  }
}

async function checkoutLocked(ctx: RepoContext, opts: { targets?: string[]; signal?: AbortSignal }): Promise<CheckoutResult> {
  const pipeline = await loadPipeline(ctx.root);
  const lock = await readLock(ctx.root);
  const res: CheckoutResult = { interrupted: false, restored: [], unchanged: [], missing: [] };
  for (const stage of selectStages(pipeline, opts.targets ?? [], { closure: false })) {
    const entry = lock.stages[stage.name];
    if (!entry) continue;
    for (const o of stage.outs) {
      if (opts.signal?.aborted) {
        res.interrupted = true;
        break;
      }
      const rec = entry.out_hashes?.[o.path];
      if (!rec) continue;
      const abs = absPath(ctx.root, o.path);
      const cur = await ctx.cache.hashPath(abs);
      if (cur?.hash === rec.hash) {
        res.unchanged.push(o.path);
        continue;
      }
      if (!(await ctx.cache.has(rec.hash))) {
        res.missing.push({ path: o.path, stage: stage.name, hash: rec.hash });
        continue;
      }
      await ctx.cache.checkout(rec.hash, abs);
      res.restored.push(o.path);
    }
  }
  await ctx.cache.flush();
  return res;
}

export function checkoutError(missing: CheckoutResult['missing']): ReproError {
  return new ReproError('E_CACHE', `${missing.length} output(s) missing from the cache: '${missing[0]!.path}'${missing.length > 1 ? ' and others' : ''}`, {
    hint: `run 'repro run' to produce them again (outputs travel with the cache, not with Git)`,
  });
}
