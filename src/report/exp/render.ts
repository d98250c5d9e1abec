import type { ExpShowResult } from '../../model/exp.js';
import { DEFAULT_PRECISION } from '../diff/format.js';
import { buildTable, type Table } from './cells.js';
import { plural } from '../../core/plural.js';

/** `repro exp show` as a terminal table, Markdown or CSV. Pure. */

export interface ExpRenderOptions {
  precision?: number;
  /** The terminal's width: columns that do not fit are left out (a row never wraps). */
  width?: number;
}

/** The longest a cell may be on a terminal before it is cut with '…'. */
const MAX_CELL = 32;

function clip(s: string, max: number): string {
  return [...s].length <= max ? s : [...s].slice(0, Math.max(1, max - 1)).join('') + '…';
}

function len(s: string): number {
  return [...s].length;
}

export function renderExpShow(res: ExpShowResult, opts: ExpRenderOptions = {}): string {
  if (res.rows.length === 0) return emptyText(res);
  const t = buildTable(res, { precision: opts.precision ?? DEFAULT_PRECISION });
  const cut = (rows: string[][]) => rows.map((r) => r.map((c) => clip(c, MAX_CELL)));
  const all = [t.header, ...cut(t.rows)].map((r, i) => (i === 0 ? r.map((c) => clip(c, MAX_CELL)) : r));
  const widths = t.header.map((_, j) => Math.max(...all.map((r) => len(r[j]!))));
  let shown = widths.length;
  const left: string[] = [];
  if (opts.width !== undefined) {
    let used = 0;
    for (let j = 0; j < widths.length; j++) {
      const w = widths[j]! + (j ? 2 : 0);
      if (used + w > opts.width && j >= 1) {
        shown = j;
        break;
      }
      used += w;
    }
    left.push(...t.header.slice(shown));
  }
  const lines = all.map((r) =>
    r
      .slice(0, shown)
      .map((c, j) => c + ' '.repeat(widths[j]! - len(c)))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(
    1,
    0,
    widths
      .slice(0, shown)
      .map((w) => '─'.repeat(w))
      .join('  '),
  );
  if (opts.width !== undefined) for (let i = 0; i < lines.length; i++) lines[i] = clip(lines[i]!, opts.width);
  const notes: string[] = [];
  if (left.length)
    notes.push(`(${left.length} more ${plural(left.length, 'column')} not shown: ${left.join(', ')}; see --md, --csv or --json)`);
  if (res.total > res.rows.length)
    notes.push(`(${res.total - res.rows.length} more ${plural(res.total - res.rows.length, 'row')} not shown; -n to see more)`);
  if (res.rows.some((r) => r.dirty)) notes.push('* started from a working tree with uncommitted changes');
  if (res.rows.some((r) => r.seeds.length > 1)) notes.push('sweeps: mean ± standard error of the mean (n runs); --seeds shows each run');
  return [...lines, ...notes.map((n) => (opts.width !== undefined ? clip(n, opts.width) : n))].join('\n') + '\n';
}

function emptyText(res: ExpShowResult): string {
  return res.scope === 'all' || res.total > 0
    ? 'no runs recorded\n'
    : "no runs recorded on this branch's history ('repro exp show --all' lists every run)\n";
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

export function renderExpMarkdown(res: ExpShowResult, opts: ExpRenderOptions = {}): string {
  if (res.rows.length === 0) return emptyText(res);
  const t: Table = buildTable(res, { precision: opts.precision ?? DEFAULT_PRECISION });
  const row = (cells: string[]) => `| ${cells.map(mdEscape).join(' | ')} |`;
  const align = t.header.map((_, j) => (j < t.fixed ? '---' : '---:'));
  return [row(t.header), `| ${align.join(' | ')} |`, ...t.rows.map(row)].join('\n') + '\n';
}

/**
 * CSV (RFC 4180): full run ids, and for each metric the mean, then `<name>:sem` and `<name>:n`
 * columns when any row summarises several runs, so a spreadsheet gets numbers, not `±` text.
 */
export function renderExpCsv(res: ExpShowResult): string {
  const multi = new Set(res.columns.metrics.filter((m) => res.rows.some((r) => (r.metrics[m]?.n ?? 0) > 1)));
  const header = ['run', 'commit', 'branch', 'dirty', 'started_at', 'seeds', 'status', ...res.columns.params];
  for (const m of res.columns.metrics) header.push(m, ...(multi.has(m) ? [`${m}:sem`, `${m}:n`] : []));
  const lines = [header];
  for (const r of res.rows) {
    const cells = [
      r.id,
      r.commit ?? '',
      r.branch ?? '',
      r.dirty ? 'true' : 'false',
      r.started_at,
      r.seeds.map((s) => (s === null ? '' : String(s))).join(' '),
      r.status,
      ...res.columns.params.map((p) =>
        r.params[p] === undefined ? '' : typeof r.params[p] === 'string' ? (r.params[p] as string) : JSON.stringify(r.params[p]),
      ),
    ];
    for (const m of res.columns.metrics) {
      const c = r.metrics[m];
      cells.push(c ? String(c.mean) : '');
      if (multi.has(m)) cells.push(c?.sem !== null && c?.sem !== undefined ? String(c.sem) : '', c ? String(c.n) : '');
    }
    lines.push(cells);
  }
  return lines.map((l) => l.map(csvCell).join(',')).join('\n') + '\n';
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
