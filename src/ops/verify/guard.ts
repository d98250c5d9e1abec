import { defaultDirection, directionalVerdict, judgeCheck, mean } from '../../compare/index.js';
import type { CheckRule } from '../../pipeline/index.js';
import { splitRef } from './rules.js';
import type { GuardRow, GuardrailCheck, SideStats } from '../../model/verify.js';
import { worst } from './status.js';

/** One side's metrics: "path:key" → one value per run (several with a seed sweep) and their seeds. */
export type SideMetrics = Record<string, { values: number[]; seeds: (number | null)[] }>;

/**
 * Head metrics files whose checked-out content is not what repro.lock records (freshness reports
 * them `out-modified`): path → why, in words. Their values are not judged.
 */
export type ModifiedMetrics = ReadonlyMap<string, string>;

/**
 * The guardrail decision table: each `checks:` rule judged on head against base (judgeCheck: with
 * several seeds on both sides a drop or rise fails only when the whole confidence interval lies past
 * the limit, paired by seed when the seeds match). A rule whose metric the head lacks fails.
 * `baseRev` null: judged without a base (`base` empty, only min/max rules given: see checkBounds).
 * A rule on a file in `modified` fails unjudged (rule `matches repro.lock`, head null): a value
 * edited after its stage ran is not vouched for by the lock, and a PR check must not pass on it.
 */
export function judgeGuardrails(
  checks: Record<string, CheckRule>,
  base: SideMetrics,
  head: SideMetrics,
  baseRev: { ref: string; commit: string } | null,
  modified: ModifiedMetrics = new Map(),
): GuardrailCheck {
  const rows: GuardRow[] = [];
  for (const [metric, rule] of Object.entries(checks).sort(([a], [b]) => a.localeCompare(b))) {
    const where = { file: rule.pos.file, line: rule.pos.line };
    const b = base[metric];
    const h = head[metric];
    const bStats = b && b.values.length ? stats(b.values) : null;
    const edited = modified.get(splitRef(metric).path);
    // A check that cannot be judged on this commit: a failing row with no head value.
    const unjudged = (rule: string, reason: string): GuardRow => ({
      metric,
      base: bStats,
      head: null,
      delta: null,
      ci: null,
      rule,
      status: 'fail',
      reason,
      change: null,
      ...where,
    });
    if (edited !== undefined) {
      rows.push(unjudged('matches repro.lock', `not judged: ${edited}`));
      continue;
    }
    if (!h || h.values.length === 0) {
      rows.push(unjudged('metric exists', `check '${metric}' names a metric that this commit does not have`));
      continue;
    }
    const r = judgeCheck(rule, b?.values ?? [], h.values, b ? { seeds: { base: b.seeds, head: h.seeds } } : {});
    const direction = rule.direction ?? defaultDirection(splitRef(metric).key);
    rows.push({
      metric,
      base: bStats,
      head: stats(h.values),
      delta: r.delta,
      ci: r.ci ?? null,
      rule: r.rule,
      status: r.status,
      reason: r.reason,
      change: r.delta === null ? null : r.delta === 0 ? 'unchanged' : directionalVerdict(r.delta, direction),
      ...where,
    });
  }
  return { status: worst(rows.map((r) => r.status)), base: baseRev, rows };
}

function stats(values: number[]): SideStats {
  return { mean: mean(values), n: values.length, values: [...values] };
}
