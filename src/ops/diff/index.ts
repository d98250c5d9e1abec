// The public face of ops/diff/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { diff } from './diff.js';
