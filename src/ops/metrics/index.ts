// The public face of ops/metrics/ for the CLI: `repro metrics show`. read.ts and parse.ts are parts
// other ops folders use directly (run, diff, the re-run engine).

export { metricsShow, type MetricsShowOptions, type MetricsShowResult } from './show.js';
