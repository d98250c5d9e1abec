import type { RunEvent } from '../../model/run.js';
import { cells, fit, padCells, plainText } from './width.js';

/**
 * The live status of `repro run` on a terminal, as data, and the lines that show it. Pure: the
 * caller feeds events with the time they came (`applyEvent`) and asks for the lines to draw
 * (`renderStatus`); cli/live.ts does the terminal I/O.
 *
 *   repro run: 2/5 done · 2 running · 1 queued · 1 failed · 1m04s
 *     train   12s  epoch 3/10 loss 0.41
 *     eval     3s   45%|████▌     | 45/100
 *
 * Every line fits `width - 1` terminal cells (never wraps, so the caller can move back over them).
 */
export interface LiveState {
  /** The stages of the current run (`plan`); 0 before it comes. */
  total: number;
  /** Stages that ended, whatever the outcome (up to date, restored, executed, failed, not run). */
  done: number;
  failed: number;
  /** Running stages in the order they started: since when, and the last line each printed. */
  running: Map<string, { since: number; restore: boolean; last: string }>;
  /** When the view started (the whole command: a sweep's seeds add up). */
  startedAt: number;
  /** Ctrl-C was pressed: the running stages are being stopped. */
  interrupting: boolean;
  /** Shown before the counts: `repro run`, or in a sweep `repro run: seed 7 (2 of 5)`. */
  title: string;
}

export function liveState(now: number, title = 'repro run'): LiveState {
  return { total: 0, done: 0, failed: 0, running: new Map(), startedAt: now, interrupting: false, title };
}

/** Folds one run event into the state (in place). */
export function applyEvent(s: LiveState, e: RunEvent, now: number): void {
  switch (e.type) {
    case 'plan':
      s.total = e.stages.length;
      s.done = 0;
      s.failed = 0;
      s.running.clear();
      break;
    case 'stage-start':
      s.running.set(e.stage, { since: now, restore: e.restore, last: e.restore ? 'restoring from the run cache' : '' });
      break;
    case 'stage-output': {
      const r = s.running.get(e.stage);
      if (!r) break;
      const prefix = `[${e.stage}] `;
      const text = plainText(e.line.startsWith(prefix) ? e.line.slice(prefix.length) : e.line);
      if (text.trim() !== '') r.last = text;
      break;
    }
    case 'stage-end':
      s.running.delete(e.result.name);
      s.done++;
      if (e.result.status === 'failed') s.failed++;
      break;
    case 'notice':
      if (e.sweep) s.title = `repro run: seed ${e.sweep.seed} (${e.sweep.index + 1} of ${e.sweep.count})`;
      break;
  }
}

export interface RenderOptions {
  now: number;
  /** Terminal columns. */
  width: number;
  /** At most this many lines (the header included); at least 1. */
  maxLines: number;
  /** SGR colour codes (only on a terminal, never with NO_COLOR). */
  color: boolean;
}

/** The lines to draw for `s`: the header, then one per running stage (`… and N more` past maxLines). */
export function renderStatus(s: LiveState, o: RenderOptions): string[] {
  const cols = Math.max(10, o.width - 1);
  const paint = (code: string, t: string): string => (o.color && t !== '' ? `\x1b[${code}m${t}\x1b[0m` : t);
  const queued = Math.max(0, s.total - s.done - s.running.size);
  const parts = [
    `${s.done}/${s.total} done`,
    `${s.running.size} running`,
    `${queued} queued`,
    ...(s.failed ? [`${s.failed} failed`] : []),
    duration(o.now - s.startedAt),
  ];
  const head = s.interrupting
    ? `${s.title}: interrupted, stopping ${s.running.size} running stage${s.running.size === 1 ? '' : 's'}`
    : `${s.title}: ${parts.join(' · ')}`;
  const lines = [paint('1', fit(head, cols))];
  const rows = [...s.running];
  const room = Math.max(0, o.maxLines - 1);
  const shown = rows.length > room ? rows.slice(0, Math.max(0, room - 1)) : rows;
  // The name column: at most 24 cells, and narrow enough that name and time always fit (cols >= 10).
  const nameWidth = Math.min(24, cols - 9, Math.max(0, ...shown.map(([n]) => cells(n))));
  for (const [name, r] of shown) {
    const n = padCells(fit(name, nameWidth), nameWidth);
    const t = duration(o.now - r.since).padStart(6);
    const rest = cols - 2 - nameWidth - 1 - t.length - 2;
    const last = rest > 0 ? fit(r.last, rest) : '';
    lines.push(`  ${paint('36', n)} ${paint('2', t)}${last ? `  ${last}` : ''}`);
  }
  if (shown.length < rows.length && room > 0) lines.push(fit(`  … and ${rows.length - shown.length} more running`, cols));
  return lines;
}

/** `4s`, `1m05s`, `2h03m`. */
export function duration(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  if (sec < 60) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min}m${String(sec % 60).padStart(2, '0')}s`;
  return `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}m`;
}
