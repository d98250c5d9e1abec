import type { ExpCell, ExpRow, ExpShowResult } from '../../model/exp.js';
import { num } from '../diff/format.js';
import { stripControl } from '../records/log.js';

/** `repro exp show`'s table as header and cell texts, shared by the terminal, Markdown and CSV forms. */

export interface Table {
  header: string[];
  /** How many leading columns describe the run (id … time); the rest are params and metrics. */
  fixed: number;
  rows: string[][];
}

export function cellText(c: ExpCell | undefined, precision: number): string {
  if (!c) return '-';
  if (c.n === 1 || c.sem === null) return num(c.mean, precision);
  return `${num(c.mean, precision)} ± ${num(c.sem, precision)} (n=${c.n})`;
}

/** A param value as written in YAML-ish flow form: strings bare, lists and mappings as JSON. */
export function paramText(v: unknown): string {
  if (v === undefined) return '-';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** One seed; a run of consecutive seeds as `1..5`; else a comma list. */
export function seedsText(seeds: (number | null)[]): string {
  const known = seeds.filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (known.length === 0) return '-';
  if (known.length > 2 && known.every((s, i) => i === 0 || s === known[i - 1]! + 1)) return `${known[0]}..${known[known.length - 1]}`;
  return known.join(',');
}

export function buildTable(res: ExpShowResult, opts: { precision: number; ids?: 'short' | 'full' }): Table {
  const showStatus = res.rows.some((r) => r.status !== 'ok');
  const header = ['run', 'commit', 'branch', 'time', 'seed', ...(showStatus ? ['status'] : [])];
  const fixed = header.length;
  header.push(...res.columns.params, ...res.columns.metrics);
  const rows = res.rows.map((r: ExpRow) => {
    const cells = [
      opts.ids === 'full' ? r.id : r.short_id,
      (r.commit ? r.commit.slice(0, 7) : '(none)') + (r.dirty ? '*' : ''),
      r.branch ?? '-',
      r.started_at.slice(0, 16).replace('T', ' '),
      seedsText(r.seeds),
      ...(showStatus ? [r.status] : []),
      ...res.columns.params.map((p) => paramText(r.params[p])),
      ...res.columns.metrics.map((m) => cellText(r.metrics[m], opts.precision)),
    ];
    return cells.map((c) => stripControl(c).replace(/[\r\n\t]+/g, ' '));
  });
  return { header: header.map(stripControl), fixed, rows };
}
