// The public face of ops/verify/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { type RerunEvent } from './rerun.js';
export { verify } from './verify.js';
