import { mean, standardError, tQuantile } from '../../compare/index.js';
import type { HistoryPoint } from '../../report/html/report-types.js';
import type { RepoContext } from '../context.js';
import { loadSide, type Side } from '../diff/sides.js';

/**
 * The Metrics-across-history part of `repro report`: each commit of the first-parent history
 * (oldest first, then the workspace when given) read as `repro diff` reads a side, so a point's
 * values are its runs' (one per seed), else the lock's seed_metrics, else the committed files.
 */
export async function historyPoints(ctx: RepoContext, commits: string[], workspace: Side | null): Promise<HistoryPoint[]> {
  const sides: Side[] = [];
  for (const c of commits) sides.push(await loadSide(ctx, c, { probeEnv: false }));
  if (workspace) sides.push(workspace);
  let prev: Record<string, unknown> | null = null;
  return sides.map((s) => {
    const changed: Record<string, unknown> = {};
    if (prev) for (const [k, v] of Object.entries(s.params)) if (JSON.stringify(prev[k]) !== JSON.stringify(v)) changed[k] = v;
    prev = s.params;
    const metrics: HistoryPoint['metrics'] = {};
    for (const [key, m] of Object.entries(s.metrics)) {
      if (m.values.length === 0) continue;
      const mu = mean(m.values);
      const n = m.values.length;
      const half = n >= 2 ? tQuantile(0.975, n - 1) * standardError(m.values) : null;
      metrics[key] = { n, mean: mu, ci: half === null ? null : [mu - half, mu + half], values: m.values };
    }
    return {
      label: s.commit ? s.commit.slice(0, 7) : 'workspace',
      commit: s.commit,
      subject: null,
      runs: s.runs,
      params_changed: changed,
      metrics,
    };
  });
}
