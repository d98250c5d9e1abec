// The public face of report/verify/: what the CLI may call. The other
// files of this folder are its parts.

export { renderVerifyAnnotations } from './annotations.js';
export { renderVerifyJunit } from './junit.js';
export { renderVerifyMarkdown } from './md.js';
export { renderVerifySummary } from './verify.js';
