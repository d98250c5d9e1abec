import { checkLines, fmtNum, fmtSigned, fmtStat, freshLine, inputLine, outputDetail, verdictLine } from './summary.js';
import type { VerifyResult, VerifyStatus } from '../../model/verify.js';
import type { VaryCheck, VaryDiff, VaryStage } from '../../model/vary.js';
import { varySummary } from './vary.js';

/**
 * `repro verify --md FILE`: a pull-request comment. It starts with VERIFY_MD_MARKER, a hidden HTML
 * comment a CI step searches for to update its one comment in place instead of adding another.
 * Deterministic: the same result gives byte-identical text (no times, no temp paths).
 */
export const VERIFY_MD_MARKER = '<!-- repro-verify -->';

const ICON: Record<VerifyStatus, string> = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭️ skip' };

export function renderVerifyMarkdown(res: VerifyResult, opts: { warnOnly?: boolean } = {}): string {
  const lines: { name: string; status: VerifyStatus; summary: string }[] = checkLines(res);
  if (res.vary) lines.push({ name: 'vary', status: res.vary.status, summary: varySummary(res.vary) });
  const failed = lines.some((l) => l.status === 'fail');
  const warned = lines.some((l) => l.status === 'warn');
  const out: string[] = [VERIFY_MD_MARKER];
  const title = failed ? '❌ repro verify failed' : warned ? '⚠️ repro verify passed with warnings' : '✅ repro verify passed';
  out.push(`### ${title}`, '');
  out.push(
    `Commit ${res.commit ? code(res.commit.slice(0, 7)) : '(none)'}${res.dirty ? ' with uncommitted changes' : ''}: ${esc(verdictLine(res, opts.warnOnly ?? false))}`,
    '',
  );
  out.push('| check | result | summary |', '| --- | --- | --- |');
  for (const l of lines) out.push(`| ${l.name} | ${ICON[l.status]} | ${cell(l.summary)} |`);

  if ('rows' in res.guardrails && res.guardrails.rows.length) {
    const g = res.guardrails;
    if (g.base) {
      out.push('', `#### Guardrails against ${code(g.base.ref)} (${code(g.base.commit.slice(0, 7))})`, '');
      out.push('| metric | base | head | delta | rule | result | why |', '| --- | ---: | ---: | ---: | --- | --- | --- |');
      for (const r of g.rows) {
        const delta = r.delta === null ? '—' : `${fmtSigned(r.delta)}${r.ci ? ` [${fmtNum(r.ci[0])}, ${fmtNum(r.ci[1])}]` : ''}`;
        out.push(
          `| ${code(r.metric)} | ${fmtStat(r.base)} | ${fmtStat(r.head)} | ${delta} | ${cell(r.rule)} | ${ICON[r.status]} | ${cell(r.reason)} |`,
        );
      }
    } else {
      // without --base only min/max are judged: no base or delta to show
      out.push('', '#### Guardrails: absolute bounds (min/max; `--base REF` also judges drops)', '');
      out.push('| metric | head | rule | result | why |', '| --- | ---: | --- | --- | --- |');
      for (const r of g.rows)
        out.push(`| ${code(r.metric)} | ${fmtStat(r.head)} | ${cell(r.rule)} | ${ICON[r.status]} | ${cell(r.reason)} |`);
    }
  }

  if ('stages' in res.rerun && res.rerun.stages.length) {
    const rr = res.rerun;
    const sample = rr.sample
      ? ` (random sample of ${rr.sample.k}, seed ${rr.sample.seed}: \`--sample ${rr.sample.k} --sample-seed ${rr.sample.seed}\`)`
      : '';
    out.push('', `#### Re-runs${sample}`, '');
    out.push('| stage | result | outputs |', '| --- | --- | --- |');
    for (const s of rr.stages) {
      const ok = s.status === 'reproduced' || s.status === 'within-tolerance';
      const what =
        s.status === 'failed' || s.status === 'not-run'
          ? cell(s.error ?? s.status)
          : [...s.input_changes.map((c) => cell(inputLine(c))), ...s.outputs.map((o) => `${code(o.path)} ${o.status}`)].join(', ');
      out.push(`| ${code(s.name)} | ${ok ? '✅' : '❌'} ${s.status} | ${what} |`);
    }
    for (const s of rr.stages) {
      for (const o of s.outputs) {
        if (o.status !== 'differs' && o.status !== 'missing') continue;
        out.push(
          '',
          `<details><summary>${html(`${s.name}: ${o.path} ${o.status}`)}</summary>`,
          '',
          fence(outputDetail(o), o.diff?.length ? 'diff' : ''),
          '',
          '</details>',
        );
      }
      if ((s.status === 'failed' || s.status === 'not-run') && s.stderr_tail.length) {
        out.push('', `<details><summary>${html(`${s.name}: stderr`)}</summary>`, '', fence(s.stderr_tail, ''), '', '</details>');
      }
    }
  }

  if (res.vary) out.push(...varyMarkdown(res.vary));
  if (res.observed_warnings?.length) {
    out.push('', '#### Observed in repro.lock', '');
    for (const w of res.observed_warnings) out.push(`- ⚠️ ${esc(w.message)} (${w.file}${w.line ? `:${w.line}` : ''})`);
  }

  const stale = res.freshness.stages.filter((s) => s.status !== 'fresh' && s.status !== 'frozen');
  if (stale.length) {
    out.push('', '#### Stale stages', '');
    out.push('| stage | status | why |', '| --- | --- | --- |');
    for (const s of stale) out.push(`| ${code(s.name)} | ${s.status} | ${cell(freshLine(s).slice(s.name.length + 2))} |`);
  }

  const bad = res.rules.rules.filter((r) => r.status === 'fail');
  if (bad.length) {
    out.push('', '#### Rules that cannot be applied', '');
    for (const r of bad) out.push(`- ${esc(r.problem ?? r.metric)} (${r.file}${r.line ? `:${r.line}` : ''})`);
  }
  return out.join('\n') + '\n';
}

/**
 * `--vary`: a table with a row per stage (class, the variations that change it, the first
 * difference, the hint), then for each stage that is not deterministic a table with a row per
 * variation (what changed, the outcome, the first differing line or byte, the hint). ⚠️ marks
 * what makes the check warn (a stage repro.yaml has deterministic), ❌ what makes it fail.
 */
function varyMarkdown(v: VaryCheck): string[] {
  const out: string[] = ['', `#### Variations (\`--vary\`): ${esc(varySummary(v))}`, ''];
  for (const s of v.skipped) out.push(`- skipped ${code(s.variation)}: ${esc(s.reason)}`);
  if (v.skipped.length) out.push('');
  out.push('| stage | class | changed by | first difference | hint |', '| --- | --- | --- | --- | --- |');
  for (const s of v.stages) {
    const first = firstDifference(s);
    const by = s.class === 'unstable' ? 'nothing (everything as recorded)' : s.differs_when.map(code).join(', ') || '—';
    const what = s.class === null ? cell(s.error ?? 'not classified') : first ? mdDiff(first) : '—';
    const hint = s.class === null ? '—' : cell(stageHint(s) ?? '—');
    out.push(`| ${code(s.name)} | ${classCell(s)} | ${s.class === null ? '—' : by} | ${what} | ${hint} |`);
  }
  for (const s of v.stages) {
    if (s.class === null || s.class === 'deterministic' || !s.variations.length) continue;
    out.push('', `##### ${code(s.name)}: ${s.class}`, '');
    if (s.deterministic && (s.class === 'unstable' || s.class === 'environment-dependent'))
      out.push('repro.yaml has it deterministic (the default): declare `deterministic: false`, or fix it.', '');
    if (s.reference) out.push(`The reference re-run (everything as recorded) already differs from repro.lock: ${mdDiff(s.reference)}`, '');
    out.push('| variation | what changed | result | first difference | hint |', '| --- | --- | --- | --- | --- |');
    for (const o of s.variations) {
      const diff = o.status === 'failed' ? cell(o.error ?? 'failed') : o.diff ? mdDiff(o.diff) : '—';
      out.push(`| ${code(o.variation)} | ${cell(o.what)} | ${o.status} | ${diff} | ${cell(o.hint ?? '—')} |`);
    }
  }
  return out;
}

function classCell(s: VaryStage): string {
  if (s.class === null) return '❌ not classified';
  const warned = s.deterministic && (s.class === 'unstable' || s.class === 'environment-dependent');
  return `${warned ? '⚠️' : '✅'} ${s.class}${s.deterministic ? '' : ' (declared `deterministic: false`)'}`;
}

/** The difference the terminal's stage line shows: the reference's, the seed's, or the first other variation's. */
function firstDifference(s: VaryStage): VaryDiff | null {
  if (s.class === 'unstable') return s.reference;
  const want = s.class === 'seed-dependent' ? 'seed' : s.differs_when.find((d) => d !== 'seed');
  return s.variations.find((o) => o.variation === want)?.diff ?? null;
}

function stageHint(s: VaryStage): string | null {
  if (s.class !== 'environment-dependent') return s.hint;
  const hints = s.variations.filter((o) => (o.status === 'differs' || o.status === 'failed') && o.hint).map((o) => o.hint!);
  return [...new Set(hints)].join('; ') || s.hint;
}

/** "`out.txt` line 3 `...`", "`model.bin` byte 120", "`out.txt`: not produced". */
function mdDiff(d: VaryDiff): string {
  if (d.line !== null) return `${code(d.path)} line ${d.line}${d.text !== null ? ` ${code(clip(d.text))}` : ''}`;
  if (d.byte_offset !== null) return `${code(d.path)} byte ${d.byte_offset}`;
  return `${code(d.path)}${d.detail ? `: ${cell(d.detail)}` : ''}`;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function code(s: string): string {
  const ticks = s.includes('`') ? '``' : '`';
  return `${ticks}${s.replace(/\|/g, '\\|')}${ticks}`;
}

/** Text for a table cell: pipes escaped, newlines flattened. */
function cell(s: string): string {
  return esc(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Markdown text that must not turn into HTML or emphasis by accident (intraword `_` is safe in GFM). */
function esc(s: string): string {
  return s.replace(/</g, '&lt;').replace(/([*~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))/g, '\\$1');
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fenced block long enough not to be closed by backticks in the content. */
function fence(lines: string[], lang: string): string {
  const longest = Math.max(2, ...lines.map((l) => (l.match(/`+/g) ?? []).reduce((m, t) => Math.max(m, t.length), 0)));
  const f = '`'.repeat(longest + 1);
  return [`${f}${lang}`, ...lines, f].join('\n');
}
