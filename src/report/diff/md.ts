/**
 * `repro diff --md`: the comparison as GitHub-flavoured Markdown for a pull-request comment.
 * Metrics first (what reviewers look at), then the other sections as tables. Pure.
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
  value,
  verdictCell,
  mdTable,
} from './format.js';
import { describeReason } from '../run/reasons.js';
import { count } from '../../core/plural.js';

export function renderDiffMarkdown(d: DiffResult, precision = DEFAULT_PRECISION): string {
  const A = `\`${d.a.label}\``;
  const B = `\`${d.b.label}\``;
  const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
  const out: string[] = [`### repro diff: ${code(sideTitle(d.a))} → ${code(sideTitle(d.b))}`];
  const section = (title: string, lines: string[]): void => {
    if (lines.length) out.push('', `#### ${title}`, '', ...lines);
  };

  const m = d.metrics;
  if (m.rows.length) {
    const verdict = (s: string): string => (s === 'improved' || s === 'regressed' ? `**${s}**` : s);
    const lines = mdTable(
      ['metric', A, B, 'Δ', 'relative', `${Math.round((1 - m.alpha) * 100)}% CI of Δ`, 'verdict'],
      m.rows.map((r) => [
        code(r.key),
        metricValueCell(r, 'a', precision),
        metricValueCell(r, 'b', precision),
        deltaCell(r, precision),
        relativeCell(r, precision),
        ciCell(r, precision),
        verdict(verdictCell(r)),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'l', 'l'],
    );
    if (m.tested > 0) {
      lines.push(
        '',
        `Mean ± standard error over runs (seeds). Verdicts from the ${Math.round((1 - m.alpha) * 100)}% CI of the difference (paired by seed when both sides share seeds, else Welch), Holm-adjusted across ${count(m.tested, 'tested metric')}.`,
      );
    }
    for (const w of groupedWarnings(m.rows)) lines.push('', `> **Warning**: ${w.warning}: ${w.keys.map(code).join(', ')}`);
    section('Metrics', lines);
  }

  if (d.params.length) {
    section(
      'Params',
      mdTable(
        ['param', A, B],
        d.params.map((p) => [code(p.key), 'a' in p ? code(value(p.a)) : '(absent)', 'b' in p ? code(value(p.b)) : '(absent)']),
      ),
    );
  }

  if (d.distributions.length) {
    const pc = (pair: [number, number] | undefined): string => (pair ? `${num(pair[0], precision)} → ${num(pair[1], precision)}` : '');
    section('Distributions', [
      ...mdTable(
        ['distribution', 'n', 'PSI', 'JS', 'shift', 'p50', 'p95', 'p99'],
        d.distributions.map((r) => [
          code(r.key),
          `${r.n_a} / ${r.n_b}`,
          num(r.psi, precision),
          num(r.js, precision),
          r.error ? `error: ${r.error}` : (r.band ?? ''),
          pc(r.percentiles?.p50),
          pc(r.percentiles?.p95),
          pc(r.percentiles?.p99),
        ]),
        ['l', 'r', 'r', 'r', 'l', 'r', 'r', 'r'],
      ),
      '',
      'PSI < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift.',
    ]);
  }

  if (d.outputs.length) {
    section(
      'Outputs',
      mdTable(
        ['output', 'change', 'size'],
        d.outputs.flatMap((o) => [
          [code(o.path), o.change, o.a && o.b ? `${bytes(o.a.size)} → ${bytes(o.b.size)}` : bytes((o.b ?? o.a)!.size)],
          ...(o.files ?? []).map((f) => [`↳ ${code(f.path)}`, f.change, '']),
        ]),
      ),
    );
  }
  if (d.stages?.length) {
    section(
      'Stage keys',
      mdTable(
        ['stage', 'change', 'why'],
        d.stages.map((s) => [code(s.name), s.change, s.reasons.map((r) => describeReason(r)).join('; ')]),
      ),
    );
  }
  const pkgs = d.lock_files.flatMap((l) =>
    l.packages.length
      ? l.packages.map((p) => [code(l.path), code(p.name), p.a ?? '(absent)', p.b ?? '(absent)'])
      : [[code(l.path), l.change, '', '']],
  );
  if (pkgs.length) section('Lock files', mdTable(['file', 'package', d.a.label, d.b.label], pkgs));
  if (d.environment?.length) {
    section(
      'Environment',
      mdTable(
        ['field', A, B],
        d.environment.map((e) => [code(e.field), e.a.replace(/\n/g, ' '), e.b.replace(/\n/g, ' ')]),
      ),
    );
  }
  if (d.notes.length)
    section(
      'Notes',
      d.notes.map((n) => `- ${n}`),
    );
  if (out.length === 1) out.push('', 'No differences.');
  return out.join('\n') + '\n';
}
