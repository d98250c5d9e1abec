// The public face of report/exp/: the runs table in words, Markdown and CSV.

export { renderExpCsv, renderExpMarkdown, renderExpShow, type ExpRenderOptions } from './render.js';
