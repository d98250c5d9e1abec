import { join } from 'node:path';
import { ObjectError } from '../cache/index.js';
import type { CheckoutResult } from '../model/run.js';
import { ReproError } from '../core/errors.js';
import { absPath, assertNoSymlinkEscape } from '../core/paths.js';
import { loadPipeline, selectStages } from '../pipeline/index.js';
import { readLock } from '../lock/index.js';
import { acquireRepoLock } from '../core/repolock.js';
import { killDeadRunLeftovers } from './run/takeover.js';
import { openContext, type RepoContext } from './context.js';
import { count } from '../core/plural.js';

export type { CheckoutResult };

export interface CheckoutOptions {
  cwd: string;
  targets?: string[];
  /** Overwrite outputs edited in the workspace even when their content is not in the cache. */
  force?: boolean;
  signal?: AbortSignal;
  onStale?: (pid: number) => void;
  onNotice?: (text: string) => void;
}

/**
 * `repro checkout`: make workspace outputs match `repro.lock`, from the cache, without running.
 * Outputs of stages the lock does not know are left alone (and listed in `notRun`). Holds the
 * repository lock (a run writing the same outputs must not interleave with it); aborting `signal`
 * stops before the next output (each output is replaced atomically, so nothing is left half-placed).
 *
 * Nothing is lost silently: every output that differs from the lock is looked at first, and when
 * any holds content the cache does not have (an edit never saved), checkout refuses as a whole,
 * touching nothing, and returns them in `modified` (as DVC does without `--force`). Every object
 * placed is verified by the cache; a bad one is moved aside and reported in `corrupt`.
 */
export async function checkout(opts: CheckoutOptions): Promise<CheckoutResult> {
  const ctx = await openContext(opts.cwd);
  const held = await acquireRepoLock(join(ctx.stateDir, 'lock'), { command: 'checkout', onStale: (h) => opts.onStale?.(h.pid) });
  try {
    if (held.tookOver) {
      await killDeadRunLeftovers(held.tookOver, ctx, await loadPipeline(ctx.root), (text) => opts.onNotice?.(text));
    }
    return await checkoutLocked(ctx, opts);
  } finally {
    await held.release();
  }
}

interface Todo {
  path: string;
  stage: string;
  hash: string;
  abs: string;
}

async function checkoutLocked(ctx: RepoContext, opts: CheckoutOptions): Promise<CheckoutResult> {
  const pipeline = await loadPipeline(ctx.root);
  const lock = await readLock(ctx.root);
  const res: CheckoutResult = { interrupted: false, restored: [], unchanged: [], missing: [], corrupt: [], modified: [], notRun: [] };

  // Pass 1 writes nothing: what differs, and would overwriting it lose anything?
  const todo: Todo[] = [];
  for (const stage of selectStages(pipeline, opts.targets ?? [], { closure: false })) {
    const entry = lock.stages[stage.name];
    if (!entry) {
      const outs = stage.outs.filter((o) => o.cache).map((o) => o.path);
      if (outs.length) res.notRun.push({ stage: stage.name, outs });
      continue;
    }
    for (const o of stage.outs) {
      const rec = entry.out_hashes?.[o.path];
      if (!rec || !o.cache) continue; // `cache: false` outputs (Git-tracked metrics) are not ours to put back
      // Never write through a symlinked parent that leads out of the repository.
      assertNoSymlinkEscape(ctx.root, o.path, o.pos);
      const abs = absPath(ctx.root, o.path);
      const cur = await ctx.cache.hashPath(abs);
      if (cur?.hash === rec.hash) {
        res.unchanged.push(o.path);
        continue;
      }
      if (cur && !opts.force) {
        const files = await ctx.cache.unsaved(abs);
        if (files.length) res.modified.push({ path: o.path, stage: stage.name, files });
      }
      todo.push({ path: o.path, stage: stage.name, hash: rec.hash, abs });
    }
  }
  if (res.modified.length) {
    await ctx.cache.flush();
    return res;
  }

  for (const t of todo) {
    if (opts.signal?.aborted) {
      res.interrupted = true;
      break;
    }
    try {
      await ctx.cache.checkout(t.hash, t.abs);
    } catch (e) {
      if (!(e instanceof ObjectError)) throw e;
      if (e.problem === 'missing') res.missing.push({ path: t.path, stage: t.stage, hash: t.hash });
      else res.corrupt.push({ path: t.path, stage: t.stage, hash: t.hash, objects: e.objects });
      continue;
    }
    res.restored.push(t.path);
  }
  await ctx.cache.flush();
  return res;
}

/** The error for a checkout that could not restore everything, or refused to; undefined when it did. */
export function checkoutError(res: CheckoutResult): ReproError | undefined {
  if (res.modified.length) {
    const names = res.modified.flatMap((m) => m.files.map((f) => (f === '' ? m.path : `${m.path}/${f}`)));
    return new ReproError(
      'E_UNSAVED',
      `checkout would overwrite unsaved changes: ${names
        .slice(0, 3)
        .map((n) => `'${n}'`)
        .join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`,
      { hint: "copy the edited files elsewhere, or run 'repro run' to record them; 'repro checkout --force' discards them" },
    );
  }
  if (res.corrupt.length) {
    const c = res.corrupt[0]!;
    const b = c.objects[0]!;
    return new ReproError(
      'E_CACHE',
      `cached object of '${c.path}' is corrupt: '${b.hash}'${b.movedTo ? ` (moved to '${b.movedTo}')` : ''}${res.corrupt.length > 1 ? ` and ${count(res.corrupt.length - 1, 'more output')}` : ''}`,
      {
        hint: `run 'repro pull' to fetch a good copy from the remote, or 'repro run ${[...new Set(res.corrupt.map((x) => x.stage))].join(' ')}' to rebuild`,
      },
    );
  }
  if (res.missing.length) {
    const m = res.missing;
    return new ReproError(
      'E_CACHE',
      `${count(m.length, 'output')} missing from the cache: '${m[0]!.path}'${m.length > 1 ? ' and others' : ''}`,
      {
        hint: `run 'repro run' to produce them again (outputs travel with the cache, not with Git)`,
      },
    );
  }
  return undefined;
}
