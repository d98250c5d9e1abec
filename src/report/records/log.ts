/** `repro log` as text. Pure: takes what ops/records/log.ts returns (model/records.ts). */
import type { LogResult } from '../../model/records.js';
import { splitMetricRef } from '../../core/metric-ref.js';
import { plural } from '../../core/plural.js';

/**
 * C0 and C1 control characters but newline and tab, and the Unicode bidirectional overrides: a
 * record is data from anywhere (a pushed ref, a stage's stderr), and an escape sequence in it
 * must not clear the screen, retitle the terminal or reorder what is shown.
 */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** `text` with control characters removed; for every record-sourced string shown on a terminal or in Markdown. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

/** One line per run, newest first: id, source commit (`*` when dirty), time (UTC), status, seeds, headline metrics. */
export function renderLog(res: LogResult): string {
  if (res.runs.length === 0) {
    return res.scope === 'all' || res.total > 0
      ? 'no runs recorded\n'
      : "no runs recorded on this branch's history ('repro log --all' lists every run)\n";
  }
  const lines: string[] = [];
  for (const r of res.runs) {
    const commit = (r.source_commit ? r.source_commit.slice(0, 7) : '(none)').padEnd(7) + (r.dirty ? '*' : ' ');
    if (r.error) {
      lines.push(`${r.id}  ${commit}  unreadable record: ${r.error.message}`);
      continue;
    }
    const when = r.started_at ? r.started_at.slice(0, 19).replace('T', ' ') : '';
    const seeds = r.seeds.length === 0 ? '' : r.seeds.length === 1 ? `seed ${r.seeds[0]}` : `seeds ${r.seeds.join(',')}`;
    const metrics = headlineText(r.headline);
    const status = r.failed_stages.length ? `${r.status} (${r.failed_stages.join(', ')})` : r.status;
    lines.push([r.id, commit, when, status.padEnd(7), seeds.padEnd(8), metrics].join('  ').trimEnd());
    if (r.message) lines.push(`    ${r.message.split('\n')[0]}`);
  }
  const older = res.total - res.runs.length;
  if (older > 0) lines.push(`(${older} older ${plural(older, 'run')} not shown)`);
  if (res.runs.some((r) => r.dirty)) lines.push('* started from a working tree with uncommitted changes');
  return stripControl(lines.join('\n')) + '\n';
}

/** `m.json: acc=0.9  loss=0.2  eval.json: f1=0.5`: each file named once, before its first metric. */
function headlineText(headline: { name: string; value: number }[]): string {
  let file: string | null = null;
  return headline
    .map((m) => {
      const { path, key } = splitMetricRef(m.name);
      const named = path !== file ? `${path}: ` : '';
      file = path;
      return `${named}${key}=${fmtNumber(m.value)}`;
    })
    .join('  ');
}

/** Up to 4 significant digits, without trailing zeros; integers as they are. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}
