// The public face of report/run/: what the CLI may call. The other
// files of this folder are its parts.

export { renderCheckout } from './checkout.js';
export { describeReason } from './reasons.js';
export { renderRunSummary } from './run.js';
export { renderSweepSummary } from './sweep.js';
