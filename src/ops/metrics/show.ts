import { mean, standardError, tQuantile } from '../../compare/index.js';
import type { MetricShown, MetricsShowResult } from '../../model/metrics.js';
import { openContext } from '../context.js';
import { loadSide } from '../diff/sides.js';

export type { MetricsShowResult };

export interface MetricsShowOptions {
  cwd: string;
  /** Revisions or runs to show (none: the workspace). */
  revs?: string[];
}

/**
 * `repro metrics show [REV...]`: every metric of every metrics file of the workspace (or of each
 * revision or run), nested keys flattened. A side's values are read as `repro diff` reads them
 * (docs/diff.md: matched runs, the lock's `seed_metrics`, then the files), so a sweep's metrics
 * come with their spread: mean, standard error and a 95% confidence interval over the seeds.
 */
export async function metricsShow(opts: MetricsShowOptions): Promise<MetricsShowResult> {
  const ctx = await openContext(opts.cwd);
  const revs: (string | null)[] = opts.revs?.length ? opts.revs : [null];
  const sides = [];
  for (const rev of revs) {
    const side = await loadSide(ctx, rev, { probeEnv: false });
    const metrics: MetricShown[] = Object.entries(side.metrics).map(([name, m]) => {
      const cut = name.indexOf(':');
      const n = m.values.length;
      const avg = mean(m.values);
      const sem = n < 2 ? null : standardError(m.values);
      const half = sem === null ? null : tQuantile(0.975, n - 1) * sem;
      return {
        name,
        file: name.slice(0, cut),
        key: name.slice(cut + 1),
        n,
        mean: avg,
        sem,
        ci95: half === null ? null : [avg - half, avg + half],
        values: m.values,
        seeds: m.seeds,
      };
    });
    // only what concerns a metrics file (not, say, "no repro.lock": outputs are not shown here)
    const declared = (side.pipeline?.stages ?? []).flatMap((s) => s.outs.filter((o) => o.kind === 'metric').map((o) => o.path));
    const problems = side.problems
      .filter((p) => declared.some((f) => p.key === f || p.key.startsWith(`${f}:`)))
      .map((p) => ({ key: p.key, message: p.message }));
    sides.push({ label: side.label, commit: side.commit, metrics, problems });
  }
  return { sides };
}
