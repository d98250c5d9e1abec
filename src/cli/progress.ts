import type { Progress } from '../ops/remote/index.js';
import { fit } from '../report/live/index.js';
import type { Io } from './io.js';

/**
 * Lines kept at the bottom of a terminal and redrawn in place (on stderr), with text scrolling
 * above them: `repro run`'s live status (cli/live.ts) and push/fetch's progress line.
 *
 * How to call it: `log()` text that should stay (whole lines, each ending in `\n`), `draw()` to
 * show it and the current `render()` (or let `everyMs` redraw), and `done()` once, in a
 * `finally`: it erases the area and shows the cursor again. The cursor is hidden while the area
 * is up and shown again on process exit too (a second Ctrl-C exits at once).
 *
 * Only on a TTY (`io.isTTY`); elsewhere `log` writes straight through and nothing is drawn.
 */
export interface StatusArea {
  log(text: string): void;
  draw(): void;
  done(): void;
}

export interface StatusAreaOptions {
  /** The lines to show, each at most `width - 1` cells (a line that wrapped could not be redrawn). */
  render(width: number, maxLines: number): string[];
  /** Redraw this often while open (a timer that does not keep the process alive); else only on draw(). */
  everyMs?: number;
}

/** Pending log text is written at once past this size, not at the next tick. */
const FLUSH_AT = 64 * 1024;

export function statusArea(io: Io, o: StatusAreaOptions): StatusArea {
  if (!io.isTTY) return { log: (t) => io.err(t), draw() {}, done() {} };
  let drawn = 0;
  let pending = '';
  let hidden = false;
  let closed = false;
  const width = (): number => process.stderr.columns || process.stdout.columns || io.columns || 80;
  const maxLines = (): number => Math.max(1, Math.min(12, (process.stderr.rows || 24) - 2));
  // Back to the first line of the area (the cursor rests at the end of its last line), then clear to the end of the screen.
  const erase = (): string => (drawn === 0 ? '' : `\r${drawn > 1 ? `\x1b[${drawn - 1}A` : ''}\x1b[J`);
  const restore = (): void => {
    io.err(erase() + pending + (hidden ? '\x1b[?25h' : ''));
    drawn = 0;
    pending = '';
  };
  let shown = '';
  const draw = (): void => {
    if (closed) return;
    const lines = o.render(width(), maxLines());
    const text = lines.join('\n');
    if (pending === '' && text === shown && drawn === lines.length) return; // nothing new: the timer's usual tick
    shown = text;
    let out = erase() + pending;
    if (!hidden && lines.length) {
      hidden = true;
      process.once('exit', restore);
      out = `\x1b[?25l${out}`;
    }
    out += text;
    pending = '';
    drawn = lines.length;
    if (out !== '') io.err(out);
  };
  const timer = o.everyMs ? setInterval(draw, o.everyMs) : undefined;
  timer?.unref();
  return {
    log(text) {
      if (closed) return io.err(text);
      pending += text;
      if (pending.length > FLUSH_AT) draw();
    },
    draw,
    done() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      process.removeListener('exit', restore);
      if (drawn || pending || hidden) restore();
    },
  };
}

/**
 * One progress line, redrawn in place at most 10 times a second, only on a TTY:
 * `push: 1234/10000 objects, 12.3/98.1 MB, 45.6 MB/s`. `done()` clears it.
 */
export function progressLine(io: Io, verb: string): { update: ((p: Progress) => void) | undefined; done(): void } {
  // No TTY, no updates: `update` undefined, so a transfer builds no progress object per file.
  if (!io.isTTY) return { update: undefined, done() {} };
  const start = Date.now();
  let last = 0;
  let text = '';
  const area = statusArea(io, { render: (width) => [fit(text, width - 1)] });
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  return {
    update(p: Progress) {
      const now = Date.now();
      if (now - last < 100 && p.done !== p.total) return;
      last = now;
      const rate = p.bytes / Math.max(0.001, (now - start) / 1000);
      const bytes = p.totalBytes ? `${mb(p.bytes)}/${mb(p.totalBytes)} MB` : `${mb(p.bytes)} MB`;
      const what = p.phase === 'checking' ? 'checking' : `${bytes}, ${mb(rate)} MB/s`;
      text = `${verb}: ${p.done}/${p.total} objects, ${what}`;
      area.draw();
    },
    done: () => area.done(),
  };
}
