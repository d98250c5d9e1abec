/**
 * Number and table formatting shared by the terminal and Markdown renderings of `repro diff`.
 * `precision` is digits after the decimal point (as `dvc metrics diff --precision`), trailing
 * zeros dropped; a non-zero value that would round to 0 is shown in exponent notation instead.
 */
import { count } from '../../core/plural.js';
import type { DiffSideInfo, MetricRow, MetricSummary } from '../../model/diff.js';

export const DEFAULT_PRECISION = 4;

/** Below this a mean is floating-point residue (0.03 − 0.02 − 0.01 ≠ 0), not a measurement: shown as 0. */
const TINY = 1e-15;

export function num(x: number | null | undefined, precision = DEFAULT_PRECISION): string {
  if (x === null || x === undefined) return '-';
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) < TINY) return '0';
  if (Math.abs(x) < 0.5 * 10 ** -precision) return x.toExponential(Math.min(precision, 2));
  return String(Number(x.toFixed(precision)));
}

export function signed(x: number | null, precision = DEFAULT_PRECISION): string {
  if (x === null) return '-';
  const s = num(x, precision);
  return x > 0 && Number.isFinite(x) ? `+${s}` : s;
}

/**
 * A metric row's delta, mean(b) − mean(a). The floating-point residue of two equal means (the
 * same values summed in another order) is 0, unsigned; a real difference too small for
 * `precision` digits gets the digits it needs, so a changed metric never reads as `+0`.
 */
export function deltaCell(r: MetricRow, precision = DEFAULT_PRECISION): string {
  if (r.delta === null) return '-';
  if (!Number.isFinite(r.delta)) return String(r.delta);
  if (residue(r)) return '0';
  if (num(r.delta, precision) === '0') return `${r.delta > 0 ? '+' : ''}${r.delta.toExponential(2)}`;
  return signed(r.delta, precision);
}

/** The row's relative change, 0 where its delta is residue (see deltaCell). */
export function relativeCell(r: MetricRow, precision = DEFAULT_PRECISION): string {
  return residue(r) ? percent(0, precision) : percent(r.relative, precision);
}

function residue(r: MetricRow): boolean {
  if (r.delta === null || !r.a || !r.b) return false;
  return Math.abs(r.delta) <= 1e-12 * Math.max(Math.abs(r.a.mean), Math.abs(r.b.mean));
}

export function percent(x: number | null, precision = DEFAULT_PRECISION): string {
  if (x === null || !Number.isFinite(x)) return '-';
  const digits = Math.max(0, Math.min(precision - 2, 2));
  const s = (x * 100).toFixed(digits);
  return `${x > 0 ? '+' : ''}${s}%`;
}

/** A side's value cell: the value for one run, `mean ± se (n=k)` for several. */
export function summaryCell(s: MetricSummary | null, precision = DEFAULT_PRECISION): string {
  if (!s) return '(none)';
  if (s.n === 1) return num(s.mean, precision);
  return `${num(s.mean, precision)} ± ${num(s.se, precision)} (n=${s.n})`;
}

export function metricValueCell(r: MetricRow, side: 'a' | 'b', precision = DEFAULT_PRECISION): string {
  if (r.text && r.text[side] !== null && r.text[side] !== undefined) return `'${r.text[side]}'`;
  return summaryCell(r[side], precision);
}

export function ciCell(r: MetricRow, precision = DEFAULT_PRECISION): string {
  return r.ci ? `[${num(r.ci[0], precision)}, ${num(r.ci[1], precision)}]` : '-';
}

export function verdictCell(r: MetricRow): string {
  if (r.error) return `ERROR: ${r.error}`;
  return r.test === 'none' && (r.verdict === 'changed' || r.verdict === 'unchanged') ? `${r.verdict} (n=1)` : r.verdict;
}

export function bytes(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = abs / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${n < 0 ? '-' : ''}${v.toFixed(1)} ${units[i]}`;
}

export function value(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/**
 * `main (78f7dbc, 5 runs)`: the runs counted are the values behind the metric rows (their `n`),
 * so a sweep read partly from repro.lock `seed_metrics` counts all its seeds; `1–5 runs` when
 * the rows differ. Values from the metrics files alone are not runs and are not counted.
 */
export function sideTitle(s: DiffSideInfo): string {
  const bits: string[] = [];
  if (s.commit && s.kind !== 'workspace') bits.push(s.commit.slice(0, 7));
  const fromLock = s.sources.includes('seed_metrics');
  if (s.n && (s.runs.length || fromLock)) {
    const [lo, hi] = s.n;
    bits.push(lo === hi ? count(hi, 'run') : `${lo}–${hi} runs`);
    if (!s.runs.length) bits.push('seed_metrics');
  } else if (s.runs.length) bits.push(count(s.runs.length, 'run'));
  else if (fromLock) bits.push('seed_metrics');
  return bits.length ? `${s.label} (${bits.join(', ')})` : s.label;
}

/** Warnings of the metric rows, each once, with the metrics it applies to. */
export function groupedWarnings(rows: MetricRow[]): { warning: string; keys: string[] }[] {
  const by = new Map<string, string[]>();
  for (const r of rows) if (r.warning) by.set(r.warning, [...(by.get(r.warning) ?? []), r.key]);
  return [...by].map(([warning, keys]) => ({ warning, keys }));
}

/** Columns padded to their widest cell, two spaces apart, trailing spaces trimmed. */
export function textTable(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => (indent + r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ')).trimEnd());
}

/** A GitHub-flavoured Markdown table; `align` per column: 'l' or 'r'. */
export function mdTable(header: string[], rows: string[][], align?: ('l' | 'r')[]): string[] {
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  const rule = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)];
}
