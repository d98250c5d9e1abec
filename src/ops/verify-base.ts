import type { Pipeline } from '../pipeline/index.js';
import type { GuardrailCheck } from '../report/verify-types.js';
import type { RepoContext } from './context.js';
import { loadSide } from './sides.js';
import { judgeGuardrails } from './verify-guard.js';

/**
 * `verify --base REF`: this commit's metrics (the workspace as checked out, with every seed of a
 * sweep when run records or the lock's seed_metrics have them) against REF's, judged by the
 * `checks:` of this commit's repro.yaml.
 */
export async function checkBase(ctx: RepoContext, pipeline: Pipeline, base: { ref: string; commit: string }): Promise<GuardrailCheck> {
  const [b, h] = await Promise.all([loadSide(ctx, base.ref), loadSide(ctx, null)]);
  return judgeGuardrails(pipeline.checks, b.metrics, h.metrics, base);
}
