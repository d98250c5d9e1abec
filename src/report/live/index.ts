// The public face of report/live/: the live status of `repro run` on a terminal (status.ts), and
// text measured in terminal cells (width.ts).

export { applyEvent, duration, liveState, renderStatus, type LiveState, type RenderOptions } from './status.js';
export { cells, fit, plainText } from './width.js';
