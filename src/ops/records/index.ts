// The public face of ops/records/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { lineage } from './lineage.js';
export { log } from './log.js';
export { replay } from './replay.js';
export { show } from './show.js';
