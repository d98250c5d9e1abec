import type { CheckRule, Pipeline } from '../../pipeline/index.js';
import type { GuardrailCheck } from '../../model/verify.js';
import type { RepoContext } from '../context.js';
import { loadSide } from '../diff/sides.js';
import { judgeGuardrails, type ModifiedMetrics } from './guard.js';

/**
 * `verify --base REF`: this commit's metrics (the workspace as checked out, with every seed of a
 * sweep when run records or the lock's seed_metrics have them) against REF's, judged by the
 * `checks:` of this commit's repro.yaml. Rules on a head metrics file in `modified` (edited after its
 * stage ran: see verify-fresh) fail unjudged.
 */
export async function checkBase(
  ctx: RepoContext,
  pipeline: Pipeline,
  base: { ref: string; commit: string },
  modified: ModifiedMetrics,
): Promise<GuardrailCheck> {
  const [b, h] = await Promise.all([loadSide(ctx, base.ref, NO_PROBE), loadSide(ctx, null, NO_PROBE)]);
  return judgeGuardrails(pipeline.checks, b.metrics, h.metrics, base, modified);
}

/**
 * `verify` without `--base`: the absolute bounds of `checks:` (`min`, `max`) judged on this
 * commit's metrics (the workspace, as checkBase reads it). Drop and rise limits need a base and are
 * left out; a rule with none of min/max gives no row. Skip when no rule has a bound.
 */
export async function checkBounds(
  ctx: RepoContext,
  pipeline: Pipeline,
  modified: ModifiedMetrics,
): Promise<GuardrailCheck | { status: 'skip' }> {
  const bounds: Record<string, CheckRule> = {};
  for (const [metric, rule] of Object.entries(pipeline.checks)) {
    if (rule.min === undefined && rule.max === undefined) continue;
    bounds[metric] = {
      ...(rule.min !== undefined ? { min: rule.min } : {}),
      ...(rule.max !== undefined ? { max: rule.max } : {}),
      ...(rule.direction !== undefined ? { direction: rule.direction } : {}),
      pos: rule.pos,
    };
  }
  if (Object.keys(bounds).length === 0) return { status: 'skip' };
  const h = await loadSide(ctx, null, NO_PROBE);
  return judgeGuardrails(bounds, {}, h.metrics, null, modified);
}

/** Guardrails need metrics only: no machine probes for the environment section. */
const NO_PROBE = { probeEnv: false } as const;
