import type { MetricShown, MetricsShowResult } from '../../model/metrics.js';
import { DEFAULT_PRECISION, num } from '../diff/format.js';
import { stripControl } from '../records/log.js';

/** `repro metrics show` as a terminal table or Markdown: a row per metric, a column per side. Pure. */

/** One value as it is; several seeds as `mean ± sem, 95% CI [lo, hi] (n=k)`. */
export function metricCell(m: MetricShown | undefined, precision = DEFAULT_PRECISION): string {
  if (!m) return '-';
  if (m.n < 2 || m.sem === null || m.ci95 === null) return num(m.mean, precision);
  return `${num(m.mean, precision)} ± ${num(m.sem, precision)}, 95% CI [${num(m.ci95[0], precision)}, ${num(m.ci95[1], precision)}] (n=${m.n})`;
}

function table(res: MetricsShowResult, precision: number): { header: string[]; rows: string[][] } {
  const names: { file: string; key: string; name: string }[] = [];
  const seen = new Set<string>();
  for (const s of res.sides)
    for (const m of s.metrics)
      if (!seen.has(m.name)) {
        seen.add(m.name);
        names.push(m);
      }
  names.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const single = res.sides.length === 1;
  const header = ['file', 'key', ...(single ? ['value'] : res.sides.map((s) => s.label))];
  const rows = names.map((n) => [
    n.file,
    n.key,
    ...res.sides.map((s) =>
      metricCell(
        s.metrics.find((m) => m.name === n.name),
        precision,
      ),
    ),
  ]);
  return { header: header.map(stripControl), rows: rows.map((r) => r.map(stripControl)) };
}

export function renderMetricsShow(res: MetricsShowResult, precision = DEFAULT_PRECISION): string {
  const t = table(res, precision);
  if (t.rows.length === 0) return `no metrics${res.sides.length === 1 && res.sides[0]!.commit === null ? ' in the workspace' : ''}\n`;
  const all = [t.header, ...t.rows];
  const widths = t.header.map((_, j) => Math.max(...all.map((r) => [...r[j]!].length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => c + ' '.repeat(widths[j]! - [...c].length))
      .join('  ')
      .trimEnd();
  const out = [line(t.header), ...t.rows.map(line)];
  if (res.sides.some((s) => s.metrics.some((m) => m.n > 1)))
    out.push('several seeds: mean ± standard error, 95% confidence interval of the mean (n seeds)');
  return out.join('\n') + '\n';
}

export function renderMetricsMarkdown(res: MetricsShowResult, precision = DEFAULT_PRECISION): string {
  const t = table(res, precision);
  if (t.rows.length === 0) return 'no metrics\n';
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  const row = (r: string[]) => `| ${r.map(esc).join(' | ')} |`;
  return [row(t.header), `| ${t.header.map((_, j) => (j < 2 ? '---' : '---:')).join(' | ')} |`, ...t.rows.map(row)].join('\n') + '\n';
}
