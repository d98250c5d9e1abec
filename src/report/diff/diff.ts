/**
 * `repro diff` for the terminal: one block per section that has rows, the metrics as a table with
 * the uncertainty, warnings spelled out under it. Pure: DiffResult in, text out.
 */
import type { DiffResult } from '../../model/diff.js';
import {
  bytes,
  ciCell,
  deltaCell,
  relativeCell,
  DEFAULT_PRECISION,
  groupedWarnings,
  metricValueCell,
  num,
  sideTitle,
  textTable,
  value,
  verdictCell,
} from './format.js';
import { describeReason } from '../run/reasons.js';
import { count } from '../../core/plural.js';

export function renderDiff(d: DiffResult, precision = DEFAULT_PRECISION): string {
  const out: string[] = [`repro diff: ${sideTitle(d.a)} -> ${sideTitle(d.b)}`];
  const A = d.a.label;
  const B = d.b.label;
  const section = (title: string, lines: string[]): void => {
    if (lines.length) out.push('', title, ...lines);
  };

  section(
    'Params',
    d.params.length
      ? textTable([
          ['param', A, B],
          ...d.params.map((p) => [p.key, 'a' in p ? value(p.a) : '(absent)', 'b' in p ? value(p.b) : '(absent)']),
        ])
      : [],
  );

  const m = d.metrics;
  if (m.rows.length) {
    const head = ['metric', A, B, 'delta', 'relative', `${Math.round((1 - m.alpha) * 100)}% CI`, 'verdict'];
    const rows = m.rows.map((r) => [
      r.key,
      metricValueCell(r, 'a', precision),
      metricValueCell(r, 'b', precision),
      deltaCell(r, precision),
      relativeCell(r, precision),
      ciCell(r, precision),
      verdictCell(r),
    ]);
    const lines = textTable([head, ...rows]);
    if (m.tested > 0) {
      lines.push(
        `  mean ± standard error over runs; CI of the difference (paired by seed when both sides share seeds, else Welch); verdicts Holm-adjusted across ${count(m.tested, 'tested metric')}`,
      );
    }
    for (const w of groupedWarnings(m.rows)) lines.push(`  warning: ${w.warning}: ${w.keys.join(', ')}`);
    section('Metrics', lines);
  }

  // A plots directory's files, by path, under its row (the table keeps its columns).
  const outputTable = textTable(
    d.outputs.map((o) => [
      o.path,
      o.change,
      o.a && o.b
        ? `${bytes(o.a.size)} -> ${bytes(o.b.size)}${o.size_delta ? ` (${o.size_delta > 0 ? '+' : ''}${bytes(o.size_delta)})` : ''}`
        : bytes((o.b ?? o.a)!.size),
      o.stage ? `stage ${o.stage}` : '',
    ]),
  );
  section(
    'Outputs',
    d.outputs.flatMap((o, i) => [outputTable[i]!, ...(o.files ?? []).map((f) => `      ${f.change.padEnd(9)} ${f.path}`)]),
  );

  if (d.environment && d.environment.length) {
    section('Environment', textTable([['field', A, B], ...d.environment.map((e) => [e.field, oneLine(e.a), oneLine(e.b)])]));
  }

  const locks: string[] = [];
  for (const l of d.lock_files) {
    locks.push(
      `  ${l.path}  ${l.change}${l.format === null && l.change === 'modified' ? ' (format not parsed: packages not listed)' : ''}`,
    );
    locks.push(
      ...textTable(
        l.packages.map((p) => [p.name, p.a ?? '(absent)', '->', p.b ?? '(absent)']),
        '      ',
      ),
    );
  }
  section('Lock files', locks);

  if (d.stages) {
    const lines: string[] = [];
    for (const s of d.stages) {
      lines.push(`  ${s.name}  ${s.change}`);
      for (const r of s.reasons) lines.push(`      ${describeReason(r)}`);
    }
    section('Stage keys', lines);
  }

  if (d.distributions.length) {
    const head = ['distribution', 'n', 'PSI', 'JS', 'shift', 'p50', 'p95', 'p99'];
    const pc = (pair: [number, number] | undefined): string => (pair ? `${num(pair[0], precision)} -> ${num(pair[1], precision)}` : '-');
    const rows = d.distributions.map((r) =>
      r.error
        ? [r.key, `${r.n_a}/${r.n_b}`, '-', '-', `ERROR: ${r.error}`, '', '', '']
        : [
            r.key,
            `${r.n_a}/${r.n_b}`,
            num(r.psi, precision),
            num(r.js, precision),
            r.band ?? '-',
            pc(r.percentiles?.p50),
            pc(r.percentiles?.p95),
            pc(r.percentiles?.p99),
          ],
    );
    section('Distributions', [
      ...textTable([head, ...rows]),
      '  PSI < 0.1 stable, 0.1 to 0.25 moderate, > 0.25 major shift; JS divergence in bits (0 same, 1 disjoint)',
    ]);
  }

  section(
    'Notes',
    d.notes.map((n) => `  ${n}`),
  );
  if (out.length === 1) out.push('no differences');
  return out.join('\n') + '\n';
}

function oneLine(s: string): string {
  const lines = s.split('\n').filter((l) => l !== '');
  return lines.length <= 1 ? s : `${lines[0]} (+${lines.length - 1} more lines)`;
}
