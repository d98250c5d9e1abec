import { esc } from './escape.js';
import { htmlPage } from './page.js';
import { plotFigures } from './plots-page.js';
import type { ReportData } from './report-types.js';
import { comparisonSection, environmentSection, historySection, pipelineSection, verdictSection, type Section } from './report-sections.js';
import type { VegaLibs } from './vega.js';

/**
 * `repro report`: one page, sections in the issue's order: Verdict, Metrics across history,
 * Comparison, Plots, Pipeline, Environment. Pure given the libraries' text; deterministic.
 */
export function renderReportHtml(data: ReportData, libs: VegaLibs, generator: string): string {
  const plots = plotFigures(data.plots, 'plot');
  const plotsSection: Section = {
    id: 'plots',
    label: 'Plots',
    html: plots.html || '<p class="note">No plots files.</p>',
    charts: plots.charts,
  };
  const sections = [
    verdictSection(data.verify, data.notes),
    historySection(data.history),
    comparisonSection(data.diff, data.samples),
    plotsSection,
    pipelineSection(data.pipeline),
    environmentSection(data.environment, data.diff),
  ];
  const notes = data.notes.length
    ? `<section id="notes"><h2>Notes</h2><ul class="note">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`
    : '';
  const head = data.head.commit ? `${data.head.label} (${data.head.commit.slice(0, 7)})` : data.head.label;
  const base = data.base ? ` compared with ${data.base.label} (${data.base.commit.slice(0, 7)})` : '';
  return htmlPage({
    title: 'repro report',
    subtitle: `${head}${base}`,
    nav: sections.map((s) => ({ id: s.id, label: s.label })),
    body:
      sections
        .map((s) => `<section id="${s.id}" aria-labelledby="${s.id}-h"><h2 id="${s.id}-h">${esc(s.label)}</h2>${s.html}</section>`)
        .join('\n') + notes,
    charts: sections.flatMap((s) => s.charts),
    libs,
    generator,
  });
}
