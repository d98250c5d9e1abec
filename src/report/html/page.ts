import { esc, scriptJson, scriptText } from './escape.js';
import type { Spec } from './templates.js';
import type { VegaLibs } from './vega.js';

/**
 * The shell of every HTML file repro writes: one self-contained document. The libraries and the
 * chart specs (data inlined) are in the file; a Content-Security-Policy forbids every fetch, so
 * the page renders the same from disk, offline, or as a CI artifact. Charts render as SVG once the
 * page loads; `window.reproRendered` settles when all have (tests wait on it). A chart that fails
 * to draw says so in its place; its data table is still there. Deterministic: no times.
 */
export interface PageChart {
  /** the id of the element it is drawn into */
  id: string;
  spec: Spec;
}

export interface PageOptions {
  title: string;
  /** a line under the title (revisions, commit) */
  subtitle?: string;
  /** section links at the top */
  nav?: { id: string; label: string }[];
  body: string;
  charts: PageChart[];
  libs: VegaLibs;
  /** e.g. "repro 0.1.0" */
  generator: string;
}

const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:";

const CSS = `
:root { --fg: #1b1b1b; --muted: #5a5a5a; --line: #d0d0d0; --bg-soft: #f5f5f5; --ok: #00704f; --warn: #8a5a00; --fail: #a33a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
header h1 { font-size: 22px; margin: 8px 0 2px; }
.subtitle { color: var(--muted); margin: 0 0 8px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 8px 0; border-bottom: 1px solid var(--line); margin-bottom: 8px; }
nav a { color: #0057a0; text-decoration: none; } nav a:hover { text-decoration: underline; }
section { margin: 24px 0 32px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--fg); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 6px; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 6px; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: 6px; overflow-wrap: anywhere; }
figcaption .note { font-weight: 400; }
.chart { max-width: 100%; overflow: hidden; }
.chart svg { max-width: 100%; height: auto; }
.wrap { max-width: 100%; overflow-x: auto; }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--muted); }
details .wrap { max-height: 360px; overflow: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { white-space: nowrap; }
th { background: var(--bg-soft); position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.note { color: var(--muted); }
.badge { display: inline-block; white-space: nowrap; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; border: 1px solid currentColor; }
.pass, .improved { color: var(--ok); } .warn { color: var(--warn); } .fail, .regressed { color: var(--fail); }
.verdict { font-size: 17px; font-weight: 600; margin: 4px 0 10px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border: 1px solid #333; background: var(--c); }
.dag svg { max-width: 100%; height: auto; }
@media print { nav { display: none; } figure, table { break-inside: avoid; } details > .wrap { max-height: none; } }
`;

/** `window.reproRendered`: every chart drawn (or its failure shown in its place). */
const EMBED = `(function () {
  var charts = JSON.parse(document.getElementById('repro-charts').textContent);
  window.reproRendered = Promise.all(charts.map(function (c) {
    var el = document.getElementById(c.id);
    return vegaEmbed(el, c.spec, { renderer: 'svg', actions: false }).then(function () {
      el.setAttribute('data-rendered', 'true');
    }).catch(function (e) {
      el.setAttribute('data-rendered', 'error');
      el.textContent = 'This chart could not be drawn (' + e.message + '); the table below holds its data.';
      console.error(e);
    });
  }));
})();`;

export function htmlPage(o: PageOptions): string {
  const nav = o.nav?.length
    ? `<nav aria-label="sections">${o.nav.map((n) => `<a href="#${esc(n.id)}">${esc(n.label)}</a>`).join('')}</nav>`
    : '';
  const libs = o.libs.scripts.map((s) => `<script data-lib="${esc(s.name)}@${esc(s.version)}">${scriptText(s.text)}</script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(o.generator)}">
<title>${esc(o.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>${esc(o.title)}</h1>${o.subtitle ? `<p class="subtitle">${esc(o.subtitle)}</p>` : ''}${nav}</header>
${o.body}
</main>
${libs}
<script type="application/json" id="repro-charts">${scriptJson(o.charts)}</script>
<script>${EMBED}</script>
</body>
</html>
`;
}
