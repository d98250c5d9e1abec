import { absPath } from '../../core/paths.js';
import { LOCK_FILE, lockEntryLine, type LockFile, type LockStage } from '../../lock/index.js';
import type { Pipeline, Stage } from '../../pipeline/index.js';
import type { RepoContext } from '../context.js';
import { makeEvaluator } from '../run/evaluate.js';
import { explainKeyChange, type Reason } from '../run/reasons.js';
import type { FreshReason, FreshStage, FreshnessCheck } from '../../model/verify.js';
import { worst } from './status.js';

/**
 * Freshness from Git alone: every stage's key recomputed from the checked-out files equals the
 * one in repro.lock, and every Git-tracked output of the stage (metrics, plots, `git: true` outs)
 * that is in the checkout has the content hash repro.lock records for it: a metrics file edited
 * by hand after its stage ran is `out-modified` (with the lock line), as `repro status` says.
 * Nothing runs and no cached data is read: a dep that is another stage's output takes the hash
 * the lock records for it (EvaluatorOptions.depsFromLock), so a fresh clone can be checked; an
 * output kept out of Git is not compared (a clone does not have it; `--rerun` checks it). A stage
 * downstream of a stale one is stale too (reason `upstream`); stages never run and lock entries
 * of stages no longer declared fail.
 */
export async function checkFreshness(
  ctx: RepoContext,
  pipeline: Pipeline,
  lock: LockFile,
  opts: { lockText: string; env?: NodeJS.ProcessEnv },
): Promise<FreshnessCheck> {
  const ev = await makeEvaluator(ctx, pipeline, opts.env, { depsFromLock: lock });
  const out: FreshStage[] = [];
  const bad = new Set<string>();
  for (const stage of pipeline.stages) {
    const where = { file: stage.pos.file, line: stage.pos.line };
    const entry = lock.stages[stage.name];
    if (stage.frozen && entry) {
      out.push({ name: stage.name, status: 'frozen', reasons: [], ...where });
      continue;
    }
    const reasons: FreshReason[] = explainKeyChange(entry, await ev.components(stage));
    if (entry) reasons.push(...(await modifiedGitOutputs(ctx, pipeline, stage, entry, opts.lockText)));
    for (const u of pipeline.upstream.get(stage.name) ?? []) if (bad.has(u)) reasons.push({ kind: 'upstream', stage: u });
    const status = !entry ? 'never-run' : reasons.length ? 'stale' : 'fresh';
    if (status !== 'fresh') bad.add(stage.name);
    out.push({ name: stage.name, status, reasons, ...where });
  }
  for (const name of Object.keys(lock.stages).sort()) {
    if (pipeline.byName.has(name)) continue;
    out.push({ name, status: 'removed', reasons: [], file: LOCK_FILE, line: lockEntryLine(opts.lockText, name) });
  }
  return { status: worst(out.map((s) => (s.status === 'fresh' || s.status === 'frozen' ? 'pass' : 'fail'))), stages: out };
}

/**
 * The stage's Git-tracked outputs present in the checkout whose content differs from the hash the
 * lock records. An absent one is not reported (a `git: true` out may simply not be committed), nor
 * one the lock has no hash for (the key comparison reports a change in declared outputs).
 */
async function modifiedGitOutputs(ctx: RepoContext, p: Pipeline, stage: Stage, entry: LockStage, lockText: string): Promise<FreshReason[]> {
  const out: FreshReason[] = [];
  for (const o of stage.outs) {
    if (!o.git) continue;
    const recorded = entry.out_hashes?.[o.path]?.hash;
    if (recorded === undefined) continue;
    const info = await ctx.cache.hashPath(absPath(p.root, o.path));
    if (!info || info.hash === recorded) continue;
    const reason: Reason = { kind: 'out-modified', path: o.path, from: recorded, to: info.hash };
    out.push({ ...reason, lock_line: lockOutLine(lockText, stage.name, o.path) });
  }
  return out;
}

/** The line of output `path`'s key under the stage's `out_hashes:` in the serialised lock. */
function lockOutLine(text: string, stage: string, path: string): number | null {
  const lines = text.split('\n');
  const s = findKey(lines, 0, 2, stage);
  if (s < 0) return null;
  const h = findKey(lines, s + 1, 4, 'out_hashes');
  if (h < 0) return null;
  const i = findKey(lines, h + 1, 6, path);
  return i < 0 ? null : i + 1;
}

/**
 * The index of the line holding map key `key` at `indent` spaces (plain, JSON- or single-quoted,
 * as core/yaml-emit writes it), from `from` until the enclosing block ends (a line indented less).
 */
function findKey(lines: string[], from: number, indent: number, key: string): number {
  const pad = ' '.repeat(indent);
  const forms = [key, JSON.stringify(key), `'${key}'`].map((k) => `${pad}${k}:`);
  for (let i = from; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() !== '' && !l.startsWith(pad) && indent > 2) return -1;
    if (forms.some((f) => l === f || l.startsWith(f + ' '))) return i;
  }
  return -1;
}
