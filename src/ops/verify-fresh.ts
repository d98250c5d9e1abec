import { LOCK_FILE, type LockFile } from '../lock/index.js';
import type { Pipeline } from '../pipeline/index.js';
import type { RepoContext } from './context.js';
import { makeEvaluator } from './evaluate.js';
import { explainKeyChange, type Reason } from './reasons.js';
import { worst, type FreshStage, type FreshnessCheck } from '../report/verify-types.js';

/**
 * Freshness from Git alone: every stage's key recomputed from the checked-out files equals the
 * one in repro.lock. Nothing runs and no data is read: a dep that is another stage's output takes
 * the hash the lock records for it (EvaluatorOptions.depsFromLock), so a fresh clone can be
 * checked. A stage downstream of a stale one is stale too (reason `upstream`); stages never run
 * and lock entries of stages no longer declared fail.
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
    const reasons: Reason[] = explainKeyChange(entry, await ev.components(stage));
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

/** The line of `  <name>:` under `stages:` in the serialised lock (names may be quoted). */
function lockEntryLine(text: string, name: string): number | null {
  const lines = text.split('\n');
  const plain = `  ${name}:`;
  const quoted = `  ${JSON.stringify(name)}:`;
  const i = lines.findIndex((l) => l === plain || l === quoted || l === `  '${name}':`);
  return i < 0 ? null : i + 1;
}
