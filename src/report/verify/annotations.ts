import { freshLine, guardLine, rerunLines } from './summary.js';
import type { VerifyResult } from '../../model/verify.js';

/**
 * GitHub Actions workflow commands (`::error file=repro.yaml,line=12,title=…::message`), one per
 * failing subject, at the line that declares it: the stage for freshness and re-runs, the
 * `checks:` key for guardrails and rules. Warnings become `::warning`. The data check adds no
 * annotation per output (there may be thousands), only one warning line.
 */
export function renderVerifyAnnotations(res: VerifyResult): string {
  const out: string[] = [];
  const add = (level: 'error' | 'warning', where: { file: string; line: number | null }, title: string, message: string): void => {
    const props = [`file=${prop(where.file)}`, ...(where.line ? [`line=${where.line}`] : []), `title=${prop(title)}`];
    out.push(`::${level} ${props.join(',')}::${data(message)}`);
  };
  for (const s of res.freshness.stages) {
    if (s.status !== 'fresh' && s.status !== 'frozen') add('error', s, `repro verify: stage '${s.name}' is not fresh`, freshLine(s));
  }
  for (const r of res.rules.rules) if (r.status === 'fail') add('error', r, `repro verify: rule '${r.metric}'`, r.problem ?? 'failed');
  if ('stages' in res.rerun) {
    for (const s of res.rerun.stages) {
      if (s.status === 'reproduced' || s.status === 'within-tolerance') continue;
      const { head, detail } = rerunLines(s);
      add('error', s, `repro verify: stage '${s.name}' did not reproduce`, [head, ...detail.slice(0, 20)].join('\n'));
    }
  }
  if ('rows' in res.guardrails) {
    for (const r of res.guardrails.rows) {
      if (r.status !== 'pass') add(r.status === 'fail' ? 'error' : 'warning', r, `repro verify: guardrail '${r.metric}'`, guardLine(r));
    }
  }
  if (res.data.status === 'warn') out.push(`::warning title=repro verify: data::${data(res.data.note)}`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** Escaping of the message part of a workflow command. */
function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping of a property value (also `:` and `,`). */
function prop(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
