// The public face of report/html/: what the CLI may call. The other
// files of this folder are its parts.

export { renderPlotsHtml } from './plots-page.js';
export { renderReportHtml } from './report-page.js';
export { plotSpec } from './templates.js';
export { readVegaLibs } from './vega.js';
