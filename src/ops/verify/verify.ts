import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../core/errors.js';
import { LOCK_FILE, parseLock, parseLockAt } from '../../lock/index.js';
import { loadPipeline } from '../../pipeline/index.js';
import { findRepo, isDirty, resolveRevision } from '../../record/index.js';
import type { FreshnessCheck, VerifyResult } from '../../model/verify.js';
import { worst } from './status.js';
import { openContext } from '../context.js';
import { checkBase, checkBounds } from './base.js';
import type { ModifiedMetrics } from './guard.js';
import { checkData } from './data.js';
import { checkFreshness } from './fresh.js';
import { checkRerun, type RerunEvent } from './rerun.js';
import { checkRules } from './rules.js';
import { observedWarnings, runVary } from './vary-save.js';
import { applyEnvelopes } from './envelope.js';

export interface VerifyOptions {
  cwd: string;
  /** Re-run these stages in an isolated copy; `true` (or []) for every stage; undefined: no re-run. */
  rerun?: string[] | true;
  /** Re-run this many stages picked at random from the `rerun` selection (implies a re-run). */
  sample?: number;
  /** Seed of the `sample` pick; random when not given (the result says which was used). */
  sampleSeed?: number;
  /** Judge `checks:` on this commit's metrics against this revision (without it: only their min/max). */
  base?: string;
  /** `--vary [STAGE|VARIATIONS...]`: classify stages under variations (ops/verify/vary.ts); [] for all. */
  vary?: string[];
  /** `--seeds 1-5` with --rerun: judge `deterministic: false` stages' metrics against their envelope (ops/verify/envelope.ts). */
  seeds?: number[];
  /** `--save`: write the observed classes into repro.lock. */
  save?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (e: RerunEvent) => void;
}

/**
 * `repro verify`: the pull-request check. Read-only for the user's work tree, index, lock and
 * cache links: freshness and rules read checked-out files, data only asks the cache, re-runs
 * happen in a temp copy, the base side is read from Git objects.
 *
 * Errors that mean the check could not run are thrown before any check (exit 2): not a
 * repository, an unreadable repro.yaml or repro.lock, an unknown `base` revision or stage name.
 * Everything else is a check result.
 */
export async function verify(opts: VerifyOptions): Promise<VerifyResult> {
  const ctx = await openContext(opts.cwd, { readOnly: true }); // verify never changes the work tree
  const repo = await findRepo(ctx.root);
  const pipeline = await loadPipeline(ctx.root);
  const lockText = await readText(join(ctx.root, LOCK_FILE));
  const lock = parseLockAt(ctx.root, lockText);
  const baseCommit = opts.base !== undefined ? await resolveRevision(repo, opts.base) : null;
  const wantRerun = opts.rerun !== undefined || opts.sample !== undefined;

  const freshness = await checkFreshness(ctx, pipeline, lock, { lockText, env: opts.env });
  const data = await checkData(ctx, pipeline, lock);
  const rules = await checkRules(pipeline);
  const rerun0 = wantRerun
    ? await checkRerun(ctx, repo, pipeline, lock, {
        stages: opts.rerun === true || opts.rerun === undefined ? [] : opts.rerun,
        sample: opts.sample,
        sampleSeed: opts.sampleSeed,
        signal: opts.signal,
        onEvent: opts.onEvent,
        env: opts.env,
      })
    : ({ status: 'skip' } as const);
  const rerun = 'stages' in rerun0 ? await applyEnvelopes(ctx, repo, pipeline, lock, rerun0, opts) : rerun0;
  const vary = opts.vary !== undefined ? await runVary(ctx, repo, pipeline, lock, opts) : undefined;
  const warnings = observedWarnings(pipeline, vary?.saved ? parseLock(await readText(join(ctx.root, LOCK_FILE))) : lock);
  const modified = modifiedOutputs(freshness);
  const guardrails =
    opts.base !== undefined && baseCommit !== null
      ? await checkBase(ctx, pipeline, { ref: opts.base, commit: baseCommit }, modified)
      : await checkBounds(ctx, pipeline, modified);
  const status = worst([freshness.status, data.status, rules.status, rerun.status, guardrails.status, vary?.status ?? 'skip']);
  // Keep what the checks learnt (objects verified, files hashed), so the next verify of the same
  // checkout reads no object again: at 10,000 stages re-hashing every output was a third of it.
  // Only into a state directory that exists: verify never creates one (a fresh clone stays clean).
  if (existsSync(ctx.stateDir)) await ctx.cache.flush();
  return {
    ok: status !== 'fail',
    commit: repo.head,
    dirty: await isDirty(repo),
    freshness,
    data,
    rules,
    rerun,
    guardrails,
    ...(vary ? { vary } : {}),
    ...(warnings.length ? { observed_warnings: warnings } : {}),
  };
}

/**
 * Outputs freshness found edited after their stage ran (`out-modified`): path → why. Guardrails
 * do not judge values read from them.
 */
function modifiedOutputs(f: FreshnessCheck): ModifiedMetrics {
  const out = new Map<string, string>();
  for (const s of f.stages) {
    for (const r of s.reasons) {
      if (r.kind !== 'out-modified' || r.path === undefined) continue;
      const [from, to] = [String(r.from).slice(0, 8), String(r.to).slice(0, 8)];
      out.set(
        r.path,
        `'${r.path}' does not match repro.lock (lock ${from} -> checkout ${to}): it changed after stage '${s.name}' ran (see freshness)`,
      );
    }
  }
  return out;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return '';
    throw e;
  }
}
