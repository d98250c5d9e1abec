import { esc, num } from './escape.js';
import { count } from '../../core/plural.js';

/** HTML tables: the text alternative of every chart, and the report's own tables. Pure. */

export type Cell = string | number | null | undefined | { html: string; cls?: string };

function td(c: Cell): string {
  if (typeof c === 'number') return `<td class="n">${esc(num(c))}</td>`;
  if (c === null || c === undefined) return '<td>—</td>';
  if (typeof c === 'object') return `<td${c.cls ? ` class="${esc(c.cls)}"` : ''}>${c.html}</td>`;
  return `<td>${esc(c)}</td>`;
}

export function table(headers: string[], rows: Cell[][], opts: { caption?: string } = {}): string {
  const cap = opts.caption ? `<caption class="note">${esc(opts.caption)}</caption>` : '';
  return `<div class="wrap"><table>${cap}<thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map(td).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

/** A chart's data as a collapsed table (at most `limit` rows, saying so when cut). */
export function dataTable(headers: string[], rows: Cell[][], limit = 500, open = false): string {
  const shown = rows.slice(0, limit);
  const cut = rows.length > limit ? ` (first ${limit} of ${rows.length} rows)` : '';
  return `<details${open ? ' open' : ''}><summary>Data table: ${count(rows.length, 'row')}${cut}</summary>${table(headers, shown)}</details>`;
}

export function code(s: string): string {
  return `<code>${esc(s)}</code>`;
}
