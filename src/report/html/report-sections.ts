import type { DiffResult, MetricRow } from '../../model/diff.js';
import { checkLines, fmtNum, fmtSigned, fmtStat, verdictLine } from '../verify/summary.js';
import type { VerifyResult } from '../../model/verify.js';
import { dagSvg, STATE_GLYPH, STATE_LABEL, stateColour } from './dag-svg.js';
import { esc, num, signed } from './escape.js';
import type { PageChart } from './page.js';
import { historySpec, histogramSpec, sharedBins } from './report-charts.js';
import type { HistoryPoint, PipelineView, ReportData } from './report-types.js';
import { code, dataTable, table, type Cell } from './table.js';
import { count } from '../../core/plural.js';

/** The sections of `repro report`, each HTML plus the charts it draws into. Pure. */
export interface Section {
  id: string;
  label: string;
  html: string;
  charts: PageChart[];
}

const badge = (status: string): Cell => ({
  html: `<span class="badge ${esc(status.replace(/ /g, '-'))}">${esc(status)}</span>`,
  cls: status,
});

export function verdictSection(v: VerifyResult | null, notes: string[]): Section {
  if (!v) {
    const why = notes.find((n) => n.startsWith('repro verify') || n.startsWith('no verify')) ?? 'no verify result available';
    return { id: 'verdict', label: 'Verdict', html: `<p class="note">${esc(why)}</p>`, charts: [] };
  }
  const line = verdictLine(v, false);
  const cls = line.includes('FAILED') ? 'fail' : line.includes('warnings') ? 'warn' : 'pass';
  let html = `<p class="verdict ${cls}">${esc(line)}</p><p class="note">Commit ${v.commit ? code(v.commit.slice(0, 7)) : '(none)'}${v.dirty ? ' with uncommitted changes' : ''}</p>`;
  html += table(
    ['check', 'result', 'summary'],
    checkLines(v).map((l) => [l.name, badge(l.status), l.summary]),
  );
  const g = v.guardrails;
  if ('rows' in g && g.rows.length) {
    html += `<h3>Guardrails${g.base ? ` against ${code(g.base.ref)} (${code(g.base.commit.slice(0, 7))})` : ': absolute bounds (min/max)'}</h3>`;
    html += table(
      ['metric', 'base', 'head', 'delta', '95% CI', 'rule', 'result', 'why'],
      g.rows.map((r) => [
        { html: code(r.metric) },
        fmtStat(r.base),
        fmtStat(r.head),
        r.delta === null ? '—' : fmtSigned(r.delta),
        r.ci ? `[${fmtNum(r.ci[0])}, ${fmtNum(r.ci[1])}]` : '—',
        r.rule,
        badge(r.status),
        r.reason,
      ]),
    );
  }
  return { id: 'verdict', label: 'Verdict', html, charts: [] };
}

/** At most this many metrics get a history chart (the rest: the table). */
const MAX_HISTORY_CHARTS = 12;

export function historySection(points: HistoryPoint[]): Section {
  const keys = [...new Set(points.flatMap((p) => Object.keys(p.metrics)))].sort();
  if (keys.length === 0)
    return { id: 'history', label: 'Metrics across history', html: '<p class="note">No metrics along this history yet.</p>', charts: [] };
  const charts: PageChart[] = [];
  const figs = keys.slice(0, MAX_HISTORY_CHARTS).map((key, i) => {
    const id = `history-${i}`;
    charts.push({ id, spec: historySpec(key, points) });
    const rows: Cell[][] = points
      .filter((p) => p.metrics[key])
      .map((p) => {
        const m = p.metrics[key]!;
        return [
          { html: code(p.label) },
          m.n,
          m.mean,
          m.ci ? `[${num(m.ci[0])}, ${num(m.ci[1])}]` : '—',
          p.runs.join(', ') || '—',
          Object.entries(p.params_changed)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ') || '—',
        ];
      });
    return `<figure><figcaption>${code(key)}</figcaption><div class="chart" id="${id}" role="img" aria-label="${esc(`${key} along history, mean and 95% CI per commit`)}"></div>${dataTable(['commit', 'runs', 'mean', '95% CI', 'run ids', 'params changed'], rows)}</figure>`;
  });
  const more =
    keys.length > MAX_HISTORY_CHARTS
      ? `<p class="note">${keys.length - MAX_HISTORY_CHARTS} more metrics not drawn: ${esc(keys.slice(MAX_HISTORY_CHARTS).join(', '))}</p>`
      : '';
  const html = `<p class="note">First-parent history, oldest first: ${count(points.length, 'point')}. Where several seeds ran, the band is the 95% confidence interval of the mean.</p><div class="charts">${figs.join('')}</div>${more}`;
  return { id: 'history', label: 'Metrics across history', html, charts };
}

function stat(s: MetricRow['a']): string {
  if (!s) return '—';
  return s.n > 1 && s.se !== null ? `${num(s.mean)} ± ${num(s.se)} (n=${s.n})` : num(s.mean);
}

export function comparisonSection(d: DiffResult | null, samples: ReportData['samples']): Section {
  const id = 'comparison';
  const label = 'Comparison';
  if (!d) return { id, label, html: '<p class="note">No base revision to compare with (give --base REV).</p>', charts: [] };
  const [a, b] = [d.a.label, d.b.label];
  let html = `<p>${code(a)}${d.a.commit ? ` (${code(d.a.commit.slice(0, 7))})` : ''} → ${code(b)}${d.b.commit ? ` (${code(d.b.commit.slice(0, 7))})` : ''}. Means ± standard error over seeds; the interval is the 95% CI of the difference; verdicts Holm-adjusted at α = ${d.metrics.alpha}.</p>`;
  const rows = d.metrics.rows.map((r): Cell[] => [
    { html: code(r.key) },
    stat(r.a),
    stat(r.b),
    signed(r.delta),
    r.ci ? `[${num(r.ci[0])}, ${num(r.ci[1])}]` : '—',
    r.p_adjusted === null ? '—' : num(r.p_adjusted, 3),
    badge(r.verdict),
    r.warning ?? r.error ?? '',
  ]);
  html += rows.length
    ? table(['metric', a, b, 'delta', '95% CI', 'p (Holm)', 'verdict', 'note'], rows)
    : '<p class="note">No metrics on either side.</p>';
  const charts: PageChart[] = [];
  const figs = d.distributions.map((row, i) => {
    const s = samples[row.key] ?? { base: [], head: [] };
    const bins = sharedBins([
      { side: a, values: s.base },
      { side: b, values: s.head },
    ]);
    const cid = `dist-${i}`;
    if (bins.length) charts.push({ id: cid, spec: histogramSpec(row.key, bins, [a, b]) });
    const p = row.percentiles;
    const stats = `PSI ${num(row.psi, 3)}${row.band ? ` (${row.band})` : ''} · JS ${num(row.js, 3)} · n ${row.n_a} → ${row.n_b}`;
    const pct = p
      ? table(
          ['', a, b],
          (['p50', 'p95', 'p99'] as const).map((q) => [q, p[q][0], p[q][1]]),
        )
      : '';
    const binRows = bins.map((x): Cell[] => [x.side, x.lo, x.hi, x.count]);
    return `<figure><figcaption>${code(row.key)}<br><span class="note">${esc(stats)}</span></figcaption>${bins.length ? `<div class="chart" id="${cid}" role="img" aria-label="${esc(`histograms of ${row.key}: ${stats}`)}"></div>` : ''}${row.error ? `<p class="note">${esc(row.error)}</p>` : ''}${pct}${dataTable(['side', 'bin from', 'bin to', 'count'], binRows)}</figure>`;
  });
  if (figs.length) html += `<h3>Distributions</h3><div class="charts">${figs.join('')}</div>`;
  if (d.params.length)
    html += `<h3>Params that differ</h3>${table(
      ['param', a, b],
      d.params
        .filter((r) => r.change !== 'unchanged')
        .map((r) => [{ html: code(r.key) }, JSON.stringify(r.a) ?? '—', JSON.stringify(r.b) ?? '—']),
    )}`;
  return { id, label, html, charts };
}

export function pipelineSection(view: PipelineView | null): Section {
  const id = 'pipeline';
  const label = 'Pipeline';
  if (!view) return { id, label, html: '<p class="note">No repro.yaml.</p>', charts: [] };
  const states = ['up-to-date', 'stale', 'failed', 'never-run'] as const;
  const legend = `<div class="legend">${states.map((s) => `<span style="--c:${stateColour(s)}">${STATE_GLYPH[s]} ${STATE_LABEL[s]}</span>`).join('')}</div>`;
  const live = view.live
    ? ''
    : '<p class="note">States as this revision\'s repro.lock records them (staleness is computed for the workspace only).</p>';
  const rows = view.stages.map((s): Cell[] => [
    { html: code(s.name) },
    {
      html: `<span class="badge" style="color:#000;background:${stateColour(s.state)}">${esc(`${STATE_GLYPH[s.state]} ${STATE_LABEL[s.state]}`)}</span>`,
    },
    s.reasons.join('; ') || '—',
    s.duration_ms === null ? '—' : s.duration_ms < 1000 ? `${Math.round(s.duration_ms)} ms` : `${num(s.duration_ms / 1000, 2)} s`,
    s.seed,
    s.outs.map((o) => `${o.path}${o.size === null ? '' : ` (${bytes(o.size)})`}`).join(', ') || '—',
  ]);
  const html = `${legend}${live}<div class="dag">${dagSvg(view)}</div>${dataTable(['stage', 'state', 'why', 'duration', 'seed', 'outputs'], rows, 1000, true)}`;
  return { id, label, html, charts: [] };
}

export function environmentSection(env: ReportData['environment'], d: DiffResult | null): Section {
  const id = 'environment';
  const label = 'Environment';
  if (!env) return { id, label, html: '<p class="note">No recorded environment for this revision (no run record).</p>', charts: [] };
  let html = '';
  if (d?.environment) {
    html += d.environment.length
      ? `<h3>What differs from ${code(d.a.label)}'s run</h3>${table(
          ['field', d.a.label, d.b.label],
          d.environment.map((r) => [{ html: code(r.field) }, r.a, r.b]),
        )}`
      : `<p>Same environment as ${code(d.a.label)}'s run.</p>`;
  } else if (d) html += `<p class="note">Not compared: ${esc(d.a.label)} has no run record.</p>`;
  const rows = Object.entries(env.head).map(([k, v]): Cell[] => [{ html: code(k) }, v.length > 200 ? `${v.slice(0, 199)}…` : v]);
  html += `<details><summary>Fingerprint of the run: ${rows.length} fields</summary>${table(['field', 'value'], rows)}</details>`;
  return { id, label, html, charts: [] };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
