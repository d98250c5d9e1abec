import { compareMetrics, defaultDirection, summarize, type Direction, type MetricInput } from '../../compare/index.js';
import type { MetricRow, MetricsSection, MetricSummary } from '../../model/diff.js';
import type { Side, SideMetric } from './sides.js';

/** Whether a metric row `key` (of the metrics file `path`) is in the diff (`--targets`). */
export type Select = (key: string, path: string) => boolean;

/**
 * The metrics section of `repro diff`: every metric of either side, compared with the statistics
 * of compare/ (a t interval per metric with n ≥ 2 on both sides; Holm across all tested metrics),
 * plus marked rows for what could not be compared (a metrics file that does not parse, a value
 * that is not a number).
 */
export function metricsSection(a: Side, b: Side, select: Select, alpha = 0.05): MetricsSection {
  const keys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].filter((k) => select(k, pathOf(k, a, b))).sort();
  const both = keys.filter((k) => a.metrics[k] && b.metrics[k]);
  const inputs: MetricInput[] = both.map((k) => ({
    name: k,
    a: a.metrics[k]!.values,
    b: b.metrics[k]!.values,
    seedsA: a.metrics[k]!.seeds,
    seedsB: b.metrics[k]!.seeds,
    direction: directionOf(k, a, b),
  }));
  const cmp = compareMetrics(inputs, alpha);
  const rows: MetricRow[] = cmp.metrics.map((m) => ({
    key: m.name,
    direction: m.direction,
    a: summary(a.metrics[m.name]!),
    b: summary(b.metrics[m.name]!),
    delta: m.delta,
    relative: m.relative,
    test: m.test,
    ci: m.ci ?? null,
    p: m.p ?? null,
    p_adjusted: m.p_adjusted ?? null,
    verdict: m.verdict,
    warning: m.warning ?? null,
    error: null,
  }));
  const problems = problemsByKey(a, b, select);
  for (const k of keys.filter((key) => !both.includes(key) && !problems.has(key))) {
    const sa = a.metrics[k];
    const sb = b.metrics[k];
    rows.push({
      ...blank(k, directionOf(k, a, b)),
      a: sa ? summary(sa) : null,
      b: sb ? summary(sb) : null,
      verdict: sa ? 'removed' : 'added',
    });
  }
  rows.push(...problemRows(a, b, problems, new Set(both)));
  rows.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return { alpha, adjustment: 'holm', tested: cmp.metrics.filter((m) => m.test !== 'none').length, rows };
}

/**
 * True when the row shows no difference at all (hidden unless --all): the same value for every
 * seed on both sides. Values are matched by seed, not as sorted lists: two seeds that swapped
 * values have equal means but differ per seed, so the metric changed. Values of unknown seed
 * (null) are compared as a sorted list among themselves.
 */
export function metricUnchanged(r: MetricRow): boolean {
  if (r.error !== null) return r.verdict === 'unchanged';
  if (!r.a || !r.b) return false;
  const pairs = (s: MetricSummary): [number, number][] =>
    s.values.map((v, i) => [s.seeds[i] ?? Infinity, v] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const sa = pairs(r.a);
  const sb = pairs(r.b);
  return sa.length === sb.length && sa.every(([seed, v], i) => seed === sb[i]![0] && Object.is(v, sb[i]![1]));
}

/** `checks:` direction for the metric (head side first), else guessed from the metric's key. */
function directionOf(key: string, a: Side, b: Side): Direction {
  const d = b.pipeline?.checks[key]?.direction ?? a.pipeline?.checks[key]?.direction;
  if (d) return d;
  const path = pathOf(key, a, b);
  return defaultDirection(key.slice(path.length + 1) || key);
}

/** The metrics file a "path:key" belongs to (keys may contain ':' themselves). */
function pathOf(key: string, a: Side, b: Side): string {
  const paths = [...metricFiles(a), ...metricFiles(b)].sort((x, y) => y.length - x.length);
  return paths.find((p) => key === p || key.startsWith(`${p}:`)) ?? key.slice(0, Math.max(0, key.indexOf(':')));
}

export function metricFiles(s: Side): string[] {
  const fromPipeline = s.pipeline?.stages.flatMap((st) => st.outs.filter((o) => o.kind === 'metric').map((o) => o.path)) ?? [];
  const fromLock = Object.values(s.lock?.stages ?? {}).flatMap((e) =>
    Object.entries(e.outs ?? {})
      .filter(([, k]) => k === 'metric')
      .map(([p]) => p),
  );
  return [...fromPipeline, ...fromLock];
}

function summary(m: SideMetric): MetricSummary {
  const s = summarize(m.values);
  return { n: s.n, mean: s.mean, sd: s.sd, se: s.se, values: s.values, seeds: [...m.seeds] };
}

function blank(key: string, direction: Direction): MetricRow {
  return {
    key,
    direction,
    a: null,
    b: null,
    delta: null,
    relative: null,
    test: 'none',
    ci: null,
    p: null,
    p_adjusted: null,
    verdict: 'error',
    warning: null,
    error: null,
  };
}

/**
 * Marked rows: a metrics file that does not parse (one row for the file) and a metric whose value
 * is not a number on a side. A non-numeric value equal on both sides is 'unchanged'.
 */
type Problems = Map<string, { a?: { message: string; value?: string }; b?: { message: string; value?: string } }>;

/** The side problems that concern metrics, by metric key (or metrics file path). */
export function problemsByKey(a: Side, b: Side, select: Select): Problems {
  const files = new Set([...metricFiles(a), ...metricFiles(b)]);
  const isMetric = (key: string): boolean => files.has(key) || [...files].some((f) => key.startsWith(`${f}:`));
  const byKey: Problems = new Map();
  for (const [side, s] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (const p of s.problems) {
      if (!isMetric(p.key) || !select(p.key, pathOf(p.key, a, b))) continue;
      const e = byKey.get(p.key) ?? {};
      e[side] = { message: p.message, value: p.value };
      byKey.set(p.key, e);
    }
  }
  return byKey;
}

function problemRows(a: Side, b: Side, byKey: Problems, both: Set<string>): MetricRow[] {
  const files = new Set([...metricFiles(a), ...metricFiles(b)]);
  const rows: MetricRow[] = [];
  for (const [key, e] of byKey) {
    if (both.has(key)) continue; // numeric on both sides after all (values from runs)
    const row = blank(key, directionOf(key, a, b));
    const sa = a.metrics[key];
    const sb = b.metrics[key];
    row.a = sa ? summary(sa) : null;
    row.b = sb ? summary(sb) : null;
    const isFile = files.has(key);
    if (isFile) {
      row.error = [e.a && `${a.label}: ${e.a.message}`, e.b && `${b.label}: ${e.b.message}`].filter(Boolean).join('; ');
    } else {
      row.error = 'not a number';
      row.text = { a: e.a?.value ?? (sa ? String(sa.values[0]) : null), b: e.b?.value ?? (sb ? String(sb.values[0]) : null) };
      if (e.a && e.b) row.verdict = e.a.value === e.b.value ? 'unchanged' : 'changed';
    }
    rows.push(row);
  }
  return rows;
}
