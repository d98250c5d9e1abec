// The public face of ops/report/: what the CLI (and other ops folders) may call. The other
// files of this folder are its parts.

export { report } from './report.js';
