// The public face of ops/plots/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { plots, type PlotsResult } from './plots.js';
