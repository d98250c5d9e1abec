// The public face of report/diff/: what the CLI may call. The other
// files of this folder are its parts.

export { renderDiff } from './diff.js';
export { DEFAULT_PRECISION } from './format.js';
export { renderDiffMarkdown } from './md.js';
