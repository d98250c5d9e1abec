import { freshLine, guardLine, inputLine, outputDetail, rerunLines } from './summary.js';
import type { VerifyResult } from '../../model/verify.js';
import type { VaryCheck } from '../../model/vary.js';
import { diffText, stageLine } from './vary.js';

/**
 * `repro verify --junit FILE`: JUnit XML as CI systems read it. One `<testsuite>` per check that
 * ran; one `<testcase>` per stage (freshness, rerun), per recorded output (data), per rule
 * (rules) and per guardrail. Failures are `<failure message="…">details</failure>`; warnings
 * pass with the warning in `<system-out>`; skipped subjects are `<skipped/>`.
 *
 * `--vary`: a `vary` suite with, per stage, a `STAGE: reference` case (everything as recorded)
 * and a `STAGE: VARIATION` case per variation, as verify judges them: a stage not classified
 * fails (the check fails, exit 1); a difference in a stage repro.yaml has deterministic is a
 * warning (the check warns, exit 0), one in a `deterministic: false` stage or under `seed` is
 * reported in `<system-out>` only. A variation this machine cannot run is skipped on every stage.
 * Stages the lock says were observed otherwise than repro.yaml declares: an `observed` suite.
 */

interface Case {
  name: string;
  failure?: { message: string; detail: string[] };
  skipped?: string;
  out?: string;
}

export function renderVerifyJunit(res: VerifyResult): string {
  const suites: [string, Case[]][] = [];
  suites.push([
    'freshness',
    res.freshness.stages.map((s) =>
      s.status === 'fresh'
        ? { name: s.name }
        : s.status === 'frozen'
          ? { name: s.name, skipped: 'frozen: not checked' }
          : { name: s.name, failure: { message: freshLine(s), detail: [`${s.file}${s.line ? `:${s.line}` : ''}`] } },
    ),
  ]);
  suites.push([
    'data',
    res.data.outputs.map((o) => ({
      name: `${o.stage}: ${o.path}`,
      ...(o.status === 'missing' && !res.data.remote ? { out: `warning: ${o.hash} is not in the local cache` } : {}),
      ...(o.status === 'missing' && res.data.remote
        ? {
            failure: { message: `not in the local cache nor on remote ${res.data.remote}: ${o.missingObject ?? o.hash}`, detail: [o.path] },
          }
        : {}),
      ...(o.status === 'corrupt' ? { failure: { message: `cached object is corrupt: ${o.hash}`, detail: [o.path] } } : {}),
    })),
  ]);
  suites.push([
    'rules',
    res.rules.rules.map((r) => {
      const name = r.stage ? `tolerance ${r.metric} (stage ${r.stage})` : `check ${r.metric}`;
      if (r.status === 'fail')
        return { name, failure: { message: r.problem ?? 'failed', detail: [`${r.file}${r.line ? `:${r.line}` : ''}`] } };
      if (r.status === 'skip') return { name, skipped: r.problem ?? 'skipped' };
      return { name };
    }),
  ]);
  if ('stages' in res.rerun) {
    suites.push([
      'rerun',
      res.rerun.stages.map((s) => {
        if (s.status === 'reproduced' || s.status === 'within-tolerance')
          return { name: s.name, ...(s.status === 'within-tolerance' ? { out: 'reproduced within tolerance' } : {}) };
        const { head, detail } = rerunLines(s);
        return {
          name: s.name,
          failure: {
            message: head,
            detail:
              s.status === 'failed' || s.status === 'not-run'
                ? detail
                : [...s.input_changes.map(inputLine), ...s.outputs.flatMap(outputDetail)],
          },
        };
      }),
    ]);
  }
  if ('rows' in res.guardrails) {
    suites.push([
      'guardrails',
      res.guardrails.rows.map((r) =>
        r.status === 'fail'
          ? { name: r.metric, failure: { message: guardLine(r), detail: [`rule: ${r.rule}`, `${r.file}${r.line ? `:${r.line}` : ''}`] } }
          : { name: r.metric, ...(r.status === 'warn' ? { out: `warning: ${guardLine(r)}` } : {}) },
      ),
    ]);
  }
  if (res.vary) suites.push(['vary', varyCases(res.vary)]);
  if (res.observed_warnings?.length) {
    suites.push(['observed', res.observed_warnings.map((w) => ({ name: w.stage, out: `warning: ${w.message}` }))]);
  }

  const count = (cases: Case[], k: 'failure' | 'skipped'): number => cases.filter((c) => c[k] !== undefined).length;
  const all = suites.flatMap(([, c]) => c);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="repro verify" tests="${all.length}" failures="${count(all, 'failure')}" skipped="${count(all, 'skipped')}">`);
  for (const [name, cases] of suites) {
    out.push(
      `  <testsuite name="${attr(name)}" tests="${cases.length}" failures="${count(cases, 'failure')}" skipped="${count(cases, 'skipped')}">`,
    );
    for (const c of cases) {
      const open = `    <testcase classname="repro.verify.${attr(name)}" name="${attr(c.name)}"`;
      if (!c.failure && c.skipped === undefined && c.out === undefined) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.failure) out.push(`      <failure message="${attr(c.failure.message)}">${text(c.failure.detail.join('\n'))}</failure>`);
      if (c.skipped !== undefined) out.push(`      <skipped message="${attr(c.skipped)}"/>`);
      if (c.out !== undefined) out.push(`      <system-out>${text(c.out)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function varyCases(v: VaryCheck): Case[] {
  const cases: Case[] = [];
  for (const s of v.stages) {
    const where = `${s.file}${s.line ? `:${s.line}` : ''}`;
    if (s.class === null) {
      cases.push({ name: `${s.name}: reference`, failure: { message: stageLine(s), detail: [where] } });
      continue;
    }
    const warned = s.deterministic && (s.class === 'unstable' || s.class === 'environment-dependent');
    const note = (t: string): string => (warned ? `warning: ${t}` : t);
    const declared = warned ? ['repro.yaml has it deterministic (the default): declare deterministic: false, or fix it'] : [];
    cases.push({
      name: `${s.name}: reference`,
      out: s.reference
        ? [note(`${stageLine(s)}`), ...(s.hint ? [`hint: ${s.hint}`] : []), ...declared].join('\n')
        : `${s.class}: identical to repro.lock with everything as recorded`,
    });
    for (const o of s.variations) {
      const name = `${s.name}: ${o.variation}`;
      if (o.status === 'not-applicable') cases.push({ name, skipped: `not applicable: ${o.what}` });
      else if (o.status === 'same') cases.push({ name });
      else {
        const what = o.status === 'failed' ? `fails (${o.what}): ${o.error}` : `differs (${o.what}): ${diffText(o.diff!)}`;
        const t = o.variation === 'seed' ? `${what} (expected for a seed-dependent stage)` : note(what);
        cases.push({ name, out: [t, ...(o.hint ? [`hint: ${o.hint}`] : []), ...(o.variation === 'seed' ? [] : declared)].join('\n') });
      }
    }
    for (const k of v.skipped) cases.push({ name: `${s.name}: ${k.variation}`, skipped: k.reason });
  }
  return cases;
}

/** XML 1.0 allows only these characters; others (ESC from a colour code, NUL) are dropped. */
function clean(s: string): string {
  return s.replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
