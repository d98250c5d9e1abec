import { code, dataTable, type Cell } from './table.js';
import { esc } from './escape.js';
import { htmlPage, type PageChart } from './page.js';
import type { PlotData, PlotsResult } from './plot-types.js';
import { plotSpec } from './templates.js';
import type { VegaLibs } from './vega.js';

/**
 * `repro plots show|diff`: one figure per plots file (every revision in one chart), each with
 * its data table. `plotFigures` is shared with `repro report`'s Plots section.
 */
export function renderPlotsHtml(res: PlotsResult, libs: VegaLibs, generator: string): string {
  const { html, charts } = plotFigures(res, 'plot');
  const revs = res.revisions.map((r) => (r.commit ? `${r.label} (${r.commit.slice(0, 7)})` : r.label)).join(' vs ');
  const notes = res.notes.length ? `<ul class="note">${res.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return htmlPage({
    title: res.revisions.length > 1 ? 'repro plots diff' : 'repro plots',
    subtitle: revs,
    body: `<section id="plots" aria-label="plots">${html || '<p class="note">No plots: no stage declares a <code>plots:</code> file, or none exists yet.</p>'}${notes}</section>`,
    charts,
    libs,
    generator,
  });
}

export function plotFigures(res: PlotsResult, idPrefix: string): { html: string; charts: PageChart[] } {
  const charts: PageChart[] = [];
  const figures = res.plots.map((p, i) => {
    const id = `${idPrefix}-${i}`;
    const spec = plotSpec(p);
    const { title: _title, ...untitled } = spec; // the figure's caption carries the title
    charts.push({ id, spec: untitled });
    const errors = p.tables.filter((t) => t.error).map((t) => `<p class="note">${esc(t.rev)}: ${esc(t.error!)}</p>`);
    const missing = p.tables.filter((t) => !t.table && !t.error).map((t) => t.rev);
    const stage = p.stage ? ` · stage ${code(p.stage)}` : '';
    return `<figure aria-labelledby="${id}-cap"><figcaption id="${id}-cap">${esc(String(spec.title))}<br><span class="note">${code(p.path)}${stage} · ${esc(
      p.options.template ?? 'linear',
    )}${missing.length ? ` · absent at ${esc(missing.join(', '))}` : ''}</span></figcaption><div class="chart" id="${id}" role="img" aria-label="${esc(String(spec.description))}"></div>${errors.join('')}${rowsTable(p)}</figure>`;
  });
  return { html: figures.length ? `<div class="charts">${figures.join('\n')}</div>` : '', charts };
}

function rowsTable(p: PlotData): string {
  const present = p.tables.filter((t) => t.table);
  const columns = [...new Set(present.flatMap((t) => t.table!.columns))];
  const many = present.length > 1;
  const rows: Cell[][] = present.flatMap((t) => t.table!.rows.map((r) => [...(many ? [t.rev] : []), ...columns.map((c) => r[c])]));
  return dataTable([...(many ? ['revision'] : []), ...columns], rows);
}
