// The public face of report/records/: what the CLI may call. The other
// files of this folder are its parts.

export { renderLineage } from './lineage.js';
export { renderLog, stripControl } from './log.js';
export { renderReplay } from './replay.js';
export { renderShow } from './show.js';
