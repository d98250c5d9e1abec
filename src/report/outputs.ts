/**
 * What an isolated re-run found per output (`OutputResult` from ops/isolated/engine.ts), as text. Used
 * by `repro replay` and `repro verify --rerun`. Pure; the shapes are model/isolated.ts's.
 */
import type { OutputDetail, OutputResult } from '../model/isolated.js';
import { fmtNumber } from './records/log.js';
import { short } from './run/reasons.js';
import { count, plural } from '../core/plural.js';

const LABEL: Record<string, string> = {
  identical: 'identical',
  'within-tolerance': 'within tolerance',
  differs: 'DIFFERS',
  missing: 'MISSING',
};

/** One line per output, then the detail of each that is not identical, indented. */
export function renderOutputs(outputs: OutputResult[]): string[] {
  const lines: string[] = [];
  for (const o of outputs) {
    const hashes =
      o.outcome === 'identical' ? short(o.expected.hash) : `${short(o.expected.hash)} -> ${o.actual ? short(o.actual.hash) : '(none)'}`;
    lines.push(`  ${(LABEL[o.outcome] ?? o.outcome).padEnd(17)} ${o.path}  (${o.stage})  ${hashes}`);
    if (o.note) lines.push(`      ${o.note}`);
    if (o.detail) lines.push(...renderDetail(o.detail).map((l) => `      ${l}`));
  }
  return lines;
}

/** A summary line: counts per outcome. */
export function outcomeCounts(outputs: { outcome: string }[]): string {
  const order = ['identical', 'within-tolerance', 'differs', 'missing'];
  const parts = order
    .map((k) => [LABEL[k]!.toLowerCase(), outputs.filter((o) => o.outcome === k).length] as const)
    .filter(([, n]) => n > 0);
  return `${count(outputs.length, 'output')}: ${parts.map(([k, n]) => `${n} ${k}`).join(', ') || 'none compared'}`;
}

export function renderDetail(d: OutputDetail): string[] {
  switch (d.kind) {
    case 'text': {
      const flagged = new Map(d.volatile.map((v) => [v.line, v.kinds]));
      const out = d.diff.map((l, i) => (flagged.has(i) ? `${l}    <- looks volatile: ${flagged.get(i)!.join(', ')}` : l));
      if (d.truncated) out.push(`... (diff cut; ${count(d.removed, 'line')} removed, ${d.added} added in all)`);
      if (d.volatile.length)
        out.push('note: lines marked "looks volatile" hold a date, time, version, host name or path that typically changes between runs');
      return out;
    }
    case 'binary':
      return [`binary content differs from byte ${d.offset} (expected ${count(d.expected_size, 'byte')}, got ${d.actual_size})`];
    case 'dir': {
      const out: string[] = [];
      const list = (label: string, names: string[], more: number): void => {
        for (const n of names) out.push(`${label} ${n}`);
        if (more > 0) out.push(`${label} ... and ${more} more`);
      };
      list('changed', d.changed, d.more.changed);
      list('added  ', d.added, d.more.added);
      list('removed', d.removed, d.more.removed);
      if (d.first) out.push(`first changed file, ${d.first.path}:`, ...renderDetail(d.first.detail).map((l) => `  ${l}`));
      return out;
    }
    case 'metrics': {
      const rows = d.rows.filter((r) => r.expected !== r.actual);
      const out = rows.map((r) => {
        const delta =
          r.expected !== null && r.actual !== null
            ? `  (diff ${fmtNumber(r.actual - r.expected)}, tolerance ${fmtNumber(r.tolerance)})`
            : '';
        return `${r.within ? 'ok  ' : 'FAIL'} ${r.key}: expected ${r.expected === null ? '(absent)' : fmtNumber(r.expected)}, got ${r.actual === null ? '(absent)' : fmtNumber(r.actual)}${delta}`;
      });
      const same = d.rows.length - rows.length;
      if (same > 0) out.push(`${same} other ${plural(same, 'metric')} equal`);
      return out;
    }
    case 'hash':
      return [`content not compared: ${d.reason}`];
  }
}
