import type { RunEvent } from '../ops/run/index.js';
import { describeReason } from '../report/run/index.js';
import { applyEvent, liveState, renderStatus } from '../report/live/index.js';
import type { CliEnv } from './common.js';
import { statusArea } from './progress.js';

/**
 * Where `repro run`'s events go while it works (stderr), in one of three ways:
 * - live, when stdout and stderr are both a terminal (and TERM is not `dumb`): stage output
 *   scrolls as it comes and a status area at the bottom (report/live/) shows the counts, the
 *   running stages with their elapsed time and the last line each printed, a `\r` progress bar's
 *   frames included; redrawn ~10 times a second, erased before the summary. Colour unless
 *   NO_COLOR is set (non-empty).
 * - plain, anywhere else: one line per event, greppable, no escape codes and no `\r`; a progress
 *   bar appears once, as its final frame (exec/lines.ts).
 * - quiet (`--quiet`, and `--json`): only notices; no stage output, no progress.
 * `done()` must be called once the run returns or throws, before the summary is printed.
 */
export interface RunView {
  onEvent(e: RunEvent): void;
  /** Ask the run for partial lines (RunOptions.live). */
  live: boolean;
  done(): void;
}

export function runView(env: CliEnv, o: { quiet: boolean; dry?: boolean }): RunView {
  const { io } = env;
  if (o.quiet) return { live: false, done() {}, onEvent: (e) => e.type === 'notice' && io.err(eventText(e)!) };
  const live = !o.dry && io.isTTY && io.columns !== undefined && process.env.TERM !== 'dumb';
  if (!live) {
    return {
      live: false,
      done() {},
      onEvent(e) {
        const text = eventText(e);
        if (text !== undefined) io.err(text);
      },
    };
  }
  const color = !process.env.NO_COLOR;
  const state = liveState(Date.now());
  const area = statusArea(io, {
    everyMs: 100,
    render: (width, maxLines) =>
      state.total === 0 && state.running.size === 0 ? [] : renderStatus(state, { now: Date.now(), width, maxLines, color }),
  });
  const onAbort = (): void => {
    state.interrupting = true;
    area.draw();
  };
  env.signal.addEventListener('abort', onAbort, { once: true });
  return {
    live: true,
    onEvent(e) {
      applyEvent(state, e, Date.now());
      const text = eventText(e);
      if (text !== undefined) area.log(text);
    },
    done() {
      env.signal.removeEventListener('abort', onAbort);
      area.done();
    },
  };
}

/** The line an event leaves in the output (undefined: none); the same live or not. */
function eventText(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'stage-start':
      return `${e.restore ? 'restoring' : 'running'} '${e.stage}': ${e.reasons.map(describeReason).join('; ')}\n`;
    case 'stage-output':
      return e.partial ? undefined : `${e.line}\n`; // already prefixed `[stage] `
    case 'notice':
      return `note: ${e.text}\n`;
    case 'plan':
    case 'stage-end':
      return undefined;
  }
}
