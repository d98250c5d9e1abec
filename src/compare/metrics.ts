/**
 * Many metrics at once. Testing 20 metrics at alpha = 0.05 finds about one "significant" change by
 * chance, so the decision uses Holm-adjusted p-values across every metric that had a test. The
 * CIs stay per-metric (unadjusted); a metric whose own CI excludes 0 but which does not survive the
 * adjustment says so in its warning.
 */
import { holm } from './holm.js';
import { compareMetric, directionalVerdict, type MetricComparison, type MetricInput } from './metric.js';

export interface MetricsComparison {
  metrics: MetricComparison[];
  adjustment: 'holm';
  alpha: number;
}

export function compareMetrics(inputs: readonly MetricInput[], alpha = 0.05): MetricsComparison {
  const metrics = inputs.map((input) => compareMetric(input, alpha));
  const tested = metrics.filter((m) => m.test !== 'none' && m.p !== undefined);
  const { adjusted, reject } = holm(
    tested.map((m) => m.p!),
    alpha,
  );
  tested.forEach((m, i) => {
    m.p_adjusted = adjusted[i]!;
    const wasSignificant = m.verdict === 'improved' || m.verdict === 'regressed';
    m.verdict = reject[i] && m.delta !== 0 ? directionalVerdict(m.delta, m.direction) : 'no significant change';
    if (wasSignificant && m.verdict === 'no significant change') {
      m.warning = `significant on its own (p = ${m.p!.toPrecision(3)}) ` + `but not after Holm adjustment across ${tested.length} metrics`;
    }
  });
  return { metrics, adjustment: 'holm', alpha };
}
