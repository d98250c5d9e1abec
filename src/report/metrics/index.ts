// The public face of report/metrics/: `repro metrics show` in words and Markdown.

export { metricCell, renderMetricsMarkdown, renderMetricsShow } from './render.js';
