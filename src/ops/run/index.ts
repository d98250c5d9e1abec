// The public face of ops/run/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { run, type RunEvent, type RunResult } from './run.js';
export { status } from './status.js';
export { parseSeeds, sweep } from './sweep.js';
