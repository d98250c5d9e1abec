import { join } from 'node:path';
import { acquireRepoLock } from '../../core/repolock.js';
import { readLock, writeLock, type LockFile, type Observed } from '../../lock/index.js';
import type { Pipeline } from '../../pipeline/index.js';
import type { RepoInfo } from '../../record/index.js';
import type { ObservedWarning, VaryCheck } from '../../model/vary.js';
import type { RepoContext } from '../context.js';
import type { RerunEvent } from './rerun.js';
import { checkVary } from './vary.js';

/**
 * `verify --vary`, and with `--save` the classes written into repro.lock as `observed:
 * {class, varied, at}` (at: the commit observed; no timestamps in a lock). The one write verify
 * makes, asked for by name: under the repository lock, into the lock as it is now (re-read), and
 * only for entries whose key is still the one observed, so a `repro run` in between is not undone.
 */
/**
 * Stages repro.yaml has deterministic (`deterministic: true`, the default) that repro.lock says
 * were observed `unstable` or `environment-dependent`: verify warns about each (a seed-dependent
 * stage is deterministic for its seed).
 */
export function observedWarnings(pipeline: Pipeline, lock: LockFile): ObservedWarning[] {
  const out: ObservedWarning[] = [];
  for (const s of pipeline.stages) {
    const o = lock.stages[s.name]?.observed;
    if (!s.deterministic || !o || (o.class !== 'unstable' && o.class !== 'environment-dependent')) continue;
    out.push({
      stage: s.name,
      class: o.class,
      file: s.pos.file,
      line: s.pos.line,
      message: `stage '${s.name}' is deterministic in repro.yaml but was observed ${o.class} (verify --vary${o.at ? ` at ${o.at.slice(0, 7)}` : ''}): declare deterministic: false, or fix it and run verify --vary --save again`,
    });
  }
  return out;
}

export async function runVary(
  ctx: RepoContext,
  repo: RepoInfo,
  pipeline: Pipeline,
  lock: LockFile,
  opts: { vary?: string[]; save?: boolean; env?: NodeJS.ProcessEnv; signal?: AbortSignal; onEvent?: (e: RerunEvent) => void },
): Promise<VaryCheck> {
  const res = await checkVary(ctx, repo, pipeline, lock, {
    args: opts.vary ?? [],
    env: opts.env,
    signal: opts.signal,
    onEvent: opts.onEvent,
  });
  if (!opts.save || opts.signal?.aborted) return res;
  const held = await acquireRepoLock(join(ctx.stateDir, 'lock'), { command: 'verify --save' });
  try {
    const now = await readLock(ctx.root);
    let changed = false;
    for (const s of res.stages) {
      const cur = now.stages[s.name];
      if (s.class === null || !cur || cur.key !== lock.stages[s.name]?.key) continue;
      const observed: Observed = { class: s.class, varied: [...res.variations].sort(), at: repo.head };
      cur.observed = observed;
      changed = true;
    }
    if (changed) await writeLock(ctx.root, now);
  } finally {
    await held.release();
  }
  return { ...res, saved: true };
}
